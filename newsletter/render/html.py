"""What the email, the plain-text email and the feed show of an issue."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import jinja2
from dateutil import tz
from markdown_it.common.utils import escapeHtml

from newsletter import urls
from newsletter.config import Config, EntryType
from newsletter.model import Entry, Issue
from newsletter.render.filters import plain_text
from newsletter.render.templates import render
from newsletter.urls import issue_page

BODY_TEMPLATE = "issue-body.html.j2"
PREHEADER_LENGTH = 140


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
        if entry.type not in by_type:
            by_type[entry.type] = Group(entry.type, config.entry_type(entry.type), config.type_heading(entry.type), [])
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
    return urls.split(config.base_url).hostname or "localhost"


def send_time(issue: Issue, config: Config) -> dt.datetime:
    """When the issue went out: ``published``, else its date at midnight in the configured zone."""
    if issue.published is not None:
        return issue.published
    midnight = dt.datetime.combine(issue.date, dt.time(), tzinfo=tz.gettz(config.timezone))
    # a zone's local mean time of old (Seoul's +08:27:52 before 1908) has seconds no Date header can show
    return midnight if not midnight.utcoffset().seconds % 60 else midnight.astimezone(dt.timezone.utc)


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
    return render(env, BODY_TEMPLATE, styles={}, **context)
