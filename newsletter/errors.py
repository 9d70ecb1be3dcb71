"""Diagnostics and the one exception type that reaches the command line."""

from __future__ import annotations

import errno
import os
import re
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
    """A bad command line (an unknown option, a bad value): reported as argparse reports its own, exit status 2.
    ``prog`` names the command (default: the one being run)."""

    def __init__(self, message: str, prog: str | None = None):
        super().__init__(message)
        self.prog = prog


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


# control characters (ESC starts terminal sequences that retitle the window or redraw lines) and the
# invisible characters that reorder text (bidi overrides, isolates, marks)
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` for a terminal: control and bidi characters shown as escapes (``\\x1b``, ``\\u202e``)."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


_ADVICE = {
    errno.ENOSPC: "free some disk space and run again",
    errno.EDQUOT: "free some disk space and run again",
    errno.EROFS: "the file system is read-only; work on a writable copy",
    errno.EACCES: "make it writable (or readable) for you, or work elsewhere",
    errno.EPERM: "make it writable (or readable) for you, or work elsewhere",
    errno.EISDIR: "a folder is in the way: move it or name another path",
    errno.ENOTDIR: "a file is in the way where a folder is needed: move it or name another path",
    errno.ENAMETOOLONG: "use a shorter name",
    errno.ENOENT: "check the path",
}


def os_problem(e: OSError) -> str:
    """``path: what went wrong; what to do`` for a failed file operation (a temporary file is named by its folder)."""
    name = e.filename2 if e.filename2 is not None else e.filename
    if name is None:
        where = ""
    else:
        path = os.fsdecode(name)
        base = os.path.basename(path)
        if base.startswith(".") and base.endswith(".tmp"):
            path = os.path.dirname(path) or "."
        where = f"{_relative(path)}: "
    advice = _ADVICE.get(e.errno or 0, "check the file and its folder")
    return f"{where}{e.strerror or e}; {advice}"


def _relative(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path
