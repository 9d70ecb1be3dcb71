"""What the email, the plain-text email and the feed show of an issue, and Markdown → safe HTML."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import jinja2
from dateutil import tz
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

from newsletter.config import Config, EntryType
from newsletter.model import Entry, Issue, SummaryItem
from newsletter.render.templates import render
from newsletter.urls import is_web_link, issue_page
from newsletter.weeks import long_date

BODY_TEMPLATE = "issue-body.html.j2"
PREHEADER_LENGTH = 140
# what starts escapes, code, emphasis, links, HTML, entities and line breaks (images are off);
# most summary lines have none of it, and skipping the parser for them halves an email's rendering
_INLINE_SYNTAX = re.compile(r"[\\`*_\[\]!<&\n\r\x00]")


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


def markdown_inline(text: str | None) -> Markup:
    """One line of Markdown (links, emphasis, code) as HTML; everything else is escaped text."""
    if not has_inline_syntax(text or ""):
        return Markup(escapeHtml(text or ""))
    return Markup(markdown_parser().renderInline(text or ""))


def plain_text(text: str | None) -> str:
    """Markdown as the words a reader sees, on one line: no markup, no link targets."""
    if not has_inline_syntax(text or "") and not re.search(r"^\s*(?:[-+*>#]|\d+[.)])", text or "", re.M):
        return " ".join((text or "").split())
    words: list[str] = []
    for token in markdown_parser().parse(text or ""):
        for child in token.children or ():
            words.append(child.content if child.type in ("text", "code_inline") else " " if child.type.endswith("break") else "")
        words.append(" " if token.block else "")
    return " ".join("".join(words).split())


_STYLED_TAG = re.compile(r"<(a|code)(?=[ >])")


def inline_styles(html: str, styles: "StyleAttributes") -> Markup:
    """Rendered Markdown with the email's inline styles on its links and code: mail clients drop <style>."""
    if not styles:
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


def install_filters(env: jinja2.Environment) -> None:
    """Make the Markdown and markup filters and the ``web_url`` test available to the issue templates."""
    env.filters["markdown"] = markdown_block
    env.filters["markdown_inline"] = markdown_inline
    env.filters["style_attributes"] = style_attributes
    env.filters["inline_styles"] = inline_styles
    env.filters["long_date"] = long_date
    env.filters["bullet_steps"] = bullet_steps
    env.tests["web_url"] = is_web_link


@dataclass(frozen=True)
class Group:
    """The entries of one type, in the order the editor wrote them."""

    name: str
    type: EntryType
    heading: str
    entries: list[Entry]


@dataclass(frozen=True)
class Links:
    """The URLs every rendering of an issue points to."""

    archive: str
    web: str
    rss: str
    atom: str
    unsubscribe: str
    # where the copy on the web sends a reader who wants to unsubscribe: it cannot hold the per-recipient placeholder
    web_unsubscribe: str


def groups(issue: Issue, config: Config) -> list[Group]:
    """The issue's entries grouped by type, types in the order of ``newsletter.toml``."""
    by_type = {name: Group(name, t, config.type_heading(name), []) for name, t in config.types.items()}
    for entry in issue.entries:
        by_type[entry.type].entries.append(entry)
    return [g for g in by_type.values() if g.entries]


def heading(issue: Issue, config: Config) -> str:
    """The issue's headline: its ``title``, else the month and week, e.g. ``February 2024 · 5th week``."""
    return issue.title or config.periods.heading(issue.date, config.labels, issue.label or None)


def preheader(issue: Issue) -> str:
    """The inbox preview line: the intro's opening words, else the first titles."""
    if issue.intro:
        text = plain_text(issue.intro)
    else:
        text = " · ".join(e.title for e in issue.entries)
    return text if len(text) <= PREHEADER_LENGTH else text[: PREHEADER_LENGTH - 1] + "…"


def links(issue_id: str, config: Config) -> Links:
    """Archive, web copy, feeds and unsubscribe URLs of an issue."""
    base = config.base_url
    listed = re.findall(r"<([^<>]+)>", config.email.list_unsubscribe)
    web_unsubscribe = next((u for u in listed if u.startswith("https:")), listed[0] if listed else base)
    return Links(base, base + issue_page(issue_id), f"{base}feed.xml", f"{base}atom.xml", config.email.unsubscribe_url, web_unsubscribe)


def web_copy(html: str, links: Links) -> str:
    """The email as a page on the web: its unsubscribe link no longer holds the email service's placeholder."""
    return html.replace(f'href="{escapeHtml(links.unsubscribe)}"', f'href="{escapeHtml(links.web_unsubscribe)}"')


def site_host(config: Config) -> str:
    """The host of ``base_url``, which names the site in message and feed ids."""
    return urlsplit(config.base_url).hostname or "localhost"


def send_time(issue: Issue, config: Config) -> dt.datetime:
    """When the issue went out: ``published``, else its date at midnight in the configured zone."""
    if issue.published is not None:
        return issue.published
    return dt.datetime.combine(issue.date, dt.time(), tzinfo=tz.gettz(config.timezone))


def issue_context(issue_id: str, issue: Issue, config: Config) -> dict:
    """Everything the issue templates (HTML body, email, plain text) are rendered with."""
    return {
        "id": issue_id,
        "issue": issue,
        "config": config,
        "heading": heading(issue, config),
        "preheader": preheader(issue),
        "groups": groups(issue, config),
        "links": links(issue_id, config),
    }


def issue_body(env: jinja2.Environment, context: dict) -> str:
    """The issue's content as an HTML fragment without email styling, for the feeds."""
    install_filters(env)
    return render(env, BODY_TEMPLATE, styles={}, **context)
