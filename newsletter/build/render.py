"""Every output of a build, rendered from two units: one issue, and the archive of fragments.

An issue renders to its own files (page, email, text, message) and to a :class:`Fragment`: what
the digest and the feeds need of it. The archive-wide files are assembled from fragments only,
so an unchanged issue is never loaded again while its fragment is in the cache.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsletter.build.cache import pack, unpack
from newsletter.build.staging import Staged
from newsletter.check.runner import build_levels, check_files, failing
from newsletter.errors import Diagnostic
from newsletter.load import decode_text, load_issue_text, read_text
from newsletter.model import Issue
from newsletter.outputs import SITE, archive_paths, issue_paths
from newsletter.project import Project
from newsletter.render import markdown
from newsletter.render.email import email_html, size_warning
from newsletter.render.eml import eml
from newsletter.render.feed import FeedItem, atom, latest, rss
from newsletter.render.html import issue_body, issue_context, web_copy
from newsletter.render.templates import environment
from newsletter.render.text import email_text
from newsletter.rules import Context
from newsletter.rules.text import builtin_orgs
from newsletter.site import pages as site_pages
from newsletter.site.listing import OrgNames
from newsletter.site.pages import Listing, Pages, Parts, YearLists

# the ids of the issues before and after one (None at either end)
Nav = tuple[str | None, str | None]


@dataclass(frozen=True)
class Fragment:
    """One issue's part of the digest and of the feeds; the cache stores it as :meth:`to_bytes`."""

    id: str
    date: dt.date
    published: dt.datetime | None
    updated: dt.datetime | None
    week: dict
    # title, summary, link and types of a published issue; its body is stored apart, read only when shown
    feed: dict | None
    # the issue's part of the web archive's lists (see newsletter.site.listing)
    site: dict

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> "Fragment":
        """The fragment stored as ``data``; raises ValueError when it is malformed."""
        head, packed = unpack(data)
        try:
            (text,) = packed
            week = {**head["week"], "blocks": markdown.Blocks(text, head["blocks"])}
            published, updated = (dt.datetime.fromisoformat(head[k]) if head[k] else None for k in ("published", "updated"))
            made = cls(head["id"], dt.date.fromisoformat(head["date"]), published, updated, week, head["feed"], head["site"])
        except (KeyError, TypeError) as e:
            raise ValueError(f"malformed fragment: {e}") from None
        if not made.listing.valid:
            raise ValueError("malformed fragment: its part of the site's lists")
        return made

    def to_bytes(self) -> bytes:
        """The fragment with the digest's blocks, most of its bytes, as one text apart (see :func:`pack`)."""
        published, updated = (t.isoformat() if t else None for t in (self.published, self.updated))
        blocks = markdown.Blocks.of(self.week["blocks"])
        week = {k: v for k, v in self.week.items() if k != "blocks"}
        head = {"id": self.id, "date": self.date.isoformat(), "published": published, "updated": updated,
                "week": week, "blocks": blocks.lengths, "feed": self.feed, "site": self.site}
        return pack(head, [bytes(blocks.data)])

    @property
    def listing(self) -> Listing:
        return Listing(self.id, self.date, self.site)


@dataclass(frozen=True)
class RenderedIssue:
    """One issue's own files (their bytes, or staged already), its fragment (see :meth:`Fragment.to_bytes`), its feed
    body (when published), its size warning, and its parts of the web archive's list pages and search index (see
    :meth:`Parts.to_bytes`)."""

    files: dict[Path, bytes | Staged]
    fragment: bytes
    body: str | None
    warning: str | None
    parts: bytes


