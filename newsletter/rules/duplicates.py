"""Duplicate rules: the same page, or the same title, featured twice in the archive."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterator

from newsletter.load import LoadedIssue
from newsletter.model import Entry
from newsletter.rules import Context, Finding, rule
from newsletter.urls import identity

Occurrence = tuple[LoadedIssue, int]


def _entries(ctx: Context) -> Iterator[tuple[LoadedIssue, int, Entry]]:
    for doc in ctx.docs:
        if doc.issue is not None:
            for i, entry in enumerate(doc.issue.entries):
                yield doc, i, entry


def url_key(entry: Entry) -> str | None:
    """The duplicate-comparison key of the entry's link, or None without a link."""
    return identity(entry.url) if entry.url and entry.url.strip() else None


def title_key(title: str) -> str:
    """A title with case, width, quote style, spacing and end punctuation ignored."""
    t = unicodedata.normalize("NFKC", title).casefold()
    t = re.sub(r"[‘’`´]", "'", re.sub(r"[“”]", '"', t))
    return re.sub(r"\s+", " ", t).strip(" .!?:;,-")


@dataclass
class Index:
    """Entries grouped by a key, oldest first, with each entry's place in its group."""

    groups: dict[str, list[Occurrence]] = field(default_factory=lambda: defaultdict(list))
    place: dict[tuple[int, int], int] = field(default_factory=dict)

    def add(self, key: str, doc: LoadedIssue, i: int) -> None:
        group = self.groups[key]
        self.place[(id(doc), i)] = len(group)
        group.append((doc, i))

    def earlier(self, key: str | None, doc: LoadedIssue, i: int) -> list[Occurrence]:
        """The entries with ``key`` before (doc, i) in archive order."""
        n = self.place.get((id(doc), i)) if key else None
        return self.groups[key][:n] if key and n else []


def by_url(ctx: Context) -> Index:
    """Every entry of the archive grouped by the identity of its link."""
    index = Index()
    for doc, i, entry in _entries(ctx):
        if key := url_key(entry):
            index.add(key, doc, i)
    return index


def by_title(ctx: Context) -> Index:
    """Every entry of the archive grouped by its normalised title."""
    index = Index()
    for doc, i, entry in _entries(ctx):
        if key := title_key(entry.title):
            index.add(key, doc, i)
    return index


def where(occurrence: Occurrence, field: str) -> str:
    """``file:line`` of a field of an entry, for naming the other location in a message."""
    doc, i = occurrence
    line, _ = doc.source.position(("entries", i, field))
    return f"{doc.source.display}:{line}"


@rule("duplicate-url", "error", "the same page is linked twice (an error within one issue, a warning across issues)")
def duplicate_url(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    key = url_key(entry)
    earlier = ctx.index(by_url).earlier(key, doc, i)
    if not earlier:
        return
    same_issue = [o for o in earlier if o[0] is doc]
    if same_issue:
        yield Finding(f"this link is already in this issue at {where(same_issue[-1], 'url')}; remove one of them", ("entries", i, "url"))
    else:
        yield Finding(f"this link was already featured at {where(earlier[0], 'url')}", ("entries", i, "url"), severity="warning")


@rule("duplicate-title", "warning", "the same title appears twice in the archive with different links")
def duplicate_title(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    earlier = ctx.index(by_title).earlier(title_key(entry.title), doc, i)
    key = url_key(entry)
    # an earlier entry with the same link too is reported by duplicate-url
    if earlier and all(url_key(o[0].issue.entries[o[1]]) != key for o in earlier):
        yield Finding(f"the title is already used at {where(earlier[0], 'title')} with another link; is it the same item?", ("entries", i, "title"))
