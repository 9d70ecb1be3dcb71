"""Write issues as YAML that looks hand-written: block style, readable Unicode, no line wrapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from newsletter.errors import NewsletterError
from newsletter.fsio import atomic_write
from newsletter.model import Bullet, Entry, Issue, SummaryItem
from newsletter.weeks import issue_path

ISSUE_KEYS = ("date", "label", "title", "intro", "image", "published", "layout", "entries", "raw")
ENTRY_KEYS = ("type", "org", "icon", "title", "url", "note", "summary", "authors", "image", "tags", "raw")


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key and writes multi-line text as ``|`` blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _summary(item: SummaryItem) -> Any:
    if isinstance(item, Bullet):
        return {"text": item.text, "items": [_summary(i) for i in item.items]}
    return item


def _entry(entry: Entry) -> dict[str, Any]:
    data = entry.model_dump(exclude_defaults=True)
    if len(entry.org) == 1:
        data["org"] = entry.org[0]
    if entry.summary:
        data["summary"] = [_summary(i) for i in entry.summary]
    return {k: data[k] for k in ENTRY_KEYS if k in data}


def issue_yaml(issue: Issue) -> str:
    """The YAML text of an issue file."""
    data = issue.model_dump(exclude_defaults=True)
    if issue.entries:
        data["entries"] = [_entry(e) for e in issue.entries]
    ordered = {k: data[k] for k in ISSUE_KEYS if k in data}
    return yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, width=float("inf"), sort_keys=False, default_flow_style=False)


def write_issues(issues: dict[str, Issue], folder: Path, *, force: bool) -> list[Path]:
    """Write every issue; refuse, writing nothing, when one of the files exists and ``force`` is off."""
    paths = {ident: issue_path(folder, ident) for ident in sorted(issues)}
    existing = [p for p in paths.values() if p.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise NewsletterError(f"{existing[0]}{more} already exists; use --force to overwrite, or --into another folder")
    for ident, path in paths.items():
        atomic_write(path, issue_yaml(issues[ident]))
    return list(paths.values())
