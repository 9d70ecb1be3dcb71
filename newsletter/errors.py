"""Diagnostics and the one exception type that reaches the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass
class Fix:
    """Replace the text between two character offsets of a file with ``text``."""

    start: int
    end: int
    text: str
    description: str = ""
    # a fix that may change meaning (a moved link's new address): applied only with --unsafe-fixes
    unsafe: bool = False


@dataclass
class Diagnostic:
    """One finding about one place in one file."""

    file: str
    line: int
    column: int
    rule: str
    message: str
    severity: Severity = "error"
    fix: Fix | None = field(default=None, compare=False)

    @property
    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule, self.message)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}[{self.rule}] {self.message}"


class UsageError(Exception):
    """A bad option value: reported as argparse reports its own, exit status 2."""


class NewsletterError(Exception):
    """A user-facing error: printed as one line, exit status 1."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.file is None:
            return self.message
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.message}"
