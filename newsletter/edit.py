"""Edit issue files as text, so that comments, key order and formatting stay as the editor left them."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from newsletter.importer.writer import dump_block
from newsletter.load import Source

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
