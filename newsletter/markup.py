"""Links and HTML inside editors' Markdown text: found for the link rules, made inert in the Markdown outputs.

Both sides read the text as a CommonMark renderer does (markdown-it), so what ``check`` judges is what a
reader's renderer makes a link of: inline and reference links, images, autolinks, link reference
definitions and URLs in HTML attributes. The outputs keep text as typed when every link in it passes the
gate of :func:`newsletter.urls.web_parts`; otherwise its brackets are escaped and it links nothing.
An HTML tag stays only when it is harmless (no script, no event handler, every URL through the gate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from newsletter.urls import is_web_link

# elements that run code, load or submit elsewhere, or restyle the page; escaped whatever their attributes
ACTIVE_TAGS = frozenset(
    "applet base basefont bgsound embed form frame frameset iframe image input button isindex keygen link math meta "
    "noembed noframes noscript object param plaintext portal script select style svg template textarea title xmp".split()
)
# attributes holding URLs a reader's browser follows or loads
URL_ATTRIBUTES = frozenset(
    "action archive background cite codebase data dynsrc formaction href icon longdesc lowsrc manifest ping poster "
    "profile src srcset imagesrcset usemap xlink:href".split()
)
# an HTML tag, a comment, a declaration or a processing instruction, as CommonMark reads raw HTML
_ATTRIBUTE = r"""[ \t\r\n]+[A-Za-z_:][A-Za-z0-9_.:-]*(?:[ \t\r\n]*=[ \t\r\n]*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?"""
_OPEN_TAG = re.compile(rf"<([A-Za-z][A-Za-z0-9-]*)((?:{_ATTRIBUTE})*)[ \t\r\n]*/?>")
_CLOSE_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)[ \t\r\n]*>")
_ATTRIBUTES = re.compile(r"""([A-Za-z_:][A-Za-z0-9_.:-]*)(?:[ \t\r\n]*=[ \t\r\n]*([^\s"'=<>`]+|'[^']*'|"[^"]*"))?""")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>]*)>")
# "<" that may start HTML or an autolink; "<" before a space or digit is text
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")
# what a link reference definition looks like, even where CommonMark would not read one
_DEFINITION = re.compile(r"\]:[ \t]*\n?[ \t]*<?([^\s<>]*)")
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")


@dataclass(frozen=True)
class TextLink:
    """A URL in Markdown text: its link text (None for a definition or an HTML attribute) and where the
    URL is written in the text (-1 when written with escapes or entities)."""

    label: str | None
    url: str
    start: int


@cache
def _parser() -> MarkdownIt:
    """CommonMark with raw HTML, and every link kept as written, so that no link escapes judgement."""
    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True
    md.normalizeLink = lambda url: url
    md.normalizeLinkText = lambda url: url
    return md


def _has_markup(text: str) -> bool:
    return "[" in text or "<" in text


def text_links(text: str) -> list[TextLink]:
    """Every URL a CommonMark renderer would link or load from ``text``, in order."""
    if not _has_markup(text):
        return []
    found: list[TextLink] = []
    env: dict = {}
    pos = 0

    def add(label: str | None, url: str) -> None:
        nonlocal pos
        at = text.find(url, pos) if url else -1
        if at >= 0:
            pos = at + len(url)
        found.append(TextLink(label, url, at))

    for token in _inline_tokens(_parser().parse(text, env)):
        if token.type == "link_open":
            add(token.meta.get("label", ""), str(token.attrs.get("href", "")))
        elif token.type == "image":
            add(token.content, str(token.attrs.get("src", "")))
        elif token.type in ("html_inline", "html_block"):
            for url in _tag_urls(token.content):
                add(None, url)
    for ref in env.get("references", {}).values():
        add(None, ref["href"])
    return found


def _inline_tokens(tokens: list[Token]) -> Iterator[Token]:
    """Block HTML tokens and the inline tokens of every block, link tokens carrying their text as meta."""
    for token in tokens:
        if token.type == "html_block":
            yield token
        for i, child in enumerate(token.children or ()):
            if child.type == "link_open":
                child.meta["label"] = _label(token.children or [], i)
            yield child


def _label(children: list[Token], i: int) -> str:
    """The text of the link opened at ``children[i]``."""
    parts: list[str] = []
    depth = 0
    for k in range(i, len(children)):  # by index: a slice per link would copy the rest of the line each time
        child = children[k]
        depth += child.nesting if child.type in ("link_open", "link_close") else 0
        if depth == 0:
            break
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
    return "".join(parts)


def _tag_urls(html: str) -> Iterator[str]:
    for m in _OPEN_TAG.finditer(html):
        for name, value in _ATTRIBUTES.findall(m[2]):
            if name.lower() in URL_ATTRIBUTES:
                yield from _attribute_urls(name.lower(), value)


def _attribute_urls(name: str, value: str) -> list[str]:
    value = value[1:-1] if value[:1] in "'\"" and len(value) > 1 else value
    if name in ("srcset", "imagesrcset"):
        return [c.split()[0] for c in value.split(",") if c.split()]
    return [value.strip()]


def _harmless_tag(m: re.Match[str]) -> bool:
    """An open tag that runs nothing and loads or links only through the gate."""
    if m[1].lower() in ACTIVE_TAGS:
        return False
    for name, value in _ATTRIBUTES.findall(m[2]):
        name = name.lower()
        if name.startswith("on") or (name == "style" and re.search(r"url\(|expression|@import", value, re.I)):
            return False
        if name in URL_ATTRIBUTES and not all(is_web_link(u) for u in _attribute_urls(name, value)):
            return False
    return True


def escape_html(text: str, *, keep: re.Pattern[str] | None = None, autolinks: bool = True) -> str:
    """``text`` with every ``<`` that would open active HTML, a comment, a declaration or an autolink the gate
    refuses written as ``&lt;`` (inert in Markdown text and inside HTML blocks alike); with ``keep``, also
    every tag whose name it does not match (e.g. block tags inside a list item); without ``autolinks``, every
    autolink (inside link text, where it would nest a link)."""
    if "<" not in text:
        return text
    out: list[str] = []
    last = 0
    for m in _TAG_START.finditer(text):
        start = m.start()
        if start < last:
            continue
        end = _kept_end(text, start, keep, autolinks)
        if end is None:
            out.append(text[last:start] + "&lt;")
            last = start + 1
        else:
            out.append(text[last:end])
            last = end
    out.append(text[last:])
    return "".join(out)


def _kept_end(text: str, start: int, keep: re.Pattern[str] | None, autolinks: bool) -> int | None:
    """Where a harmless tag, a gate-approved autolink or (in block Markdown) a comment starting at ``start``
    ends; None if it must go."""
    if m := _AUTOLINK.match(text, start):
        return m.end() if autolinks and is_web_link(m[1]) else None
    if keep is None and text.startswith("<!--", start):
        end = text.find("-->", start + 4)
        return None if end < 0 else end + 3
    m = _OPEN_TAG.match(text, start) or _CLOSE_TAG.match(text, start)
    if m is None or m[1].lower() in ACTIVE_TAGS or (keep is not None and not keep.fullmatch(m[1])):
        return None
    if m.re is _OPEN_TAG and not _harmless_tag(m):
        return None
    return m.end()


def active_html(text: str) -> list[str]:
    """The tags in ``text`` that would run script or load what the gate refuses (``<script>``, ``onerror=``, a
    ``javascript:`` source), as written."""
    found = []
    for m in _TAG_START.finditer(text) if "<" in text else ():
        tag = _OPEN_TAG.match(text, m.start()) or _CLOSE_TAG.match(text, m.start())
        if tag is not None and (tag[1].lower() in ACTIVE_TAGS or (tag.re is _OPEN_TAG and not _harmless_tag(tag))):
            found.append(tag[0])
    return found


def escape_brackets(text: str) -> str:
    """Every ``[`` and ``]`` not already escaped, backslashed: the text then links nothing."""
    return _BRACKET.sub(r"\1\\\2", text) if "[" in text or "]" in text else text


_PAGE_LINK = re.compile(r"#[^\s<>]*|mailto:[^\s<>:/\\]+@[^\s<>:/\\]+", re.I)


def passes(url: str, *, anchors: bool = False) -> bool:
    """Whether ``url`` passes the gate; with ``anchors`` (lines of the digest page itself) also a link to one of its
    headings (``#2024``) or an email address (``mailto:``)."""
    return is_web_link(url) or (anchors and _PAGE_LINK.fullmatch(url) is not None)


def links_pass(text: str, *, anchors: bool = False) -> bool:
    """Whether every link in ``text``, and every destination of anything shaped like a definition, passes the gate."""
    if not _has_markup(text):
        return True
    if "]:" in text and not all(passes(m[1], anchors=anchors) for m in _DEFINITION.finditer(text)):
        return False
    return all(passes(link.url, anchors=anchors) for link in text_links(text))


def safe_markdown(text: str, *, keep: re.Pattern[str] | None = None, anchors: bool = False) -> str:
    """Markdown text as typed when all its links pass the gate and its HTML is harmless; otherwise with the
    offending HTML made text and, if a link fails, every bracket escaped. ``anchors``: the text is part of a
    page (the digest's own lines), where a link to a heading of that page is one."""
    if not _has_markup(text):
        return text
    text = escape_html(text, keep=keep)
    if links_pass(text, anchors=anchors):
        return text
    text = escape_brackets(text)
    # a construct no escape reaches (should never happen): no bracket or tag is left at all
    return text if links_pass(text, anchors=anchors) else text.replace("[", "&#91;").replace("]", "&#93;").replace("<", "&lt;")


def inline_text(text: str) -> str:
    """Inline text (a title, an organisation, an icon) for a Markdown line that links nothing: brackets escaped
    where they could form a link, entity-like ``&`` and a trailing backslash escaped, and HTML made text
    unless it is a harmless tag such as ``<Cookbook>``; the editor's own backslash escapes are kept."""
    if text.endswith("\\") and (len(text) - len(text.rstrip("\\"))) % 2:
        text += "\\"  # else it would escape what follows, e.g. the bracket closing a link
    if "&" in text:
        text = _ENTITY.sub(r"\\&", text)
    text = escape_html(text, keep=INLINE_TAG, autolinks=False)
    if "]" in text or "[" in text:
        if "](" in text or "][" in text or "]:" in text or not _balanced(text) or text_links(text):
            text = escape_brackets(text)
    return text


# a tag kept inside a list item or a line: not a block (the layout's <details> and lists must hold)
INLINE_TAG = re.compile(r"(?i)(?!(?:address|article|aside|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt"
                         r"|fieldset|figcaption|figure|footer|h[1-6]|head|header|hr|html|legend|li|main|menu|menuitem|nav|ol"
                         r"|optgroup|option|p|pre|search|section|source|summary|table|tbody|td|tfoot|th|thead|tr|track|ul)$)"
                         r"[A-Za-z][A-Za-z0-9-]*")


def _balanced(text: str) -> bool:
    depth = 0
    for m in _BRACKET.finditer(text):
        depth += 1 if m[2] == "[" else -1
        if depth < 0:
            return False
    return depth == 0
