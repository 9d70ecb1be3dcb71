"""The search index: one JSON file per year of every entry's title, organisations and summary as plain text,
searched in the reader's browser by ``search.js`` (template ``site-search.js``).

A year's file is made from its issues' records, each rendered once with its issue and cached with it, so an
edit makes only its year's file again. The browser fetches the years newest first, and only those it needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from newsletter.model import Issue, walk_summary
from newsletter.render.filters import plain_text
from newsletter.urls import issue_page

# between the bullets of a summary, as the search shows it
BULLETS = " · "


def search_path(year: int) -> str:
    """The index of one year's entries, from the site's root."""
    return f"search/{year}.json"


def record(issue_id: str, issue: Issue, label: str, anchors: list[str], orgs: list[list[tuple[str, str]]]) -> str:
    """An issue's part of its year's index, as JSON: its id, name, date and page, and per entry
    ``[anchor, type, title, [[organisation, slug], …], text]``; ``anchors`` and ``orgs`` are per entry."""
    entries = [[anchor, e.type, " ".join(e.title.split()), [list(o) for o in named], _text(e.note, e.summary)]
               for anchor, e, named in zip(anchors, issue.entries, orgs)]
    data = {"id": issue_id, "label": label, "date": issue.date.isoformat(), "path": issue_page(issue_id), "entries": entries}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _text(note: str | None, summary: list) -> str:
    """The note and every summary bullet, as the words a reader sees, on one line."""
    return BULLETS.join(t for t in (note or "", *(plain_text(text) for _, text, _ in walk_summary(summary))) if t)


def year_index(records: Iterable[str]) -> str:
    """A year's index file from its issues' records, newest first."""
    return '{"issues":[' + ",".join(records) + "]}\n"
