"""Fixes as text edits of a YAML file: replace one scalar, keeping the rest of the file as it is."""

from __future__ import annotations

import json
import re

import yaml

from newsletter.errors import Fix
from newsletter.load import Loader, LoadedIssue, PathKey

# a plain scalar may not start with an indicator, nor contain ': ' or ' #', nor end in ':'
_PLAIN_START = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`\s]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_PLAIN_BAD = re.compile(r": | #|:$|\s$")
_FLOW_BAD = re.compile(r"[,\[\]{}]")
_NON_TEXT = re.compile(r"^(?:~|null|Null|NULL)?$")


def quote(value: str, style: str | None, in_flow: bool = False) -> str:
    """``value`` as a YAML scalar in ``style`` where that is safe, else double-quoted JSON style.

    ``style`` is the node's: None or '' (libyaml) for plain, ``'`` or ``"`` for quoted.
    """
    if not style and _plain_ok(value, in_flow):
        return value
    if style == "'" and not _CONTROL.search(value):
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


def _plain_ok(value: str, in_flow: bool) -> bool:
    if _PLAIN_START.match(value) or _PLAIN_BAD.search(value) or _CONTROL.search(value) or _NON_TEXT.match(value):
        return False
    if in_flow and _FLOW_BAD.search(value):
        return False
    # the loader reads every scalar as text, but other YAML tools must read the same string
    return yaml.load(value, Loader=Loader) == value


def replace_value(doc: LoadedIssue, path: PathKey, new_value: str, description: str) -> Fix | None:
    """A fix writing ``new_value`` over the scalar at ``path``, in its style where that is safe.

    A block scalar (| or >) becomes a one-line scalar: its line breaks are what a fix removes.
    """
    _, node, found = doc.source.node(path)
    if not found or not isinstance(node, yaml.ScalarNode):
        return None
    start, end = node.start_mark.index, node.end_mark.index
    style = node.style
    if style in ("|", ">"):
        end = start + len(doc.source.text[start:end].rstrip())
        style = None
    parent = doc.source.node(path[:-1])[1] if path else None
    text = quote(new_value, style, bool(getattr(parent, "flow_style", False)))
    return Fix(start, end, text, description)


# characters that need escaping in a quoted scalar of each style
_ESCAPED_IN = {'"': '"\\', "'": "'"}


def replace_text(doc: LoadedIssue, path: PathKey, old: str, new: str, description: str) -> Fix | None:
    """A fix replacing ``old`` by ``new`` inside the scalar at ``path``, touching nothing else.

    None unless ``old`` occurs once in the value and is written literally in the file, and
    ``new`` needs no escaping there; callers then rewrite the whole value.
    """
    _, node, found = doc.source.node(path)
    if not found or not isinstance(node, yaml.ScalarNode) or node.value.count(old) != 1:
        return None
    start, end = node.start_mark.index, node.end_mark.index
    escaped = _ESCAPED_IN.get(node.style or "", "")
    if re.search(r"\s", new) or _CONTROL.search(new) or any(c in escaped for c in new + old):
        return None
    if doc.source.text.count(old, start, end) != 1:
        return None
    at = doc.source.text.index(old, start, end)
    return Fix(at, at + len(old), new, description)


def delete_item(doc: LoadedIssue, path: PathKey, description: str) -> Fix | None:
    """A fix removing the block-sequence item at ``path`` when it sits alone on its own line; a comment after it
    stays, on a line of its own."""
    _, node, found = doc.source.node(path)
    if not found or node is None:
        return None
    text = doc.source.text
    line_start = text.rfind("\n", 0, node.start_mark.index) + 1
    line_end = text.find("\n", node.end_mark.index)
    line_end = len(text) if line_end < 0 else line_end + 1
    before = text[line_start : node.start_mark.index]
    after = text[node.end_mark.index : line_end]
    comment = re.fullmatch(r"\s*(#.*?)?(\r?\n)?", after)
    if not re.fullmatch(r"\s*-\s+", before) or not comment:
        return None
    kept = before[: before.index("-")] + comment[1] + (comment[2] or "") if comment[1] else ""
    return Fix(line_start, line_end, kept, description)
