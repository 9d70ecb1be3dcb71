"""Import a daily paper digest: ``## Daily Papers (2024-01-09)``, then ``### [Title](url)`` per paper
with an image, ``Authors:`` and summary bullets. Other lines (votes, videos) stay verbatim in the
entry's raw Markdown, where the daily layout writes them back: between the image and the authors.
"""

from __future__ import annotations

import datetime as dt
import re

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.importer.inline import link_at, type_for_url_or_first
from newsletter.importer.lines import SummaryBuilder, bullet_text, indentation
from newsletter.importer.report import Report
from newsletter.model import Entry, Issue
from newsletter.weeks import issue_id

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
        return Entry(type=kind, title=self.title, url=self.url, image=self.image, authors=self.authors,
                     summary=self.summary.items(), raw=raw or None)


def _heading(n: int, text: str, report: Report) -> tuple[str, dt.date]:
    m = _DATE.search(text)
    if not m:
        raise NewsletterError("the '## ' heading has no date; write it as '## Daily Papers (YYYY-MM-DD)'", report.source, n, 1)
    try:
        return text, dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise NewsletterError(f"{m[0]} is not a valid date", report.source, n, m.start() + 4) from None


def import_daily(text: str, config: Config, report: Report) -> Report:
    """Parse a daily digest into one issue with layout ``daily``."""
    title, date, papers, loose = None, None, [], []
    for n, line in enumerate(text.split("\n"), 1):
        line = line.rstrip()
        indent, content = indentation(line)
        if title is None and content.startswith("## "):
            title, date = _heading(n, content[3:].strip(), report)
        elif content.startswith("### ") and (link := link_at(content, 4)):
            papers.append(_Paper(n, link[0], link[1]))
        elif not papers:
            if content:
                report.warn(n, "text before the first paper kept verbatim in the issue's raw Markdown")
                loose.append(line)
        else:
            _paper_line(papers[-1], n, line, indent, content, report)
    if title is None:
        raise NewsletterError("no '## Daily Papers (YYYY-MM-DD)' heading found", report.source, 1, 1)
    issue = Issue(date=date, title=title, layout="daily", entries=[p.entry(config, report) for p in papers],
                  raw="\n".join(loose) or None)
    report.issues[issue_id(date, config.week_rule)] = issue
    return report


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
