"""Import a daily paper digest: ``## Daily Papers (2024-01-09)``, then ``### [Title](url)`` per paper
with an image, ``Authors:`` and summary bullets. Other lines (votes, videos) stay verbatim in the
entry's raw Markdown, where the daily layout writes them back: between the image and the authors.
A file may hold several days, each under its own ``## `` heading: each day is an issue.
"""

from __future__ import annotations

import datetime as dt
import re

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.importer.inline import link_at, type_for_url_or_first
from newsletter.importer.lines import SummaryBuilder, bullet_text, indentation
from newsletter.importer.report import Report
from newsletter.model import Entry, Issue, IssueStyle

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\(([^()\s]*)\)")


class _Paper:
    """One ``### [Title](url)`` section while it is read."""

    def __init__(self, line: int, title: str, url: str | None):
        self.line, self.title, self.url = line, title, url
        self.image: str | None = None
        self.authors: list[str] = []
        self.raw: list[str] = []
        self.summary = SummaryBuilder(first=0)

    def entry(self, config: Config, report: Report) -> Entry:
        kind = type_for_url_or_first(self.url, config, report, self.line)
        raw = "\n".join(self.raw).strip("\n")
        # the digest ends a list it cut short with `+`
        more = self.authors[-1:] == ["+"]
        return Entry(type=kind, title=self.title, url=self.url, image=self.image, authors=self.authors[:-1] if more else self.authors,
                     more_authors=more, summary=self.summary.items(), raw=raw or None)


def _heading(n: int, text: str, report: Report) -> tuple[str, dt.date]:
    m = _DATE.search(text)
    if not m:
        raise NewsletterError("the '## ' heading has no date; write it as '## Daily Papers (YYYY-MM-DD)'", report.source, n, 1)
    try:
        return text, dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise NewsletterError(f"{m[0]} is not a valid date", report.source, n, m.start() + 4) from None


class _Day:
    """One ``## Daily Papers (YYYY-MM-DD)`` section while it is read."""

    def __init__(self, line: int, title: str, date: dt.date):
        self.line, self.title, self.date = line, title, date
        self.papers: list[_Paper] = []
        self.loose: list[str] = []

    def issue(self, config: Config, report: Report, end: list[str]) -> Issue:
        return Issue(date=self.date, title=self.title, layout="daily", entries=[p.entry(config, report) for p in self.papers],
                     raw="\n".join(self.loose) or None, style=IssueStyle(end=end) if end else None)


def import_daily(text: str, config: Config, report: Report) -> Report:
    """Parse a daily digest into one issue with layout ``daily`` per ``## `` heading (per day)."""
    days: list[_Day] = []
    preamble: list[str] = []
    lines = text.split("\n")
    for n, line in enumerate(lines, 1):
        line = line.rstrip()
        indent, content = indentation(line)
        if content.startswith("## ") and (not days or _DATE.search(content)):
            days.append(_Day(n, *_heading(n, content[3:].strip(), report)))
        elif not days:
            if content:
                report.warn(n, "text before the first heading kept verbatim in the first day's raw Markdown")
                preamble.append(line)
        elif content.startswith("### ") and (link := link_at(content, 4)):
            days[-1].papers.append(_Paper(n, link[0], link[1]))
        elif not days[-1].papers:
            if content:
                report.warn(n, "text before the first paper kept verbatim in the issue's raw Markdown")
                days[-1].loose.append(line)
        else:
            _paper_line(days[-1].papers[-1], n, line, indent, content, report)
    if not days:
        raise NewsletterError("no '## Daily Papers (YYYY-MM-DD)' heading found", report.source, 1, 1)
    days[0].loose[:0] = preamble
    report.cadence = ("daily", f"{len(days)} '## ' heading{'s' if len(days) > 1 else ''} of one day each")
    for day in days:
        end = _end(lines) if day is days[-1] else []
        if end:
            report.learned.append(f"style.end = {end!r} (the blank lines that end the file)")
        ident = config.periods.issue_id(day.date)
        if ident in report.issues:
            raise NewsletterError(f"{day.date} falls in issue {ident} like an earlier day; a {config.cadence} newsletter has one "
                                  f"issue per {config.periods.unit}: set cadence = \"daily\" in newsletter.toml", report.source, day.line, 1)
        report.issues[ident] = day.issue(config, report, end)
    return report


def _end(lines: list[str]) -> list[str]:
    """The blank lines that end the file (before its final newline), which the last day's page writes back."""
    if lines[-1:] != [""]:
        return []
    body = len(lines) - 1
    while body and not lines[body - 1].strip():
        body -= 1
    return lines[body:-1] if body else []


def _paper_line(paper: _Paper, n: int, line: str, indent: int, content: str, report: Report) -> None:
    """Sort one line of a paper into its image, authors, summary or raw Markdown."""
    bullet = bullet_text(content)
    if bullet is not None:
        if warning := paper.summary.add(indent, bullet):
            report.warn(n, warning)
    elif content.startswith("Authors: ") and not paper.authors:
        paper.authors = content[len("Authors: "):].split(", ")
    elif (m := _IMAGE.fullmatch(content)) and paper.image is None and not paper.raw:
        paper.image = m[1]
    elif content and not paper.summary.extend(content):
        report.warn(n, "line kept verbatim in the entry's raw Markdown")
        paper.raw.append(line)
    elif not content and paper.raw and not paper.authors:
        paper.raw.append("")
