"""What an HTML page says about itself: Open Graph, Twitter card, ``<title>``, canonical link, charset."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from html.parser import HTMLParser


class _HeadParser(HTMLParser):
    """Collects ``<meta>`` values, the ``<title>`` text and ``<link rel=canonical>``; stops at ``<body>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        # scholarly pages name each author in a <meta name="citation_author"> of its own
        self.citation_authors: list[str] = []
        self.title: list[str] = []
        self.canonical: str | None = None
        self.charset: str | None = None
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or "").strip().lower()
            if key and "content" in a:
                self.meta.setdefault(key, a["content"])
                if key == "citation_author" and a["content"].strip():
                    self.citation_authors.append(_one_line(a["content"]))
            if "charset" in a:
                self.charset = a["charset"].strip()
            elif a.get("http-equiv", "").lower() == "content-type" and "charset=" in a.get("content", ""):
                self.charset = a["content"].partition("charset=")[2].strip(" ;\"'")
        elif tag == "title" and not self.title:
            self._in_title = True
        elif tag == "link" and "canonical" in a.get("rel", "").lower().split() and a.get("href"):
            self.canonical = self.canonical or a["href"].strip()
        elif tag == "body":
            self.done = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)


@dataclass
class PageMeta:
    """The self-description of a page; empty strings where it says nothing."""

    title: str = ""
    site_name: str = ""
    canonical: str = ""
    authors: list[str] = field(default_factory=list)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _parse(text: str) -> _HeadParser:
    parser = _HeadParser()
    # feed in pieces so a long body after </head> is not parsed for nothing
    for start in range(0, len(text), 8192):
        parser.feed(text[start : start + 8192])
        if parser.done:
            break
    return parser


def decode(body: bytes, charset: str | None) -> str:
    """The page's text: the charset the server sent, else UTF-8, else the one its ``<meta>`` names."""
    for name in (charset, "utf-8"):
        if name:
            try:
                return body.decode(name)
            except (LookupError, UnicodeDecodeError):
                pass
    # legacy Korean pages (EUC-KR) name their charset only in a <meta> tag; latin-1 reads any byte
    declared = _parse(body.decode("latin-1")).charset
    try:
        codecs.lookup(declared or "")
    except LookupError:
        declared = None
    return body.decode(declared or "utf-8", errors="replace")


def page_meta(body: bytes, charset: str | None = None) -> PageMeta:
    """Open Graph first, then the Twitter card, then the scholarly ``citation_*`` tags, then ``<title>``."""
    p = _parse(decode(body, charset))
    m = p.meta

    def first(*keys: str) -> str:
        return next((_one_line(m[k]) for k in keys if _one_line(m.get(k, ""))), "")

    authors = p.citation_authors or [_one_line(m[k]) for k in ("author", "article:author") if _one_line(m.get(k, ""))][:1]
    return PageMeta(
        title=first("og:title", "twitter:title", "citation_title") or _one_line("".join(p.title)),
        site_name=first("og:site_name", "application-name"),
        canonical=first("og:url") if not p.canonical else p.canonical,
        authors=authors,
    )
