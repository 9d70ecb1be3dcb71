"""A newsletter project on disk: its root, config, issue files and template folder."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator

from newsletter.config import CONFIG_NAME, Config, find_project, load_config
from newsletter.errors import Diagnostic, printable
from newsletter.fsio import inside
from newsletter.load import LoadedIssue, load_issue
from newsletter.weeks import issue_path


def _walk(folder: Path, root: Path) -> Iterator[tuple[str, list[str], list[str], list[str]]]:
    """``os.walk`` through symlinked folders that stay inside ``root``, each real folder once so that a link loop
    ends: (folder, its folders, its files, its folders that lead out of ``root``, not entered)."""
    seen: set[str] = set()
    for top, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(top)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        listed = sorted(d for d in dirs if not d.startswith("."))
        away = [d for d in listed if os.path.islink(os.path.join(top, d)) and not inside(root, Path(top, d))]
        dirs[:] = [d for d in listed if d not in away]
        yield top, dirs, files, away


def _yaml_files(folder: Path, root: Path) -> list[Path]:
    """The ``*.yaml`` files (not dot-files) under ``folder``, and the linked folders under it that leave ``root``
    (listed to be reported, as a file linked out of it is when read)."""
    found: list[Path] = []
    for top, dirs, files, away in _walk(folder, root):
        # a folder named like an issue is listed too, to be reported as unreadable
        found.extend(Path(top, f) for f in files + dirs if f.endswith(".yaml") and not f.startswith("."))
        found.extend(Path(top, d) for d in away)
    return found


def misnamed(name: str) -> str | None:
    """The name an issue file called ``name`` should have when the listing skips it (``.yml``, ``.YAML``, a dot-file)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or suffix.lower() not in ("yaml", "yml") or (suffix == "yaml" and not name.startswith(".")):
        return None
    return stem.lstrip(".") + ".yaml" if stem.lstrip(".") else None


@dataclass
class Project:
    root: Path

    @classmethod
    def find(cls, directory: str | os.PathLike | None = None) -> "Project":
        """The project at ``directory`` (``-C``) or the nearest one above the current folder."""
        if directory is not None:
            return cls(Path(directory).resolve())
        return cls(find_project(Path.cwd()))

    @property
    def exists(self) -> bool:
        """Whether ``root`` holds a project: a ``newsletter.toml`` or an ``issues/`` folder."""
        return (self.root / CONFIG_NAME).is_file() or self.issues_dir.is_dir()

    @cached_property
    def config(self) -> Config:
        path = self.root / CONFIG_NAME
        return load_config(path) if path.is_file() else Config()

    @property
    def issues_dir(self) -> Path:
        return self.root / "issues"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    def display(self, path: Path) -> str:
        """``path`` relative to the current folder (as given when that is impossible), for messages."""
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    def issue_path(self, issue_id: str) -> Path:
        """Where the issue ``2024-09-W3`` lives: ``issues/2024/2024-09-W3.yaml``."""
        return issue_path(self.issues_dir, issue_id)

    def issue_files(self, paths: list[Path] | None = None) -> list[Path]:
        """Issue files under ``paths`` (files or folders), default all of ``issues/``; sorted by id."""
        found: list[Path] = []
        # absolute paths, so a file named on the command line and found in issues/ is one file
        for p in (Path(os.path.abspath(q)) for q in paths or [self.issues_dir]):
            if p.is_dir() and inside(self.root, p):
                found.extend(_yaml_files(p, self.root))
            elif p.exists() or p.is_symlink():
                found.append(p)
        return sorted(set(found), key=lambda q: (q.stem, str(q)))

    def skipped_files(self) -> list[tuple[Path, str]]:
        """Files in ``issues/`` that look like issue files but are not read, each with the name it should have."""
        found = []
        for top, _, files, _ in _walk(self.issues_dir, self.root):
            found.extend((Path(top, f), name) for f in files if (name := misnamed(f)))
        return sorted(found)

    def warn_skipped(self) -> None:
        """Say on stderr which files in ``issues/`` are not read, and what to call them."""
        for path, name in self.skipped_files():
            print(f"newsletter: {printable(self.display(path))}: warning: not read: an issue file's name ends in .yaml "
                  f"and does not start with a dot; rename it {printable(name)}", file=sys.stderr)

    def load_issues(self, paths: list[Path] | None = None) -> tuple[list[LoadedIssue], list[Diagnostic]]:
        """Load every issue file, keeping going past broken ones; return issues and diagnostics."""
        issues, diags = [], []
        for path in self.issue_files(paths):
            loaded, found = load_issue(path, self.display(path), self.root)
            issues.append(loaded)
            diags.extend(found)
        return issues, diags

    def valid_issues(self, issues: list[LoadedIssue] | None = None) -> list[LoadedIssue]:
        """The ``issues`` (default: every issue, loaded now) that loaded without error, in date order."""
        if issues is None:
            issues, _ = self.load_issues()
        ok = [i for i in issues if i.issue is not None]
        return sorted(ok, key=lambda i: (i.issue.date, i.id))
