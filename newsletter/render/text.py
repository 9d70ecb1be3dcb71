"""The plain-text part of the email, rendered from the issue model (never by stripping the HTML)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import jinja2

from newsletter.model import walk_summary
from newsletter.render.html import has_inline_syntax, markdown_parser
from newsletter.render.templates import render
from newsletter.urls import is_web_link
from newsletter.weeks import long_date

TEXT_TEMPLATE = "email.txt.j2"
WIDTH = 72
# joiners, variation selectors and skin-tone modifiers take no room of their own in an emoji
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\ufe0e", "\ufe0f", *map(chr, range(0x1F3FB, 0x1F400))}


@lru_cache(maxsize=1 << 16)
def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Hangul, CJK and emoji count two."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if ch in _ZERO_WIDTH or unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def wrap(text: str, width: int = WIDTH, indent: str = "", subsequent: str | None = None) -> str:
    """Fill ``text`` to ``width`` columns, breaking only at spaces; a longer word (a URL) keeps its own line."""
    subsequent = indent if subsequent is None else subsequent
    lines: list[str] = []
    line, used, empty = indent, display_width(indent), True
    for word in text.split():
        w = display_width(word)
        if not empty and used + 1 + w > width:
            lines.append(line)
            line, used, empty = subsequent, display_width(subsequent), True
        line, used = (line + word, used + w) if empty else (f"{line} {word}", used + 1 + w)
        empty = False
    lines.append(line)
    return "\n".join(lines)


def underline(text: str, char: str = "=") -> str:
    """A rule as wide as ``text`` on screen, for plain-text headings."""
    return char * display_width(text)


def hanging_indent(line: str) -> str:
    """The indent that continues a Markdown line: deeper than its list marker, if it has one."""
    stripped = line.lstrip()
    lead = line[: len(line) - len(stripped)]
    marker = stripped.split(" ", 1)[0]
    if marker in ("-", "*", "+") or (marker[:-1].isdigit() and marker[-1:] in ".)"):
        return lead + " " * (len(marker) + 1)
    return lead


class Footnotes:
    """The links of one message: ``text [1]`` in the body, ``[1] url`` listed at the end."""

    def __init__(self) -> None:
        # numbers by URL, in citation order (a dict: looking a URL up in a list made long messages quadratic)
        self.numbers: dict[str, int] = {}

    @property
    def urls(self) -> list[str]:
        return list(self.numbers)

    def ref(self, url: str) -> int:
        """The number of ``url``, the same number each time it is cited."""
        return self.numbers.setdefault(url, len(self.numbers) + 1)

    def plain(self, markdown: str | None) -> str:
        """One line of Markdown as text: emphasis dropped, code kept in backticks, links as footnotes."""
        if not has_inline_syntax(markdown or ""):
            return markdown or ""
        tokens = markdown_parser().parseInline(markdown or "")
        children = (tokens[0].children or []) if tokens else []
        out: list[str] = []
        hrefs: list[str] = []
        for tok in children:
            if tok.type == "text":
                out.append(tok.content)
            elif tok.type == "code_inline":
                out.append(f"`{tok.content}`")
            elif tok.type in ("softbreak", "hardbreak"):
                out.append(" ")
            elif tok.type == "link_open":
                hrefs.append(str(tok.attrs.get("href", "")))
            elif tok.type == "link_close":
                href = hrefs.pop()
                # an autolink already shows its URL
                if tok.markup != "autolink":
                    out.append(f" [{self.ref(href)}]")
        return "".join(out)

    def lines(self, markdown: str | None, width: int = WIDTH, indent: str = "") -> str:
        """Markdown text line by line as wrapped plain text; list items keep their markers."""
        out = []
        for line in (markdown or "").strip("\n").splitlines():
            if not line.strip():
                out.append("")
                continue
            lead = line[: len(line) - len(line.lstrip())]
            out.append(wrap(self.plain(line.strip()), width, indent + lead, indent + hanging_indent(line)))
        return "\n".join(out)


def email_text(env: jinja2.Environment, context: dict) -> str:
    """The plain-text email of an issue (see :func:`newsletter.render.html.issue_context`)."""
    env.filters["wrap"] = wrap
    env.filters["underline"] = underline
    env.tests["web_url"] = is_web_link
    env.filters["long_date"] = long_date
    return render(env, TEXT_TEMPLATE, notes=Footnotes(), walk_summary=walk_summary, width=WIDTH, **context)
