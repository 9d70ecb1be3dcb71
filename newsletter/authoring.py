"""``init``, ``new-week`` and ``add``: create a project, a week's issue file, and entries in it."""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from newsletter import PACKAGE_TEMPLATES, __version__, edit, urls
from newsletter.config import CONFIG_NAME, Config
from newsletter.errors import NewsletterError
from newsletter.fsio import atomic_write
from newsletter.load import LoadedIssue, load_issue, load_issue_text
from newsletter.lock import LOCK_NAME
from newsletter.model import Entry
from newsletter.project import Project
from newsletter.weeks import issue_id, parse_issue_id, week_start

SCHEMA_NAME = "issue.schema.json"
GITIGNORE = f"dist/\n.newsletter-cache/\n{LOCK_NAME}\n"


class UsageError(Exception):
    """A bad option value: reported like argparse reports its own, exit status 2."""


def run(project: Project, args: argparse.Namespace) -> int:
    try:
        if args.command == "init":
            return init(project, args)
        if not project.exists:
            raise NewsletterError(
                f"no {CONFIG_NAME} here or in a folder above; create a project with `newsletter init DIR` or use -C DIR"
            )
        return {"new-week": new_week, "add": add}[args.command](project, args)
    except UsageError as e:
        print(f"newsletter {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        raise NewsletterError(f"cannot write: {e.strerror or e}", e.filename) from None


# --- init -----------------------------------------------------------------------------------------

# settings every project should set; the rest are written commented, at their defaults
_SET = {"title", "description", "base_url", "author", "language"}

_NOTES = {
    "title": "the newsletter's name: page titles, email subjects, feeds",
    "description": "one sentence about it, for the feeds and the page header",
    "base_url": "where the built site is served; links in emails and feeds start with it",
    "author": "shown as the author of the feeds",
    "language": '"ko" or "en": the language of the content',
    "label_language": 'week labels ("3rd week" / "3주차") and month names, when not in the content\'s language',
    "timezone": 'IANA time zone of "this week" and of publish times',
    "week_rule": '"day-of-month": week n holds days 7n-6 to 7n; "monday": calendar rows starting on Monday',
    "types": "Entry types: an emoji, the legend text, the link hosts from which `newsletter add` guesses the type\n"
    '(subdomains match too; "huggingface.co/papers" matches that path), and other spellings of the emoji\n'
    "accepted by `newsletter import`. Any [types.NAME] table replaces ALL of these defaults: copy the ones you keep.",
    "month_emoji": "The emoji after each month's heading in the archive.",
    "digest": "The Markdown archive of every issue.",
    "digest.path": "where `newsletter build` writes it",
    "digest.order": '"oldest-first" or "newest-first"',
    "digest.separator": "between an entry's type emoji and its text",
    "digest.layout": '"archive", "post" or "daily"; an issue\'s own `layout:` wins',
    "email": "The HTML email and the ready-to-send message.",
    "email.unsubscribe_url": 'placeholder your email service fills in per recipient, e.g. "*|UNSUB|*"',
    "email.list_unsubscribe": 'the List-Unsubscribe header, e.g. "<https://example.com/unsubscribe>"',
    "email.size_warning_kb": "warn above this size (Gmail clips larger messages)",
    "feed": "The RSS and Atom feeds.",
    "feed.limit": "how many of the latest issues they carry",
    "check": "`newsletter check`.",
    "check.tracking_params": "query parameters to strip besides utm_*, fbclid, ref, si, ...",
    "check.orgs": "organisation names to accept besides the built-in list",
    "check.rules": 'Severity per rule ("error", "warning", "info" or "off"); `newsletter rules` lists them.\n'
    'Example:  "link-insecure" = "off"',
    "check.org_aliases": 'Other spellings of an organisation and the one to write instead.\nExample:  "Open AI" = "OpenAI"',
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_key(key: object) -> str:
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _comment(text: str) -> list[str]:
    return ["# " + line for line in text.splitlines()]


def _setting(path: str, key: object, value: Any) -> str:
    line = f"{_toml_key(key)} = {_toml_value(value)}"
    if path not in _SET:
        line = "# " + line
    note = _NOTES.get(path)
    return f"{line:<40} # {note}" if note else line


def _table(path: str, value: BaseModel | dict) -> list[str]:
    """Commented TOML lines for a table at its defaults, sub-tables after its own settings."""
    lines = [""] + _comment(_NOTES[path]) if path in _NOTES else [""]
    items = dict(value)
    if items and all(isinstance(v, BaseModel) for v in items.values()):
        for key, sub in items.items():
            lines += _table(f"{path}.{_toml_key(key)}", sub)
        return lines
    lines.append(f"# [{path}]")
    nested = {k: v for k, v in items.items() if isinstance(v, (BaseModel, dict))}
    lines += [_setting(f"{path}.{k}", k, v) for k, v in items.items() if k not in nested]
    for key, sub in nested.items():
        lines += _table(f"{path}.{key}", sub)
    return lines


def config_text(title: str, language: str) -> str:
    """A ``newsletter.toml`` showing every setting with its default and what it does."""
    defaults = Config(title=title, language=language)
    lines = [
        "# Settings of this newsletter. Every setting is optional and shown with its default;",
        '# a line starting with "# " keeps the default: remove the "# " (and that of its [table]) to change it.',
        "",
    ]
    tables = []
    for name in Config.model_fields:
        value = getattr(defaults, name)
        if isinstance(value, (BaseModel, dict)):
            tables += _table(name, value)
        else:
            lines.append(_setting(name, name, language if value is None else value))
    return "\n".join(lines + tables) + "\n"


def package_templates() -> list[str]:
    """Names of the templates shipped with the package, as a project would override them."""
    if not PACKAGE_TEMPLATES.is_dir():
        return []
    found = (p.relative_to(PACKAGE_TEMPLATES) for p in PACKAGE_TEMPLATES.rglob("*") if p.is_file())
    return sorted(p.as_posix() for p in found if not any(part.startswith((".", "__")) for part in p.parts))


def templates_readme() -> str:
    """The README of a new project's ``templates/``: how overriding works and what can be overridden."""
    names = package_templates()
    listing = "\n".join(f"- `{n}`" for n in names) or "- (none)"
    return f"""# Templates

A file in this folder overrides the package template of the same name: `newsletter build`
looks here first and falls back to the templates shipped with newsletter. To change one,
copy the original here under the same name and edit the copy; delete the copy to go back.

Templates are Jinja2. HTML, MJML and XML templates escape their values; Markdown ones do not.
A mistake in a template is reported with the template's file name and line.

An override can build on the packaged template instead of copying it whole: the packaged one
is always reachable as `default/NAME`, for `{{% include "default/NAME" %}}` or
`{{% extends "default/NAME" %}}`.

Templates shipped with newsletter {__version__} when this project was created:

{listing}

The originals are in the `templates` folder of the installed package; print its location with
`python -c "import newsletter; print(newsletter.PACKAGE_TEMPLATES)"`.
"""


def init(project: Project, args: argparse.Namespace) -> int:
    """Create a project in an empty or new folder."""
    root = Path(args.directory or ".") / args.dir
    if root.exists() and not root.is_dir():
        raise NewsletterError("is not a folder; choose an empty or new folder", str(root))
    if root.is_dir() and any(root.iterdir()):
        raise NewsletterError("is not empty; choose an empty or new folder (nothing was written)", str(root))
    title = root.resolve().name or "Newsletter"
    from newsletter.schema import issue_schema

    files = {
        CONFIG_NAME: config_text(title, args.language),
        SCHEMA_NAME: json.dumps(issue_schema(), ensure_ascii=False, indent=2) + "\n",
        "templates/README.md": templates_readme(),
        ".gitignore": GITIGNORE,
    }
    (root / "issues").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        atomic_write(root / name, text)
    print(f"created {root}: {', '.join(files)}, issues/")
    print(f"next: cd {root} && newsletter new-week")
    return 0


# --- new-week -------------------------------------------------------------------------------------


def _today(config: Config) -> dt.date:
    from dateutil import tz

    return dt.datetime.now(tz.gettz(config.timezone)).date()


def _example_entry(config: Config) -> dict[str, Any]:
    ko = config.language == "ko"
    return {
        "type": next(iter(config.types)),
        "org": "Google DeepMind",
        "title": "링크 제목" if ko else "Title of the link",
        "url": "https://example.com/post",
        "summary": ["한 줄 요약 (Markdown)" if ko else "A one-line summary in Markdown"],
    }


def week_file_text(project: Project, day: dt.date) -> str:
    """The text of a new issue file for the week of ``day``: its date, a commented example, no entries."""
    lines = []
    schema = project.root / SCHEMA_NAME
    if schema.is_file():
        folder = project.issue_path(issue_id(day, project.config.week_rule)).parent
        lines.append(f"# yaml-language-server: $schema={Path(os.path.relpath(schema, folder)).as_posix()}")
    lines.append(f"date: {day.isoformat()}")
    lines.append("# Add links with `newsletter add URL`, or by hand below `entries:` like this:")
    lines += ["#" + line for line in edit.item_lines(_example_entry(project.config), 3, 2)]
    lines.append("entries: []")
    return "\n".join(lines) + "\n"


def _existing_issue_file(project: Project, ident: str) -> Path | None:
    """The file of issue ``ident`` wherever it is under ``issues/``."""
    return next((p for p in project.issue_files() if p.stem == ident), None)


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"argument --date: '{text}' is not a date; write it as YYYY-MM-DD") from None


def new_week(project: Project, args: argparse.Namespace) -> int:
    """Create the issue file of the week containing ``--date`` (default today); never overwrite."""
    day = _parse_date(args.date) if args.date else _today(project.config)
    ident = issue_id(day, project.config.week_rule)
    existing = _existing_issue_file(project, ident)
    if existing is not None:
        raise NewsletterError(f"the issue file of {ident} already exists; nothing changed", project.display(existing))
    path = project.issue_path(ident)
    atomic_write(path, week_file_text(project, day))
    print(project.display(path))
    return 0


# --- add ------------------------------------------------------------------------------------------


def _entry_type(url: str, given: str | None, config: Config) -> str:
    known = ", ".join(config.types)
    if given is not None:
        if given not in config.types:
            raise UsageError(f"argument --type: unknown entry type '{given}'; use one of: {known}")
        return given
    inferred = urls.infer_type(url, config.types)
    if inferred is None:
        raise UsageError(f"cannot tell the type of a link to {urls.host(url)}; give --type (one of: {known})")
    return inferred


def _normalized_url(given: str, config: Config) -> str:
    """The link as stored; says what normalisation changed."""
    extra = set(config.check.tracking_params)
    url = urls.normalize(given, extra, urls.config_hosts(config))
    if not urls.is_web_link(url):
        raise UsageError(f"{given!r} is not a web link; give it as https://host/path")
    if url != given:
        removed = urls.tracking_params(given, extra)
        why = f" (removed tracking parameters: {', '.join(removed)})" if removed else ""
        print(f"url: {given} -> {url}{why}")
    return url


def _week(text: str | None, config: Config) -> tuple[str, dt.date]:
    """The issue id to add to and a date in that week (today for the current week)."""
    if text is None:
        today = _today(config)
        return issue_id(today, config.week_rule), today
    parsed = parse_issue_id(text)
    if parsed is None:
        raise UsageError(f"argument --week: '{text}' is not an issue id like 2024-09-W3")
    try:
        return text, week_start(*parsed, config.week_rule)
    except ValueError as e:
        raise UsageError(f"argument --week: {e}") from None


def _refuse_duplicate(project: Project, url: str) -> None:
    """Fail naming the earlier entry when the archive already links to the same page."""
    key = urls.identity(url)
    issues, _ = project.load_issues()
    for loaded in issues:
        for i, entry in enumerate(loaded.issue.entries if loaded.issue else []):
            if entry.url and urls.identity(entry.url) == key:
                line, col = loaded.source.position(("entries", i, "url"))
                raise NewsletterError(
                    f"{url} is already in the archive ({loaded.id}: {entry.title}); add --allow-duplicate to add it again",
                    loaded.source.display, line, col,
                )


def _entry(args: argparse.Namespace, entry_type: str, url: str) -> dict[str, Any]:
    """The new entry as plain data, keys in the order the issue files use."""
    org: str | list[str] | None = args.org[0] if len(args.org) == 1 else args.org or None
    entry = {
        "type": entry_type, "org": org, "icon": args.icon, "title": args.title or url,
        "url": url, "note": args.note, "summary": args.summary or None,
    }
    return {k: v for k, v in entry.items() if v is not None}


def _target(project: Project, ident: str, day: dt.date) -> tuple[LoadedIssue, bool, bool]:
    """The issue to add to (loaded, or new from the week template), whether it exists, whether it has a BOM."""
    config = project.config
    path = _existing_issue_file(project, ident)
    if path is None:
        path = project.issue_path(ident)
        loaded, _ = load_issue_text(week_file_text(project, day), path, project.display(path))
        return loaded, False, False
    loaded, diags = load_issue(path, project.display(path))
    if loaded.issue is None:
        d = diags[0]
        raise NewsletterError(f"{d.message}; fix this file before adding to it", d.file, d.line, d.column)
    return loaded, True, path.read_bytes().startswith(codecs.BOM_UTF8)


def add(project: Project, args: argparse.Namespace) -> int:
    """Append an entry to a week's issue file, keeping everything else in the file as it was."""
    config = project.config
    url = _normalized_url(args.url, config)
    entry_type = _entry_type(url, args.type, config)
    ident, day = _week(args.week, config)
    if not args.allow_duplicate:
        _refuse_duplicate(project, url)
    entry = _entry(args, entry_type, url)
    loaded, existed, bom = _target(project, ident, day)
    display = loaded.source.display
    text = edit.append_item(loaded.source, "entries", entry)
    check, _ = load_issue_text(text, loaded.path, display)
    expected = [*(loaded.issue.entries if loaded.issue else []), Entry.model_validate(entry)]
    if check.issue is None or check.issue.entries != expected:
        raise NewsletterError("could not append the entry without disturbing the file; add it by hand", display)
    atomic_write(loaded.path, (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    position = ("entries", len(expected) - 1)
    if not existed:
        print(f"created {display}")
    if not args.title:
        line, col = check.source.position(position + ("title",))
        print(f"{display}:{line}:{col}: no --title given, so the title is the link; replace it with the link text")
    line, col = check.source.position(position)
    print(f"{display}:{line}:{col}: added a {entry_type} entry to {ident}")
    return 0
