"""Import the archive layout: ``# 2024``, ``## ☃ February``, one ``<details>`` block per week.

One pass over the lines collects what each week says and how it is written; then the archive's
habits are learned (see :mod:`newsletter.importer.conventions`) and the issues are made, each
keeping in its ``style`` only what differs from the habits of the whole archive.

A week's ``date`` is the first day of its week (``weeks.week_start``); a range such as
``1st ~ 3rd week`` is dated by its last week, the week the issue went out. Its ``label`` is kept
only when it differs from the computed one. Text the layout has no place for is kept verbatim:
before the first year as the digest's header, after the last week as its footer, between weeks
in the ``before`` lines of the next issue.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.importer.conventions import Conventions, learn, month_of
from newsletter.importer.inline import EntryLine, parse_entry_line
from newsletter.importer.lines import SummaryBuilder, bullet_text, indentation
from newsletter.importer.report import Report
from newsletter.model import Entry, EntryStyle, Issue, IssueStyle
from newsletter.urls import infer_type
from newsletter.weeks import parse_week_label, week_start

MAX_TITLE_LINES = 4
_YEAR = re.compile(r"#[ \t]+([0-9]{4})")
_SUMMARY = re.compile(r"<summary>(.*)</summary>", re.IGNORECASE)
# a week number: a longer run of digits is no week
_NUMBER = re.compile(r"(?<![0-9])[0-9]{1,2}(?![0-9])")


@dataclass
class _Entry:
    line: int
    body: str
    parsed: EntryLine
    bullets: list[tuple[int, int, str | None, str]] = field(default_factory=list)  # (line, indent, bullet or None, text)
    raw: list[str] = field(default_factory=list)
    joined: int = 0


@dataclass
class _Week:
    line: int
    year: int
    month: int
    heading: str  # the month heading as written after '## '
    opens: tuple[str, ...]  # the headings written right before it: ('year', 'month'), ('month',) or ()
    gaps: list[list[str]]  # the lines before, between and after those headings
    label: str = ""
    label_line: int = 0
    open: list[str] = field(default_factory=list)
    close: list[str] = field(default_factory=list)
    end: int = 0
    entries: list[_Entry] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)


class ArchiveImporter:
    """Feed it the lines of an archive; ``report.issues`` holds the issues found."""

    def __init__(self, config: Config, report: Report):
        self.config, self.report = config, report
        self.header: list[str] | None = []  # lines before the first year heading; None once it is seen
        self.year: int | None = None
        self.month: tuple[int, str] | None = None  # (month, heading)
        self.gaps: list[list[str]] = [[]]
        self.opens: list[str] = []
        self.weeks: list[_Week] = []
        self.week: _Week | None = None
        self.entry: _Entry | None = None
        self.blank: list[str] = []  # whitespace-only lines inside a week, placed by what follows them
        self.raw_sink: list[str] | None = None  # lines of a block that could not be mapped
        self.gap_text: list[int] = []  # numbers of the lines of text since the last week
        self.lines: dict[str, int] = {}  # issue id: the line of its first block

    def run(self, text: str) -> Report:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for n, line in enumerate(lines, 1):
            self.feed(n, line)
        if self.week is not None:
            self.report.warn(self.week.line, "<details> is never closed; the week ends at the end of the file")
            self._close_week(len(lines), "</details>")
        if not self.weeks:
            raise NewsletterError("no week found: an archive has '<details>' blocks under '# <year>' and '## <month>' headings "
                                  "(a post, daily digest or long-form essay: give --format)", self.report.source, 1, 1)
        return self._finish()

    def feed(self, n: int, line: str) -> None:
        if self.entry is not None and self.entry.parsed.open and self._continue_title(line.rstrip()):
            return
        if self.week is not None:
            self._inside(n, line)
        elif self.header is not None:
            self._preamble(n, line)
        else:
            self._outside(n, line)

    # -- outside <details> -------------------------------------------------

    def _preamble(self, n: int, line: str) -> None:
        if m := _YEAR.fullmatch(line.strip()):
            self._year(n, line, int(m[1]))
        else:
            self.header.append(line)

    def _outside(self, n: int, line: str) -> None:
        stripped = line.strip()
        if stripped.lower().startswith("<details"):
            self._open_week(n)
        elif m := _YEAR.fullmatch(stripped):
            self._year(n, line, int(m[1]))
        elif stripped.startswith("## ") and (found := month_of(stripped[3:])):
            self._month(n, line, found[0])
        else:
            if stripped:
                self.gap_text.append(n)
            self.gaps[-1].append(line)

    def _year(self, n: int, line: str, year: int) -> None:
        if year == 0:
            raise NewsletterError("'# 0000' is not a year; write the archive's year, e.g. '# 2024'", self.report.source, n, line.index("0") + 1)
        if self.header is not None:
            self.report.header, self.header = self.header, None
        if line != f"# {year}":
            self.report.warn(n, f"year heading {line!r} written as '# {year}'")
        self._heading("year")
        self.year, self.month = year, None

    def _month(self, n: int, line: str, month: int) -> None:
        self._heading("month")
        if not line.startswith("## "):
            self.report.warn(n, f"month heading {line!r} written from column 1")
        self.month = (month, line[3:] if line.startswith("## ") else line.strip()[3:])

    def _heading(self, kind: str) -> None:
        """Start a new run of gap lines after a heading; a heading of a kind already open stays as text."""
        if kind in self.opens:
            keep = self.opens.index(kind)
            merged = [line for gap in self.gaps[keep:] for line in gap]
            self.gaps, self.opens = self.gaps[:keep] + [merged], self.opens[:keep]
        self.opens.append(kind)
        self.gaps.append([])

    # -- inside <details> --------------------------------------------------

    def _open_week(self, n: int) -> None:
        if self.year is None or self.month is None:
            what = "'# <year>'" if self.year is None else "'## <month>'"
            self.report.warn(n, f"a week before any {what} heading kept verbatim")
            self.gaps[-1].append("<details>")
            return
        if self.gap_text:
            self.report.warn(self.gap_text[0], f"{_lines(self.gap_text)} between weeks kept verbatim at their place in the digest")
        self.week = _Week(n, self.year, self.month[0], self.month[1], tuple(self.opens), self.gaps)
        self.gap_text = []
        self.gaps, self.opens, self.blank = [[]], [], []

    def _inside(self, n: int, line: str) -> None:
        stripped = line.strip()
        if stripped[:2] == "</" and stripped.lower() == "</details>":
            self._close_week(n, line)
        elif (m := _SUMMARY.fullmatch(stripped)) and not self.week.label_line:
            self.week.label, self.week.label_line = m[1].strip(), n
            if line != f"  <summary>{m[1]}</summary>":
                self.report.warn(n, f"'<summary>' line written as '  <summary>{m[1]}</summary>'")
        elif not stripped:
            self.blank.append(line)
        else:
            self._place_blank(n)
            self._content(n, line)

    def _place_blank(self, n: int) -> None:
        """Blank lines before the first entry are the week's opening; between entries they are dropped."""
        if self.week.entries or self.week.raw:
            if self.blank and self.raw_sink is None:
                self.report.warn(n - 1, "blank line inside the week's list dropped")
            elif self.blank:
                self.raw_sink.extend(self.blank)
        else:
            self.week.open.extend(self.blank)
        self.blank = []

    def _content(self, n: int, line: str) -> None:
        indent, content = indentation(line)
        text = bullet_text(content)
        if text is not None and indent <= 1:
            self._entry_line(n, line.rstrip(), text.rstrip())
        elif self.raw_sink is not None:
            self.raw_sink.append(line)
        elif self.entry is None:
            self.report.warn(n, "text before the first entry kept verbatim in the issue's raw Markdown (written after the entries)")
            self.week.raw.append(line)
        elif text is not None:
            self.entry.bullets.append((n, indent, content[:1], text))
        elif self.entry.bullets:
            self.entry.bullets.append((n, indent, None, content))
        else:
            self.report.warn(n, "text after an entry kept verbatim in its raw Markdown")
            self.entry.raw.append(line)

    def _entry_line(self, n: int, line: str, body: str) -> None:
        parsed = parse_entry_line(body, self.config)
        if parsed is None or not (parsed.types or infer_type(parsed.url, self.config.types)):
            why = "an unknown type emoji" if parsed is None else "no type emoji and a link of no configured host"
            self.report.warn(n, f"entry with {why} kept verbatim in the raw Markdown; fix it and import again")
            sink = self.entry.raw if self.entry is not None else self.week.raw
            sink.append(line)
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

    def _close_week(self, n: int, line: str) -> None:
        self.week.close, self.week.end = self.blank + [line], n
        self.weeks.append(self.week)
        self.week, self.entry, self.raw_sink, self.blank = None, None, None, []

    # -- after the last line -------------------------------------------------

    def _finish(self) -> Report:
        footer = [line for gap in self.gaps for line in gap]
        if self.gap_text:
            self.report.warn(self.gap_text[0], f"{_lines(self.gap_text)} after the last week kept verbatim as the digest's footer")
        self.report.footer = footer
        self.report.cadence = ("weekly", "one '<details>' block per week")
        conventions = learn(self.weeks, self.report, self.config)
        self.report.settings, self.report.config = conventions.settings, conventions.config
        last_week: dict[tuple[int, int], int] = {}
        kept: Counter = Counter()
        for week in self.weeks:
            ident, issue = self._issue(week, conventions, last_week)
            kept.update(issue.style.model_dump(exclude_defaults=True).keys() if issue.style else ())
            self._add_issue(ident, issue, week.line)
        for name, count in kept.items():
            self.report.learned.append(f"style.{name} kept in {count} of {len(self.weeks)} issues, where they differ from the rest")
        return self.report

    def _issue(self, week: _Week, conv: Conventions, last_week: dict[tuple[int, int], int]) -> tuple[str, Issue]:
        config = conv.config
        first, last = self._weeks(week, last_week.get((week.year, week.month), 0))
        try:
            date = week_start(week.year, week.month, last, config.week_rule)
        except ValueError:
            self.report.warn(week.label_line or week.line, f"{week.year}-{week.month:02d} has no week {last}; dated by its first week")
            date = week_start(week.year, week.month, 1, config.week_rule)
        last_week[(week.year, week.month)] = last
        style = conv.week_style(week, self.weeks[0] is week)
        issue = Issue(
            date=date,
            label=week.label if week.label != config.periods.label(date, config.labels) else None,
            entries=[self._entry(e, conv, style) for e in week.entries],
            raw="\n".join(week.raw) if week.raw else None,
        )
        issue.style = style if style.model_dump(exclude_defaults=True) else None
        return config.periods.issue_id(date), issue

    def _weeks(self, week: _Week, previous: int) -> tuple[int, int]:
        """(first, last) week of the label; a malformed label is read leniently and kept as written."""
        if parsed := parse_week_label(week.label):
            return parsed
        numbers = [int(x) for x in _NUMBER.findall(week.label)]
        where = week.label_line or week.line
        if numbers:
            self.report.warn(where, f"week label {week.label!r} is malformed; read as week {numbers[-1]} and kept as written")
            return numbers[0], numbers[-1]
        guess = previous + 1
        self.report.warn(where, f"week label {week.label!r} names no week; taken as week {guess} and kept as written")
        return guess, guess

    def _entry(self, e: _Entry, conv: Conventions, style: IssueStyle) -> Entry:
        p = e.parsed
        for message in p.warnings:
            self.report.warn(e.line, message)
        kind = p.types[0] if p.types else infer_type(p.url, conv.config.types)
        if not p.types:
            self.report.warn(e.line, f"entry has no type emoji; type '{kind}' inferred from its link and its emoji written")
        for name, spelling in zip(p.types, p.spellings):
            wanted = style.emoji.get(name) or conv.config.types[name].emoji
            if spelling != wanted:
                self.report.warn(e.line, f"type emoji {spelling} written as {wanted}, as in the rest of the week")
        separator = style.separator if style.separator is not None else conv.config.digest.separator
        return Entry(
            type=kind, org=p.org, icon=p.icon, title=p.title, url=p.url, note=p.note,
            summary=self._summary(e, style.indent or conv.config.digest.indent), tags=p.types[1:],
            raw="\n".join(e.raw) if e.raw else None,
            style=EntryStyle(separator=p.separator) if p.types and p.separator != separator else None,
        )

    def _summary(self, e: _Entry, indent: int) -> list:
        builder = SummaryBuilder(first=indent, step=indent)
        for n, at, mark, text in e.bullets:
            if mark is None:
                builder.extend(text)
            elif warning := builder.add(at, text):
                self.report.warn(n, warning)
        return builder.items()

    def _add_issue(self, ident: str, issue: Issue, line: int) -> None:
        issues = self.report.issues
        if ident in issues and self.config.cadence == "monthly":
            first = self.lines[ident]
            raise NewsletterError(f"this week and the week at line {first} are both in the monthly issue {ident}: an archive "
                                  "of weekly blocks needs a weekly project; import it into a project with cadence = \"weekly\"",
                                  self.report.source, line, 1)
        self.lines.setdefault(ident, line)
        if ident in issues:
            self.report.warn(line, f"a second block for {self.report.unit} {ident}; its entries are added to the first")
            issues[ident].entries.extend(issue.entries)
        else:
            issues[ident] = issue


def _lines(numbers: list[int]) -> str:
    return f"line {numbers[0]}" if len(numbers) == 1 else f"lines {numbers[0]}-{numbers[-1]}"


def import_archive(text: str, config: Config, report: Report) -> Report:
    """Parse an archive into ``report.issues``."""
    return ArchiveImporter(config, report).run(text)

