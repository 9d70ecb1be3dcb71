"""Parse one archive entry line: ``- <emoji><sep>[Org, Org] <icon> [Title](url) <note>``.

Everything is found by one left-to-right scan with a bracket stack (no backtracking regex),
so a pathological megabyte-long line costs linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsletter.config import Config
from newsletter.importer.report import Report
from newsletter.urls import infer_type

_SPACES = " \u00a0\t"
_IGNORED = str.maketrans("", "", "\u200d\ufe0f")  # zero-width joiner and emoji variation selector


@dataclass
class EntryLine:
    """What an entry line says; ``warnings`` name the normalisations the renderer will apply."""

    types: list[str]
    spellings: list[str] = field(default_factory=list)  # each type's emoji as written
    separator: str = ""  # the text between the emoji and the rest
    org: list[str] = field(default_factory=list)
    icon: str | None = None
    title: str = ""
    url: str | None = None
    note: str | None = None
    warnings: list[str] = field(default_factory=list)
    open: bool = False  # the link text or URL goes on in the next line


_FORMS: dict[int, tuple[Config, list[tuple[str, str]]]] = {}


def _emoji_forms(config: Config) -> list[tuple[str, str]]:
    """(emoji without joiners/selectors, type) for every emoji and alias, longest first; worked out once per config."""
    cached = _FORMS.get(id(config))
    if cached is not None and cached[0] is config:
        return cached[1]
    forms = {(e.translate(_IGNORED), name) for name, t in config.types.items() for e in (t.emoji, *t.aliases)}
    ordered = sorted(forms, key=lambda f: -len(f[0]))
    _FORMS.clear()  # one config at a time: an import uses one
    _FORMS[id(config)] = (config, ordered)
    return ordered


def _spelling_end(token: str, start: int, form: str) -> int | None:
    """Where the emoji ``form`` (without joiners and selectors) ends if ``token`` spells it at ``start``,
    counting the joiners and selectors written inside it and right after it."""
    i = start
    for ch in form:
        while i < len(token) and token[i] in "\u200d\ufe0f":
            i += 1
        if i >= len(token) or token[i] != ch:
            return None
        i += 1
    while i < len(token) and token[i] in "\u200d\ufe0f":
        i += 1
    return i


def split_spellings(token: str, config: Config) -> list[tuple[str, str]] | None:
    """(type, emoji as written) for each emoji of ``token`` (``🧑🏻💻📜`` → dev, paper), or None if it has others."""
    found, i, forms = [], 0, _emoji_forms(config)
    while i < len(token):
        match = next(((end, name) for f, name in forms if f and (end := _spelling_end(token, i, f)) is not None), None)
        if match is None:
            return None
        found.append((match[1], token[i: match[0]]))
        i = match[0]
    return found


def split_emoji(token: str, config: Config) -> list[str] | None:
    """The types whose emoji make up ``token`` (``🧑🏻💻📜`` → dev, paper), or None if it has others."""
    found = split_spellings(token, config)
    return None if found is None else [name for name, _ in found]


def type_for_url_or_first(url: str | None, config: Config, report: Report, line: int) -> str:
    """The type the link suggests (see :func:`newsletter.urls.infer_type`), else the first configured type, with a warning."""
    kind = infer_type(url, config.types)
    if kind is None:
        kind = next(iter(config.types))
        report.warn(line, f"link of no configured host; type '{kind}' assumed")
    return kind


_BRACKET = re.compile(r"[\[\]]")
_PAREN = re.compile(r"[()]")


def bracket_pairs(text: str) -> dict[int, int]:
    """Map each ``[`` to its matching ``]`` (nested pairs included); unmatched ones are absent."""
    pairs, stack = {}, []
    for m in _BRACKET.finditer(text):
        if m[0] == "[":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs


def closing_paren(text: str, start: int) -> int | None:
    """Index of the ``)`` closing the ``(`` at ``start``, allowing balanced parentheses inside."""
    depth = 0
    for m in _PAREN.finditer(text, start):
        depth += 1 if m[0] == "(" else -1
        if depth == 0:
            return m.start()
    return None


def link_at(text: str, start: int = 0) -> tuple[str, str, int] | None:
    """(link text, url, index after the ``)``) of a ``[text](url)`` starting at ``start``, else None."""
    close = bracket_pairs(text[start:]).get(0)
    if close is None or text[start + close + 1: start + close + 2] != "(":
        return None
    end = closing_paren(text, start + close + 1)
    if end is None:
        return None
    return text[start + 1: start + close], text[start + close + 2: end], end + 1


def _leading_token(text: str) -> int:
    """Length of the emoji token that starts ``text`` (up to a space or a bracket)."""
    i = 0
    while i < len(text) and text[i] not in _SPACES and text[i] not in "[<":
        i += 1
    return i


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACES:
        i += 1
    return i


def parse_entry_line(body: str, config: Config) -> EntryLine | None:
    """Parse the text after ``- `` of an entry line; None when it starts with an unknown emoji."""
    n = _leading_token(body)
    token = body[:n]
    found = split_spellings(token, config) if token else []
    if found is None:
        if not (token.startswith("http") or token[:1].isalnum()):
            return None
        found, n = [], 0
    parsed = EntryLine([name for name, _ in found], [spelling for _, spelling in found])
    if found:
        pos = _skip_spaces(body, n)
        parsed.separator = body[n:pos]
    else:
        pos = 0
    _parse_body(body[pos:], parsed)
    return parsed


def _describe(gap: str) -> str:
    names = {" ": "a space", "\u00a0": "a no-break space", "\t": "a tab"}
    return names.get(gap, "nothing" if not gap else f"{len(gap)} spacing characters")


def _parse_body(body: str, parsed: EntryLine) -> None:
    """Fill org, icon, title, url and note from the text after the type emoji."""
    pairs = bracket_pairs(body)
    pos = 0
    if body.startswith("[") and 0 in pairs and body[pairs[0] + 1: pairs[0] + 2] != "(":
        end = pairs[0]
        after = _skip_spaces(body, end + 1)
        if after < len(body):
            parsed.org = body[1:end].split(", ")
            if body[end + 1: after] != " ":
                parsed.warnings.append(f"{_describe(body[end + 1: after])} between the org and the title written as one space")
            pos = after
    link = _find_link(body, pos, pairs)
    if link is None:
        first = body.find("[", pos)
        _without_link(body[pos:], parsed, unclosed=first != -1 and first not in pairs)
        return
    start, close, paren_end = link
    icon = body[pos:start].strip()
    parsed.icon = icon or None
    parsed.title = body[start + 1: close]
    if paren_end is None:
        parsed.open = True
        parsed.url = body[close + 2:]
        return
    parsed.url = body[close + 2: paren_end]
    _note(body[paren_end + 1:], parsed)


def _find_link(body: str, pos: int, pairs: dict[int, int]) -> tuple[int, int, int | None] | None:
    """(``[``, ``]``, ``)`` or None if unclosed) of the first top-level ``[text](url)`` at or after ``pos``."""
    i = body.find("[", pos)
    while i != -1:
        close = pairs.get(i)
        if close is None:
            return None
        if body[close + 1: close + 2] == "(":
            return i, close, closing_paren(body, close + 1)
        i = body.find("[", close + 1)
    return None


def _without_link(rest: str, parsed: EntryLine, unclosed: bool) -> None:
    """An entry with a bare URL or with no link at all."""
    if unclosed:
        parsed.open = True
    stripped = rest.strip()
    if stripped.startswith(("http://", "https://")):
        end = next((i for i, ch in enumerate(stripped) if ch in _SPACES), len(stripped))
        parsed.url = parsed.title = stripped[:end]
        _note(stripped[end:], parsed)
        return
    if not stripped and parsed.org:
        # a lone "[Something]": a heading-like entry, not an org
        stripped, parsed.org = "[" + ", ".join(parsed.org) + "]", []
    parsed.title = stripped
    parsed.warnings.append("entry has no link")


def _note(tail: str, parsed: EntryLine) -> None:
    """The text after the link; a note glued to the link gets a space."""
    note = tail.strip()
    if not note:
        return
    parsed.note = note
    if not tail.startswith(" ") or tail.startswith("  "):
        parsed.warnings.append(f"note {note[:20]!r} after the link written after one space")
