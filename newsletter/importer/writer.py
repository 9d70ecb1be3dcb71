"""Write issue files as YAML that looks hand-written: block style, readable Unicode, no line wrapping.

A small emitter for the shapes issue files have (mappings, lists, text), not a general YAML
dumper: every written text is loaded back and compared with what was meant before it is written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import yaml

from newsletter.errors import NewsletterError
from newsletter.fsio import discard, editable, write_temp
from newsletter.load import _FORBIDDEN_CHAR, MAX_DEPTH, Loader
from newsletter.model import Bullet, Entry, Issue, SummaryItem
from newsletter.weeks import issue_path

ISSUE_KEYS = ("date", "label", "title", "intro", "image", "published", "updated", "layout", "style", "raw", "entries")
ENTRY_KEYS = ("type", "org", "icon", "title", "url", "note", "summary", "authors", "more_authors", "image", "tags", "section", "style", "raw")
STEP = 2

# plain scalars a YAML 1.1 reader would not take as text (bool, null, numbers, dates, merge/value keys)
_IMPLICIT = re.compile(
    r"""(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
    |~|null|Null|NULL|<<|=
    |[-+]?(?:0b[01_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)
    |[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?)$""",
    re.VERBOSE,
)
# characters shown as escapes: controls, invisible spaces and joiners, line and paragraph separators, BOM
_ESCAPED = re.compile("[\x00-\x1f\x7f-\x9f\u00a0\u200b\u200c\u200e\u200f\u2028\u2029\u202f\u2060\ufeff\ufffe\uffff]")
_NOT_IN_BLOCK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\u2028\u2029\ufeff\ufffe\uffff\r\x85]")
_FIRST = set("-?:,[]{}#&*!|>'\"%@`")


def _quoted(text: str) -> str:
    """A double-quoted scalar; invisible and control characters as escapes."""
    def escape(m: re.Match) -> str:
        code = ord(m[0])
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}.get(m[0]) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")

    return '"' + _ESCAPED.sub(escape, text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _plain_ok(text: str) -> bool:
    """Whether ``text`` reads back as the same text when written without quotes."""
    return bool(text) and text[0] not in _FIRST and text[0] not in " \t" and text[-1] not in " \t:" and ": " not in text \
        and " #" not in text and "\t" not in text and not _ESCAPED.search(text) and not _IMPLICIT.match(text)


def _block(text: str, indent: int) -> list[str] | None:
    """``text`` as a literal block (``|``) whose lines sit at ``indent``; None when a block cannot hold it."""
    if _NOT_IN_BLOCK.search(text) or not text.strip(" \n"):
        return None
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    lines = body.split("\n")
    if any(line[:1] == "\t" for line in lines):
        return None
    head = "|" + (str(STEP) if lines[0][:1] == " " else "") + chomp
    pad = " " * indent
    return [head] + [pad + line if line else "" for line in lines] + [""] * (trailing - 1)


def _scalar(value: str, indent: int) -> list[str]:
    """A scalar after ``key:`` or ``-``: its first line (without the space before it) and any further lines."""
    if "\n" in value and (block := _block(value, indent)) is not None:
        return block
    return [value if _plain_ok(value) else _quoted(value)]


def _value(value: Any, indent: int) -> list[str]:
    """A scalar or an empty collection: its first line and any further lines (block content at ``indent``)."""
    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, (list, dict)):
        return ["[]" if isinstance(value, list) else "{}"]
    if isinstance(value, (dt.date, dt.datetime)):
        return [value.isoformat()]
    if isinstance(value, int):
        return [str(value)]
    return _scalar(value, indent)


def _mapping(data: dict, indent: int, out: list[str], first: str) -> None:
    """``key: value`` lines at ``indent``; the first starts with ``first`` (a list dash, or the indentation)."""
    for key, value in data.items():
        head = f"{first}{key}:"
        first = " " * indent
        if isinstance(value, dict) and value:
            out.append(head)
            _mapping(value, indent + STEP, out, " " * (indent + STEP))
        elif isinstance(value, list) and value:
            out.append(head)
            _sequence(value, indent + STEP, out)
        else:
            text = _value(value, indent + STEP)
            out.append(f"{head} {text[0]}")
            out.extend(text[1:])


def _sequence(items: list, indent: int, out: list[str]) -> None:
    """``- item`` lines with the dash at ``indent``."""
    dash = " " * indent + "- "
    for item in items:
        if isinstance(item, dict) and item:
            _mapping(item, indent + STEP, out, dash)
        elif isinstance(item, list) and item:
            out.append(dash.rstrip())
            _sequence(item, indent + STEP, out)
        else:
            text = _value(item, indent + STEP)
            out.append(dash + text[0])
            out.extend(text[1:])


def dump_block(value: Any) -> str:
    """``value`` (text, lists and mappings of text) as block-style YAML, lists indented below their key."""
    out: list[str] = []
    if isinstance(value, dict) and value:
        _mapping(value, 0, out, "")
    elif isinstance(value, list) and value:
        _sequence(value, 0, out)
    else:
        out.extend(_value(value, STEP))
    return "\n".join(out) + "\n"


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


def issue_data(issue: Issue) -> dict[str, Any]:
    """The issue as the mapping its file holds, keys in the order editors read them."""
    data = issue.model_dump(exclude_defaults=True)
    if issue.entries:
        data["entries"] = [_entry(e) for e in issue.entries]
    return {k: data[k] for k in ISSUE_KEYS if k in data}


def _as_text(value: Any) -> Any:
    """``value`` as the loader reads it back: every scalar as text."""
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    return value


_NULLS = {"", "~", "null", "Null", "NULL"}


def read_back(text: str) -> Any:
    """The data libyaml reads from ``text`` as the loader sees it (every scalar text, plain nulls None),
    built straight from its events; ValueError on anything an issue file may not hold (tags, anchors,
    aliases, duplicate or non-text keys)."""
    root: Any = None
    stack: list[list] = []  # [container, key waiting for its value]

    def add(value: Any) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        top = stack[-1]
        if isinstance(top[0], list):
            top[0].append(value)
        elif top[1] is None:
            if not isinstance(value, str) or value in top[0]:
                raise ValueError("a key that is not text, or twice")
            top[1] = value
        else:
            top[0][top[1]], top[1] = value, None

    for event in yaml.parse(text, Loader=Loader):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.tag or event.anchor:
                raise ValueError("a tag or an anchor")
            if found := _FORBIDDEN_CHAR.search(event.value):
                raise ValueError(f"the character U+{ord(found[0]):04X}")
            add(None if event.implicit[0] and event.value in _NULLS else event.value)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.tag or event.anchor:
                raise ValueError("a tag or an anchor")
            container: Any = {} if kind is yaml.MappingStartEvent else []
            add(container)
            stack.append([container, None])
            if len(stack) > MAX_DEPTH:
                raise ValueError(f"lists nested over {MAX_DEPTH} levels deep")
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
        elif kind is yaml.AliasEvent:
            raise ValueError("an alias")
    return root


def issue_yaml(issue: Issue, display: str = "<issue>") -> str:
    """The YAML text of an issue file, checked by reading it back."""
    data = issue_data(issue)
    text = dump_block(data)
    why = "the issue file would not read back as written; nothing was written (please report this)"
    try:
        ok = read_back(text) == _as_text(data)
    except ValueError as e:
        ok, why = False, f"the issue would hold {e}, which `newsletter check` refuses; nothing was written (change that in the archive)"
    except yaml.YAMLError:
        ok = False
    if not ok:
        raise NewsletterError(why, display)
    return text


def write_issues(issues: dict[str, Issue], folder: Path, *, force: bool, root: Path | None = None,
                 also: dict[Path, str] | None = None) -> list[Path]:
    """Write every issue (and the files ``also`` names) all or none: refuse, writing nothing, when one of the files
    exists and ``force`` is off, or when one is a folder, read-only or a link leading out of ``root`` (default
    ``folder``); a link inside it is written through."""
    paths = {ident: issue_path(folder, ident) for ident in sorted(issues)}
    existing = [p for p in paths.values() if os.path.lexists(p)]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise NewsletterError(f"{existing[0]}{more} already exists; use --force to overwrite, or --into another folder")
    texts = {paths[ident]: issue_yaml(issues[ident], str(paths[ident])) for ident in paths}
    texts.update(also or {})
    targets = {path: editable(path, root or folder, str(path)) for path in texts}
    staged: list[tuple[str, Path]] = []
    moved = 0
    try:
        for path, text in texts.items():
            try:
                staged.append((write_temp(targets[path], text, durable=False), targets[path]))
            except OSError as e:
                raise NewsletterError(f"cannot write: {e.strerror or e}; nothing was imported", str(path)) from None
        os.sync()  # one flush for all the files instead of one fsync each: every file is on disk before any rename
        for tmp, target in staged:
            os.replace(tmp, target)
            moved += 1
    finally:
        for tmp, _ in staged[moved:]:
            discard(tmp)
    return list(texts)
