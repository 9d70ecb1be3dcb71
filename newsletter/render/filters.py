"""Every filter and test the templates can use, pure functions of their arguments; installed once, with the
environment, by :func:`newsletter.render.templates.environment`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markupsafe import Markup

from newsletter.model import SummaryItem
from newsletter.urls import is_web_link
from newsletter.weeks import long_date

WIDTH = 72
# what starts escapes, code, emphasis, links, HTML, entities and line breaks (images are off);
# most summary lines have none of it, and skipping the parser for them halves an email's rendering
_INLINE_SYNTAX = re.compile(r"[\\`*_\[\]!<&\n\r\x00]")
# joiners, variation selectors and skin-tone modifiers take no room of their own in an emoji
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\ufe0e", "\ufe0f", *map(chr, range(0x1F3FB, 0x1F400))}


@cache
def markdown_parser() -> MarkdownIt:
    # raw HTML off: an editor's <script> or <img onerror> shows as text; images are not summary content;
    # a link is made only of what the link rules accept (the gate shared with the Markdown outputs)
    md = MarkdownIt("commonmark", {"html": False}).disable("image")
    md.validateLink = is_web_link
    return md


def has_inline_syntax(text: str) -> bool:
    """Whether CommonMark inline syntax could start in ``text``; text without it renders as itself."""
    return _INLINE_SYNTAX.search(text) is not None


def markdown_block(text: str | None) -> Markup:
    """Block Markdown (paragraphs, lists…) as HTML; raw HTML in the text is escaped."""
    return Markup(markdown_parser().render(text or ""))


# an issue's summary lines are each parsed for its email, the email's text part and its web page: once is enough
@lru_cache(maxsize=1024)
def inline_tokens(text: str) -> list[Token]:
    """The tokens of one line of Markdown, shared by every caller: never change them."""
    tokens = markdown_parser().parseInline(text)
    return (tokens[0].children or []) if tokens else []


@lru_cache(maxsize=1024)  # the email and the web page show the same lines
def markdown_inline(text: str | None) -> Markup:
    """One line of Markdown (links, emphasis, code) as HTML; everything else is escaped text."""
    if not has_inline_syntax(text or ""):
        return Markup(escapeHtml(text or ""))
    md = markdown_parser()
    return Markup(md.renderer.renderInline(inline_tokens(text or ""), md.options, {}))


# what starts a block on a line: a list item, quote or heading; and, on a line alone, an indented code block, a
# fence, a thematic break made of '_' or a link reference definition
_BLOCK_START = re.compile(r"^\s*(?:[-+*>#]|\d+[.)])", re.M)
_LINE_BLOCK = re.compile(r" {0,3}\t| {4}|\s*(?:```|~~~|_\s*_\s*_|\[[^\]]*\]:)")


def plain_text(text: str | None) -> str:
    """Markdown as the words a reader sees, on one line: no markup, no link targets."""
    text = text or ""
    if not _BLOCK_START.search(text):
        if not has_inline_syntax(text):
            return " ".join(text.split())
        if "\n" not in text and "\r" not in text and not _LINE_BLOCK.match(text):
            # one line that starts no block is one paragraph: the line's inline tokens, parsed once for every
            # output, give its words
            return " ".join(_words(inline_tokens(text)).split())
    return " ".join("".join(_words(t.children or ()) + (" " if t.block else "") for t in markdown_parser().parse(text)).split())


def _words(tokens: Iterable[Token]) -> str:
    """The text of inline tokens: their text and code, a space for a line break, nothing of their markup."""
    return "".join(t.content if t.type in ("text", "code_inline") else " " if t.type.endswith("break") else "" for t in tokens)


_STYLED_TAG = re.compile(r"<(a|code)(?=[ >])")


def inline_styles(html: str, styles: "StyleAttributes") -> Markup:
    """Rendered Markdown with the email's inline styles on its links and code: mail clients drop <style>."""
    if not styles or "<" not in html:
        return Markup(html)
    return Markup(_STYLED_TAG.sub(lambda m: f"<{m[1]}{styles[m[1]]}", html))


class StyleAttributes(dict):
    """`` style="…"`` attributes by element name; an element without a style gets an empty string."""

    def __missing__(self, name: str) -> str:
        return ""


def style_attributes(styles: dict[str, str]) -> StyleAttributes:
    """The inline ``styles`` as ready attributes, made once per render rather than once per element."""
    return StyleAttributes({name: Markup(' style="{}"').format(css) for name, css in styles.items() if css})


def bullet_steps(items: list[SummaryItem]) -> Iterator[tuple[str, str | None]]:
    """Nested summary bullets as a flat run of ``open``, ``item`` (with its text), ``end`` and ``close``
    steps, so a template draws the lists in one loop instead of one macro call per level."""
    yield "open", None
    for item in items:
        if isinstance(item, str):
            yield "item", item
        else:
            yield "item", item.text
            yield from bullet_steps(item.items)
        yield "end", None
    yield "close", None


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


FILTERS = {
    "markdown": markdown_block,
    "markdown_inline": markdown_inline,
    "style_attributes": style_attributes,
    "inline_styles": inline_styles,
    "long_date": long_date,
    "bullet_steps": bullet_steps,
    "wrap": wrap,
    "underline": underline,
}
TESTS = {"web_url": is_web_link}
