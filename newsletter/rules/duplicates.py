"""Duplicate rules: the same page, or the same title, featured twice in the archive.

Both compare every entry with those before it, so they run once over the facts of the whole
archive (oldest first) and remember, per key, only what a message names: the first entry with the
key, the latest one, and for titles the links seen with it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from newsletter.load import LoadedIssue
from newsletter.model import Entry
from newsletter.rules import Context, EntryFacts, FileFacts, Finding, rule
from newsletter.urls import identity

Occurrence = tuple[FileFacts, int]
_DOUBLE_QUOTES = re.compile(r"[“”]")
_SINGLE_QUOTES = re.compile(r"[‘’`´]")
_SPACES = re.compile(r"\s+")


def url_key(entry: Entry) -> str | None:
    """The duplicate-comparison key of the entry's link, or None without a link."""
    return identity(entry.url) if entry.url and entry.url.strip() else None


def title_key(title: str) -> str:
    """A title with case, width, quote style, spacing and end punctuation ignored."""
    t = unicodedata.normalize("NFKC", title).casefold()
    t = _SINGLE_QUOTES.sub("'", _DOUBLE_QUOTES.sub('"', t))
    return _SPACES.sub(" ", t).strip(" .!?:;,-")


def entry_facts(doc: LoadedIssue) -> list[EntryFacts]:
    """The keys and field positions of every entry of a valid issue."""
    assert doc.issue is not None
    position = doc.source.position
    return [
        EntryFacts(url_key(e), title_key(e.title), position(("entries", i, "url")), position(("entries", i, "title")))
        for i, e in enumerate(doc.issue.entries)
    ]


def _entries(files: list[FileFacts]) -> Iterator[tuple[FileFacts, int, EntryFacts]]:
    for f in files:
        for i, entry in enumerate(f.entries):
            yield f, i, entry


def where(occurrence: Occurrence, field: str) -> str:
    """``file:line`` of a field of an entry, for naming the other location in a message."""
    f, i = occurrence
    line, _ = f.position(("entries", i, field))
    return f"{f.display}:{line}"


@rule("duplicate-url", "error", "the same page is linked twice (an error within one issue, a warning across issues)", scope="archive")
def duplicate_url(ctx: Context, files: list[FileFacts]) -> Iterator[tuple[FileFacts, Finding]]:
    """Readers should not meet the same page twice; two forms of one link (www., a trailing slash, an arXiv
    version) count as one.

    Example:
            url: https://arxiv.org/pdf/2402.07827v2    # also in 2024-02-W3 as https://arxiv.org/abs/2402.07827
    """
    first: dict[str, Occurrence] = {}
    # an issue's entries are consecutive in archive order: the latest earlier one is in the same issue if any is
    latest: dict[str, Occurrence] = {}
    for f, i, entry in _entries(files):
        key = entry.url_key
        if key is None:
            continue
        if key in first:
            path = ("entries", i, "url")
            if latest[key][0] is f:
                yield f, Finding(f"this link is already in this issue at {where(latest[key], 'url')}; remove one of them", path)
            else:
                yield f, Finding(f"this link was already featured at {where(first[key], 'url')}", path, severity="warning")
        else:
            first[key] = (f, i)
        latest[key] = (f, i)


@rule("duplicate-title", "warning", "the same title appears twice in the archive with different links", scope="archive")
def duplicate_title(ctx: Context, files: list[FileFacts]) -> Iterator[tuple[FileFacts, Finding]]:
    """The same title with different links is usually the same work linked twice, or a title copied without
    editing.

    Example:
            title: Mixture of Experts Explained    # also in 2023-12-W3 with another link
    """
    first: dict[str, Occurrence] = {}
    links: dict[str, set[str | None]] = {}
    for f, i, entry in _entries(files):
        key = entry.title_key
        if not key:
            continue
        if key not in first:
            first[key], links[key] = (f, i), {entry.url_key}
            continue
        # an earlier entry with the same link too is reported by duplicate-url
        if entry.url_key not in links[key]:
            yield f, Finding(f"the title is already used at {where(first[key], 'title')} with another link; is it the same item?", ("entries", i, "title"))
        links[key].add(entry.url_key)
