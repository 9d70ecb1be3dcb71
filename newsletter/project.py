"""A newsletter project on disk: its root, config, issue files and template folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from newsletter.config import CONFIG_NAME, Config, find_project, load_config
from newsletter.errors import Diagnostic
from newsletter.load import LoadedIssue, load_issue
from newsletter.weeks import issue_path


def _yaml_files(folder: Path) -> list[Path]:
    """The ``*.yaml`` files (not dot-files) under ``folder``, through symlinked folders too (a year folder
    kept elsewhere is still the project's), each real folder once so that a link loop ends."""
    found: list[Path] = []
    seen: set[str] = set()
    for top, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(top)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # a folder named like an issue is listed too, to be reported as unreadable
        found.extend(Path(top, f) for f in files + dirs if f.endswith(".yaml") and not f.startswith("."))
    return found


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
            if p.is_dir():
                found.extend(_yaml_files(p))
            elif p.exists() or p.is_symlink():
                found.append(p)
        return sorted(set(found), key=lambda q: (q.stem, str(q)))

    def load_issues(self, paths: list[Path] | None = None) -> tuple[list[LoadedIssue], list[Diagnostic]]:
        """Load every issue file, keeping going past broken ones; return issues and diagnostics."""
        issues, diags = [], []
        for path in self.issue_files(paths):
            loaded, found = load_issue(path, self.display(path))
            issues.append(loaded)
            diags.extend(found)
        return issues, diags

    def valid_issues(self, issues: list[LoadedIssue] | None = None) -> list[LoadedIssue]:
        """The ``issues`` (default: every issue, loaded now) that loaded without error, in date order."""
        if issues is None:
            issues, _ = self.load_issues()
        ok = [i for i in issues if i.issue is not None]
        return sorted(ok, key=lambda i: (i.issue.date, i.id))
