"""Helpers for the check tests: temporary projects with issue files written by the test."""

from __future__ import annotations

import textwrap
from pathlib import Path

from newsletter.check.fix import fix_all
from newsletter.check.runner import collect, load_all, rule_levels
from newsletter.errors import Diagnostic
from newsletter.project import Project

ISSUE = "issues/2024/2024-09-W3.yaml"


def issue(entries: str, date: str = "2024-09-16", header: str = "") -> str:
    """An issue file with ``entries`` (YAML list items, any indentation) under ``entries:``."""
    body = textwrap.indent(textwrap.dedent(entries).strip("\n"), "  ")
    return f"date: {date}\n{header}entries:\n{body}\n"


def make_project(root: Path, files: dict[str, str], toml: str = "") -> Project:
    """A project at ``root`` with ``newsletter.toml`` = ``toml`` and the given files."""
    (root / "newsletter.toml").write_text(toml, encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Project(root)


def found(root: Path, text: str, rule: str, *, toml: str = "", extra: dict[str, str] | None = None) -> list[Diagnostic]:
    """The findings of ``rule`` when ``text`` is the issue at :data:`ISSUE`."""
    project = make_project(root, {ISSUE: text, **(extra or {})}, toml)
    return collect(project, select=[rule])


def messages(root: Path, text: str, rule: str, **kw) -> list[str]:
    return [d.message for d in found(root, text, rule, **kw)]


def fixed(root: Path, text: str, rule: str, *, toml: str = "") -> str:
    """The issue text after applying the fixes of ``rule`` (safe or not) in memory."""
    project = make_project(root, {ISSUE: text}, toml)
    loaded, targets = load_all(project, None)
    result = fix_all(project.config, loaded, targets, rule_levels(project.config, [rule]), unsafe=True)
    return result.changed.get(root / ISSUE, (text, text))[1]
