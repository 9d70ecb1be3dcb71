"""Import a long-form newsletter: an essay, then a list of papers, each written as
``**Title** by Authors (6월 28일), https://arxiv.org/abs/…`` and a one-paragraph summary;
favourites start their title with ``\\*``.

The essay (everything before the first paper) becomes the issue's ``intro``, each paper an entry
(title, authors, the date as its ``note``, url, the summary, ``star`` in its tags), and what follows
the list stays verbatim in the issue's ``raw``. A byline that does not read
``by A, B, C, et al. (date),`` keeps its own wording in the entry's ``style.byline``. The issue is
dated by the newest paper: the month and day of its note, the year of its arXiv number.
"""

from __future__ import annotations

import datetime as dt
import re

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.importer.inline import type_for_url_or_first
from newsletter.importer.report import Report
from newsletter.model import Entry, EntryStyle, Issue
from newsletter.render.markdown import longform_byline

STAR = "star"
PAPER = re.compile(r"\*\*(\\\* )?(?P<title>[^*]+?)\*\*(?P<byline>.*?)\s*(?P<url>https?://\S+)$")
_DATE = re.compile(r"\((\d{1,2})월 (\d{1,2})일\)")
_ARXIV_YEAR = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{2})(\d{2})\.")
_ET_AL = re.compile(r",?\s*et al\.$")


def _authors(byline: str) -> tuple[list[str], bool, str | None]:
    """(authors, list cut short, date note) read from ``by A, B, et al. (6월 28일),``."""
    date = _DATE.search(byline)
    names = byline.replace(date[0], "") if date else byline
    names = names.strip(" ,").removeprefix("by ").strip(" ,")
    more = bool(_ET_AL.search(names))
    names = _ET_AL.sub("", names)
    authors = [a.strip() for a in re.split(r",\s*(?:and\s+)?|\s+and\s+", names) if a.strip()]
    return authors, more, date[0][1:-1] if date else None


def _date(entries: list[Entry], report: Report) -> dt.date:
    """The newest paper's day: month and day from its note, year from its arXiv number."""
    days = []
    for e in entries:
        found = _DATE.fullmatch(f"({e.note})") if e.note else None
        year = _ARXIV_YEAR.search(e.url or "")
        if found and year:
            try:
                days.append(dt.date(2000 + int(year[1]), int(found[1]), int(found[2])))
            except ValueError:
                continue
    if not days:
        raise NewsletterError("no paper with a date note '(6월 28일)' and an arXiv link to date the issue by", report.source, 1, 1)
    return max(days)


def import_longform(text: str, config: Config, report: Report) -> Report:
    """Parse a long-form newsletter into one issue with layout ``longform``."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if PAPER.fullmatch(line)), None)
    if first is None:
        raise NewsletterError("no paper line such as '**Title** by Authors (6월 28일), https://…' found", report.source, 1, 1)
    entries: list[Entry] = []
    i = first
    while i < len(lines) and (m := PAPER.fullmatch(lines[i])):
        summary = []
        j = i + 1
        while j < len(lines) and lines[j].strip() and not PAPER.fullmatch(lines[j]):
            summary.append(lines[j])
            j += 1
        entries.append(_entry(i + 1, m, "\n".join(summary), config, report))
        i = j + 1 if j < len(lines) and not lines[j].strip() else j
    intro = "\n".join(lines[: first - 1] if first and not lines[first - 1].strip() else lines[:first])
    rest = lines[i:]
    if rest and any(line.strip() for line in rest):
        report.warn(i + 1, f"lines {i + 1}-{len(lines)} after the paper list kept verbatim in the issue's raw Markdown")
    issue = Issue(date=_date(entries, report), intro=intro or None, layout="longform", entries=entries,
                  raw="\n".join(rest) if rest else None)
    report.issues[config.periods.issue_id(issue.date)] = issue
    return report


def _entry(n: int, m: re.Match, summary: str, config: Config, report: Report) -> Entry:
    authors, more, date = _authors(m["byline"])
    entry = Entry(type=type_for_url_or_first(m["url"], config, report, n), title=m["title"], url=m["url"],
                  authors=authors, more_authors=more, note=date, summary=[summary] if summary else [],
                  tags=[STAR] if m[1] else [])
    if longform_byline(entry) != m["byline"]:
        entry.style = EntryStyle(byline=m["byline"])
        report.warn(n, "byline kept as written: it does not read 'by A, B, C, et al. (date),'")
    return entry