class Renderer:
    """Renders issues and the archive-wide files with the project's config and templates."""

    def __init__(self, project: Project, out: Path, layout: str | None) -> None:
        self.config = project.config
        self.levels = build_levels(self.config)
        self.env = environment(project.templates_dir)
        self.root = project.root
        self.out = out
        self.layout = layout
        self.site = out / SITE
        self.pages = Pages(self.env, self.config, OrgNames(self.config, builtin_orgs()))

    def load(self, path: Path, data: bytes | None, display: str) -> tuple[list[Diagnostic], Issue | None]:
        """Load an issue file from its bytes (None: unreadable): its errors, or its issue."""
        text, diags = decode_text(data, display) if data is not None else read_text(path, display, self.root)
        if text is None:
            return diags, None
        loaded, diags = load_issue_text(text, path, display)
        errors = failing(check_files(Context(self.config, Counter()), [(loaded, diags)], self.levels)[0])
        if errors or loaded.issue is None:
            return errors, None
        return [], loaded.issue

    def file(self, path: Path, data: bytes | None, display: str, nav: Nav) -> tuple[list[Diagnostic], RenderedIssue | None]:
        """Load an issue file from its bytes and render it, ``nav`` its neighbours; its errors instead, if any."""
        errors, issue = self.load(path, data, display)
        return (errors, None) if issue is None else ([], self.issue(path.stem, issue, nav))

    def issue(self, issue_id: str, issue: Issue, nav: Nav = (None, None)) -> RenderedIssue:
        """Render one issue's files and fragment; ``nav`` are the ids of the issues before and after it."""
        config, env = self.config, self.env
        context = issue_context(issue_id, issue, config)
        html = email_html(env, context)
        text = email_text(env, context)
        paths = issue_paths(self.out, issue_id)
        week = markdown.digest_week(issue, config)
        blocks = week["blocks"][: len(issue.entries)]  # the digest's blocks end with the issue's raw Markdown
        article = self.pages.article(issue_id, issue)
        files = {
            paths["page"]: markdown.issue_page(issue_id, issue, config, env, layout=self.layout, blocks=blocks).encode(),
            paths["email"]: web_copy(html, context["links"]).encode(),
            paths["text"]: text.encode(),
            paths["message"]: eml(issue_id, issue, config, context["heading"], text, html),
            paths["site-page"]: self.pages.issue(article, *nav).encode(),
        }
        feed, body = None, None
        if issue.published is not None:
            types = list(dict.fromkeys(e.type for e in issue.entries))
            feed = {"title": context["heading"], "summary": context["preheader"], "link": context["links"].web, "types": types}
            body = issue_body(env, context)
        site, parts = self.pages.listing(article)
        # as the cache keeps it: a build reads it back from there, or from here, and both give the same bytes
        fragment = Fragment(issue_id, issue.date, issue.published, issue.updated, week, feed, site).to_bytes()
        return RenderedIssue(files, fragment, body, size_warning(issue_id, html, config), parts.to_bytes())

    def archive(self, fragments: list[Fragment], body: Callable[[Fragment], str]) -> dict[Path, bytes]:
        """The digest and the feeds; ``body(fragment)`` gives the feed body of a published issue."""
        weeks = [markdown.DigestWeek(f.id, f.date, f.week) for f in fragments]
        shown = latest([f for f in fragments if f.published is not None and f.feed is not None], self.config.feed.limit)
        items = [_feed_item(f, body(f)) for f in shown]
        paths = archive_paths(self.root, self.out, self.config)
        feed, atom_feed = rss(items, self.config), atom(items, self.config)
        return {
            paths["digest"]: markdown.digest_of_weeks(weeks, self.config, self.env),
            paths["rss"]: feed,
            paths["atom"]: atom_feed,
            paths["site-rss"]: feed,
            paths["site-atom"]: atom_feed,
        }

    def site_archive(self, fragments: list[Fragment], latest: list[tuple[str, Issue]],
                     only: set[str] | None) -> tuple[dict[Path, bytes], list[YearLists], set[Path]]:
        """The web archive's pages made from the whole archive but the lists, the organisation and type pages and
        search indexes to make a year at a time (those in ``only``; None: all), and the paths of every page of the site."""
        pages, jobs, every = site_pages.archive(self.pages, [f.listing for f in fragments], latest, only)
        return {self.site / p: text.encode() for p, text in pages.items()}, jobs, {self.site / p for p in every}

    def site_year(self, job: YearLists, parts: dict[str, bytes]) -> dict[Path, bytes]:
        """The pages of ``job``, from the parts (see :meth:`Parts.to_bytes`) of its year's issues."""
        found = {i: Parts.from_bytes(data) for i, data in parts.items()}
        return {self.site / p: text.encode() for p, text in site_pages.year_lists(self.pages, job, found)}

    def lists_of(self, fragments: list[Fragment]) -> set[str]:
        """The organisation and type pages that list the entries of ``fragments``."""
        return site_pages.list_pages([f.listing for f in fragments])


def _feed_item(fragment: Fragment, body: str) -> FeedItem:
    """The feed entry of a published issue's fragment."""
    feed = fragment.feed or {}
    return FeedItem(fragment.id, fragment.date, fragment.published, fragment.updated or fragment.published,  # type: ignore[arg-type]
                    feed["title"], feed["summary"], feed["link"], body, tuple(feed["types"]))
