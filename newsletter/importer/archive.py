"""Import the archive layout: ``# 2024``, ``## ☃ February``, one ``<details>`` block per week.

One pass over the lines. A week's ``date`` is the first day of its week (``weeks.week_start``);
a range such as ``1st ~ 3rd week`` is dated by its last week, the week the issue went out.
Its ``label`` is kept only when it differs from the computed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.importer.inline import EntryLine, parse_entry_line
from newsletter.importer.lines import SummaryBuilder, bullet_text, indentation
from newsletter.importer.report import Report
from newsletter.model import Entry, Issue
from newsletter.urls import infer_type
from newsletter.weeks import MONTHS_EN, issue_id, parse_week_label, week_label, week_start

MAX_TITLE_LINES = 4
_YEAR = re.compile(r"#[ \t]+(\d{4})")
_KO_MONTH = re.compile(r"(\d{1,2})월")
_SUMMARY = re.compile(r"<summary>(.*)</summary>", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_MONTHS = {name.lower(): i for i, name in enumerate(MONTHS_EN, 1)}


@dataclass
class _Entry:
    line: int
    body: str
    parsed: EntryLine
    summary: SummaryBuilder = field(default_factory=SummaryBuilder)
    raw: list[str] = field(default_factory=list)
    joined: int = 0


@dataclass
class _Week:
    line: int
    year: int
    month: int
    label: str = ""
    label_line: int = 0
    entries: list[_Entry] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)


class ArchiveImporter:
    """Feed it the lines of an archive; ``report.issues`` holds the issues found."""

    def __init__(self, config: Config, report: Report):
        self.config, self.report = config, report
        self.year: int | None = None
        self.month: int | None = None
        self.week: _Week | None = None
        self.entry: _Entry | None = None
        self.raw_sink: list[str] | None = None  # lines of a block that could not be mapped
        self.loose: list[str] = []  # text outside any week, kept in the next issue's raw
        self.last_week = 0

    def run(self, text: str) -> Report:
        for n, line in enumerate(text.split("\n"), 1):
            self.feed(n, line.rstrip())
        if self.week is not None:
            self.report.warn(self.week.line, "<details> is never closed; the week ends at the end of the file")
            self._close_week()
        if not self.report.issues:
            raise NewsletterError("no week found: an archive has '<details>' blocks under '# <year>' and '## <month>' headings", self.report.source, 1, 1)
        if self.loose:
            self._keep_loose()
        return self.report

    def feed(self, n: int, line: str) -> None:
        if self.entry is not None and self.entry.parsed.open and self._continue_title(line):
            return
        if self.week is None:
            self._outside(n, line)
        else:
            self._inside(n, line)

    # -- outside <details> -------------------------------------------------

    def _outside(self, n: int, line: str) -> None:
        stripped = line.strip()
        if not stripped or stripped == "---":
            return
        if stripped.lower().startswith("<details"):
            self._open_week(n)
        elif m := _YEAR.fullmatch(stripped):
            self.year, self.month = int(m[1]), None
        elif stripped.startswith("## "):
            self._month(n, stripped[3:].strip())
        elif self.year is None and self._legend(n, stripped):
            return
        else:
            self.report.warn(n, "text outside any week kept verbatim in the raw Markdown of the issue after it")
            self.loose.append(line)

    def _legend(self, n: int, line: str) -> bool:
        """Check a legend line ``📜: Paper link`` against the configured types."""
        emoji, sep, label = line.partition(": ")
        if not sep or emoji[:1].isascii():
            return False
        name = self.config.type_for_emoji(emoji)
        if name is None:
            self.report.warn(n, f"legend emoji {emoji} is not a type in newsletter.toml; add it under [types]")
        elif self.config.types[name].label != label:
            self.report.warn(n, f"legend label {label!r} differs from [types.{name}] label; the configured one is written")
        return True

    def _month(self, n: int, heading: str) -> None:
        """``☃ February`` or ``☃ 2월``: the last word names the month; the emoji comes from the config."""
        words = heading.split()
        name = words[-1] if words else ""
        month = _MONTHS.get(name.lower()) or (int(m[1]) if (m := _KO_MONTH.fullmatch(name)) else None)
        if month is None or not 1 <= month <= 12:
            raise NewsletterError(f"'## {heading}' does not name a month; write it as '## <emoji> September' or '## <emoji> 9월'", self.report.source, n, 1)
        self.month, self.last_week = month, 0
        emoji = " ".join(words[:-1])
        if emoji and emoji != self.config.month_emoji.get(month):
            self.report.warn(n, f"month emoji {emoji} differs from month_emoji.{month} in newsletter.toml; the configured one is written")

    # -- inside <details> --------------------------------------------------

    def _open_week(self, n: int) -> None:
        if self.year is None or self.month is None:
            what = "'# <year>'" if self.year is None else "'## <month>'"
            raise NewsletterError(f"a week starts before any {what} heading; add one above it", self.report.source, n, 1)
        self.week = _Week(n, self.year, self.month, raw=self.loose)
        self.loose = []

    def _inside(self, n: int, line: str) -> None:
        stripped = line.strip()
        if stripped.lower() == "</details>":
            self._close_week()
        elif m := _SUMMARY.fullmatch(stripped):
            self.week.label, self.week.label_line = m[1].strip(), n
        elif not stripped:
            return
        else:
            self._content(n, line)

    def _content(self, n: int, line: str) -> None:
        indent, content = indentation(line)
        text = bullet_text(content)
        if text is not None and indent <= 1:
            self._entry_line(n, text)
        elif self.raw_sink is not None:
            self.raw_sink.append(line)
        elif self.entry is None:
            self.report.warn(n, "text before the first entry kept verbatim in the issue's raw Markdown (written after the entries)")
            self.week.raw.append(line)
        elif text is not None:
            if warning := self.entry.summary.add(indent, text):
                self.report.warn(n, warning)
        elif not self.entry.summary.extend(content):
            self.report.warn(n, "text after an entry kept verbatim in its raw Markdown")
            self.entry.raw.append(line)

    def _entry_line(self, n: int, body: str) -> None:
        parsed = parse_entry_line(body, self.config)
        if parsed is None or not (parsed.types or infer_type(parsed.url, self.config.types)):
            why = "an unknown type emoji" if parsed is None else "no type emoji and a link of no configured host"
            self.report.warn(n, f"entry with {why} kept verbatim in the raw Markdown; fix it and import again")
            sink = self.entry.raw if self.entry is not None else self.week.raw
            sink.append("- " + body)
            self.raw_sink = sink
            return
        self.raw_sink = None
        self.entry = _Entry(n, body, parsed)
        self.week.entries.append(self.entry)

    def _continue_title(self, line: str) -> bool:
        """Join a line to an entry whose link text or URL is still open; False when it cannot go on."""
        entry = self.entry
        _, content = indentation(line)
        if not line.strip() or bullet_text(content) is not None or content.lower().startswith("</details") or entry.joined >= MAX_TITLE_LINES:
            entry.parsed.open = False
            return False
        entry.body += "\n" + line
        entry.joined += 1
        entry.parsed = parse_entry_line(entry.body, self.config) or entry.parsed
        return True

    def _close_week(self) -> None:
        week, self.week, self.entry, self.raw_sink = self.week, None, None, None
        first, last = self._weeks(week)
        try:
            date = week_start(week.year, week.month, last, self.config.week_rule)
        except ValueError:
            self.report.warn(week.label_line or week.line, f"{week.year}-{week.month:02d} has no week {last}; dated by its first week")
            date = week_start(week.year, week.month, 1, self.config.week_rule)
        self.last_week = last
        computed = week_label(last, self.config.labels)
        issue = Issue(
            date=date,
            label=week.label if week.label != computed else None,
            entries=[self._entry(e) for e in week.entries],
            raw="\n".join(week.raw) if week.raw else None,
        )
        self._add_issue(issue_id(date, self.config.week_rule), issue, week.line)

    def _weeks(self, week: _Week) -> tuple[int, int]:
        """(first, last) week of the label; a malformed label is read leniently and kept as written."""
        if parsed := parse_week_label(week.label):
            return parsed
        numbers = [int(x) for x in _NUMBER.findall(week.label)]
        where = week.label_line or week.line
        if numbers:
            self.report.warn(where, f"week label {week.label!r} is malformed; read as week {numbers[-1]} and kept as written")
            return numbers[0], numbers[-1]
        guess = self.last_week + 1
        self.report.warn(where, f"week label {week.label!r} names no week; taken as week {guess} and kept as written")
        return guess, guess

    def _entry(self, e: _Entry) -> Entry:
        p = e.parsed
        for message in p.warnings:
            self.report.warn(e.line, message)
        kind = p.types[0] if p.types else infer_type(p.url, self.config.types)
        if not p.types:
            self.report.warn(e.line, f"entry has no type emoji; type '{kind}' inferred from its link and its emoji written")
        return Entry(
            type=kind, org=p.org, icon=p.icon, title=p.title, url=p.url, note=p.note,
            summary=e.summary.items(), tags=p.types[1:], raw="\n".join(e.raw) if e.raw else None,
        )

    def _add_issue(self, ident: str, issue: Issue, line: int) -> None:
        issues = self.report.issues
        if ident in issues:
            self.report.warn(line, f"a second block for week {ident}; its entries are added to the first")
            issues[ident].entries.extend(issue.entries)
        else:
            issues[ident] = issue

    def _keep_loose(self) -> None:
        """Text after the last week goes into the last issue's raw Markdown."""
        last = self.report.issues[next(reversed(self.report.issues))]
        last.raw = "\n".join(([last.raw] if last.raw else []) + self.loose)


def import_archive(text: str, config: Config, report: Report) -> Report:
    """Parse an archive into ``report.issues``."""
    return ArchiveImporter(config, report).run(text)
