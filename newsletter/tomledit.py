"""Set values in ``newsletter.toml`` as text, keeping its comments and layout.

A setting that is there is changed in place (its comment stays); one written commented out at its
default (as ``newsletter init`` writes them) is uncommented, with the rest of its table, since a
table written in the file replaces the defaults of the tables it names; one that is nowhere is
added at the end of its table, or in a new table at the end of the file. The edited text is read
back and must give the wanted values.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

_ESCAPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00a0\u200b\u200c\u200e\u200f\u2028\u2029\u202f\u2060\ufeff]")
_HEADER = re.compile(r"^(#\s*)?\[([A-Za-z0-9_.\"-]+)\]\s*(#.*)?$")
_ASSIGN = re.compile(r"^(#\s*)?(\"[^\"]*\"|[A-Za-z0-9_-]+)\s*=\s*(.*)$")
# tables whose keys are all replaced once the table is written: uncomment them whole, with their siblings
_FAMILIES = ("types", "month_emoji")


def toml_key(key: object) -> str:
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """A TOML value; invisible characters as escapes, several lines as a multi-line string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if "\n" in text and "'''" not in text and not text.endswith("'") and not _ESCAPED.search(text.replace("\t", "")):
        return "'''\n" + text + "'''"
    quoted = json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    return _ESCAPED.sub(lambda m: f"\\u{ord(m[0]):04x}", quoted)


def _settings_lines(table: str, values: dict[str, Any]) -> list[str]:
    return [f"[{table}]"] + [f"{toml_key(k)} = {toml_value(v)}" for k, v in values.items()]


class _Document:
    def __init__(self, text: str):
        self.lines = text.split("\n")

    def headers(self) -> list[tuple[int, str, bool]]:
        """(line index, table name, commented) of every table header, written or commented out."""
        found = []
        for i, line in enumerate(self.lines):
            if m := _HEADER.match(line.strip()):
                found.append((i, m[2], bool(m[1])))
        return found

    def region(self, table: str | None) -> tuple[int, int, bool] | None:
        """(first line, end, commented) of a table's settings; ``None`` table: the top-level settings."""
        headers = self.headers()
        if table is None:
            return 0, headers[0][0] if headers else len(self.lines), False
        for n, (i, name, commented) in enumerate(headers):
            if name == table:
                end = headers[n + 1][0] if n + 1 < len(headers) else len(self.lines)
                return i + 1, end, commented
        return None

    def uncomment(self, table: str) -> None:
        """Uncomment a table's header and its settings."""
        start, end, commented = self.region(table)
        if not commented:
            return
        self.lines[start - 1] = re.sub(r"^(\s*)#\s*", r"\1", self.lines[start - 1])
        for i in range(start, end):
            m = _ASSIGN.match(self.lines[i].strip())
            if m and m[1]:
                self.lines[i] = self.lines[i].strip()[len(m[1]):]

    def set(self, table: str | None, key: str, value: Any) -> None:
        region = self.region(table)
        if region is None:
            self.append([""] + _settings_lines(table, {key: value}))
            return
        if table is not None and region[2]:
            family = table.split(".")[0]
            for _, name, commented in self.headers():
                if commented and (name == table or (family in _FAMILIES and name.split(".")[0] == family)):
                    self.uncomment(name)
            region = self.region(table)
        start, end, _ = region
        last = start - 1
        for i in range(start, end):
            m = _ASSIGN.match(self.lines[i].strip())
            if m and m[2].strip('"') == key:
                self.lines[i: self._value_end(i) + 1] = [self._replace(self.lines[i], m, value)]
                return
            if m and not m[1]:
                last = self._value_end(i)
        self.lines[last + 1: last + 1] = [f"{toml_key(key)} = {toml_value(value)}"]

    def _value_end(self, i: int) -> int:
        """The last line of the value that starts on line ``i`` (multi-line strings and arrays)."""
        first = re.sub(r"^\s*#\s*", "", self.lines[i])
        for j in range(i, len(self.lines)):
            try:
                tomllib.loads("\n".join([first, *self.lines[i + 1: j + 1]]))
                return j
            except tomllib.TOMLDecodeError:
                continue
        return i

    @staticmethod
    def _replace(line: str, m: re.Match, value: Any) -> str:
        """The setting line with ``value``, keeping an end-of-line comment where it was."""
        new = f"{m[2]} = {toml_value(value)}"
        rest = m[3]
        for pos in (i for i, ch in enumerate(rest) if ch == "#"):
            try:
                tomllib.loads("x = " + rest[:pos])
            except tomllib.TOMLDecodeError:
                continue
            if "\n" in new:
                return new
            column = len(line.rstrip()) - len(rest) + pos - (len(m[1]) if m[1] else 0)
            return new.ljust(column - 1) + " " + rest[pos:]
        return new

    def append(self, lines: list[str]) -> None:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.lines += lines + [""]

    def text(self) -> str:
        return "\n".join(self.lines)


def set_settings(text: str, settings: dict[str, Any], tables: dict[str, dict[str, Any]]) -> str:
    """``text`` with each dotted setting set; ``tables`` gives whole tables (``types.dev``,
    ``month_emoji``) to write when one of their settings is set and the file has none of them."""
    doc = _Document(text)
    for path, value in settings.items():
        table, _, key = path.rpartition(".")
        if isinstance(value, dict):  # a whole table such as month_emoji
            for k, v in value.items():
                doc.set(path, k, v)
            continue
        family = table.split(".")[0]
        if table and family in _FAMILIES and not any(name.split(".")[0] == family for _, name, _ in doc.headers()):
            for name, values in tables.items():
                if name.split(".")[0] == family:
                    doc.append([""] + _settings_lines(name, values))
        doc.set(table or None, key, value)
    return doc.text()
