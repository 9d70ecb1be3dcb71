"""RSS 2.0 and Atom 1.0 feeds of the published issues, via feedgen."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Protocol, TypeVar

from feedgen.feed import FeedGenerator

from newsletter.config import Config
from newsletter.render.html import site_host

# the build time of an empty feed: any fixed instant keeps rebuilds byte-identical
EMPTY_FEED_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class FeedItem:
    """A published issue as the feeds show it."""

    id: str
    date: dt.date
    published: dt.datetime
    # the last time it changed after publishing; ``published`` when it never did
    updated: dt.datetime
    title: str
    summary: str
    link: str
    body: str
    # the entry types of the issue in order of first use, as the feed's categories
    types: tuple[str, ...]


def guid(issue_id: str, date: dt.date, config: Config) -> str:
    """A tag: URI (RFC 4151) that names the issue of ``date`` forever, wherever its pages move."""
    return f"tag:{site_host(config)},{date.year}:{issue_id}"


class Dated(Protocol):
    id: str
    published: dt.datetime


T = TypeVar("T", bound=Dated)


def latest(items: list[T], limit: int) -> list[T]:
    """The ``limit`` most recently published items, newest first."""
    return sorted(items, key=lambda i: (i.published, i.id), reverse=True)[:limit]


def _generator(items: list[FeedItem], config: Config, self_url: str) -> FeedGenerator:
    """A feed of ``items`` (already newest first) whose self link is ``self_url``."""
    fg = FeedGenerator()
    fg.id(config.base_url)
    fg.title(config.title)
    fg.subtitle(config.description or config.title)
    # feedgen takes the RSS <link> from the last link given
    fg.link(href=self_url, rel="self")
    fg.link(href=config.base_url, rel="alternate")
    fg.language(config.language)
    fg.author(name=config.author or config.title)
    newest = max(item.updated for item in items) if items else EMPTY_FEED_TIME
    fg.updated(newest)
    fg.lastBuildDate(newest)
    fg.load_extension("dc", atom=False, rss=True)
    for item in items:
        fe = fg.add_entry(order="append")
        ident = guid(item.id, item.date, config)
        fe.id(ident)
        fe.guid(ident, permalink=False)
        fe.title(item.title)
        fe.link(href=item.link)
        fe.published(item.published)
        fe.updated(item.updated)
        fe.dc.dc_date(item.updated.isoformat())  # RSS items have no updated time of their own
        fe.description(html.escape(item.summary))  # readers take RSS descriptions as HTML; this is plain text
        fe.content(item.body, type="html")
        for name in item.types:
            fe.category(term=name, label=config.entry_type(name).label)
    return fg


def rss(items: list[FeedItem], config: Config) -> bytes:
    """RSS 2.0 with the issue bodies in content:encoded."""
    return _generator(items, config, f"{config.base_url}feed.xml").rss_str(pretty=True)


def atom(items: list[FeedItem], config: Config) -> bytes:
    """Atom 1.0 with the issue bodies as HTML content."""
    return _generator(items, config, f"{config.base_url}atom.xml").atom_str(pretty=True)
