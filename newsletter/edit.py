"""Edit issue files as text, so that comments, key order and formatting stay as the editor left them: append an
item (``add``), record a time (``publish``), and the fixes of ``check`` (replace a scalar or part of one, delete an item)."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from newsletter.errors import Fix, NewsletterError
from newsletter.load import Loader, LoadedIssue, PathKey, Source

DEFAULT_INDENT = 2


_BREAK = re.compile(r"\r\n?|\n")
_LAST_BREAK = re.compile(r"(?:\r\n?|\n)\Z")


def newline_of(text: str) -> str:
    """The line ending the text uses, as its first line ends: LF, CRLF or CR (old Mac); LF without any."""
    found = _BREAK.search(text)
    return found[0] if found else "\n"


def end_of_line(text: str, index: int) -> int:
    """The offset of the line break that ends the line holding ``index`` (len(text) on the last line)."""
    found = _BREAK.search(text, index)
    return found.start() if found else len(text)


_KEEP = re.compile(r"[|>][0-9-]*\+")


def _content_end(node: yaml.Node, text: str) -> int:
    """The offset just past the last character of the node's own text: block scalars' trailing breaks excluded,
    but those a keeping block scalar (``|+``) holds, up to its last line break."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    end = node.end_mark.index
    if isinstance(node, yaml.ScalarNode) and _KEEP.match(text, node.start_mark.index):
        return end - len(found[0]) if (found := _LAST_BREAK.search(text, 0, end)) else end
    while end > node.start_mark.index and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def item_lines(item: Any, dash_column: int, gap: int) -> list[str]:
    """``item`` rendered as one block-sequence item whose dash sits at ``dash_column``."""
    # the importer's emitter, imported here: the check rules import this module for their fixes and never emit
    from newsletter.importer.writer import dump_block

    lines = dump_block(item).splitlines()
    first = " " * dash_column + "-" + " " * (gap - 1)
    rest = " " * (dash_column + gap)
    return [first + lines[0]] + [rest + line if line else line for line in lines[1:]]


def _insert_lines(text: str, at: int, lines: list[str]) -> str:
    """Insert whole lines right after offset ``at`` (an end of line), each on a line of its own."""
    nl = newline_of(text)
    return text[:at] + "".join(nl + line for line in lines) + text[at:]


def append_item(source: Source, key: str, item: Any) -> str:
    """The source text with ``item`` appended to the list under the top-level ``key``.

    Handles a block list, a flow list (``[]`` becomes a block list), a key with no value,
    and an absent key; nothing else in the text changes.
    """
    text = source.text
    if source.root is not None and not isinstance(source.root, yaml.MappingNode):
        raise ValueError("the file is not a mapping of keys")
    _, value, found = source.node((key,))
    if not found or value is None:
        # the text's own last line breaks stay: they may be a keeping block scalar's (|+)
        nl, body = newline_of(text), text if text.endswith(("\n", "\r")) or not text.strip() else text + newline_of(text)
        lines = [f"{key}:"] + item_lines(item, DEFAULT_INDENT, DEFAULT_INDENT)
        return (body if body.strip() else "") + nl.join(lines) + nl
    if isinstance(value, yaml.SequenceNode) and not value.flow_style:
        dash = value.start_mark
        first = value.value[0].start_mark
        gap = first.column - dash.column if first.line == dash.line else DEFAULT_INDENT
        return _insert_lines(text, end_of_line(text, _content_end(value, text)), item_lines(item, dash.column, gap))
    if isinstance(value, yaml.SequenceNode) and value.value:
        # a flow list with items stays a flow list: JSON is valid flow YAML
        close = value.end_mark.index - 1
        return text[:close] + ", " + json.dumps(item, ensure_ascii=False) + text[close:]
    if isinstance(value, yaml.SequenceNode) or value.tag.endswith(":null"):
        head = text[: value.start_mark.index].rstrip(" \t")
        text = head + text[value.end_mark.index :]
        column = source.position((key,), key=True)[1] - 1
        lines = item_lines(item, column + DEFAULT_INDENT, DEFAULT_INDENT)
        return _insert_lines(text, end_of_line(text, len(head)), lines)
    raise ValueError(f"'{key}' is not a list")


def with_timestamp(loaded: LoadedIssue, key: str, after: str, stamp: str) -> str:
    """The issue file's text with ``key: <stamp>`` in place of its old value, else right after ``after:``;
    nothing else changes."""
    source = loaded.source
    raw = loaded.path.read_bytes().decode("utf-8")  # keeps a byte-order mark where it was
    lines = raw.splitlines(keepends=True)
    newline = newline_of(raw)
    node_key, value, found = source.node((key,))
    if not found:
        node_key, value, found = source.node((after,))
    one_line = value is not None and value.end_mark.line - value.start_mark.line <= (0 if value.end_mark.column else 1)
    if not found or node_key is None or value is None or node_key.start_mark.column != 0 or not one_line:
        line, col = source.position((after,), key=True)
        raise NewsletterError(f"cannot record the time: write `{after}:` as a top-level line of its own", source.display, line, col)
    record = f"{key}: {stamp}{newline}"
    if node_key.value == key:
        lines[node_key.start_mark.line] = record
    else:
        # a value ending at column 0 ended on the line before (a block scalar's last newline)
        at = value.end_mark.line + (1 if value.end_mark.column else 0)
        if at == len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        lines.insert(at, record)
    return "".join(lines)


# --- fixes: replace one scalar, keeping the rest of the file as it is -------------------------------

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
