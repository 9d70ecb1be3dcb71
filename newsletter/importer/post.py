"""Import a monthly blog post: YAML front matter, ``# Title``, an introduction, ``## Abstract`` and
one ``### 12월 4주차`` section per week of entries ``- [**`Title`**](url) : summary``.

Each section becomes an issue with layout ``post``; the newest one carries the post's title,
introduction and publish time. In a daily or monthly newsletter the sections of one issue (a
month's weeks) are kept in it as the ``section`` of each entry. The post's tags go to every entry. Front-matter keys the
model has no place for stay verbatim in that issue's raw Markdown.
"""

from __future__ import annotations

import datetime as dt
import re

import yaml

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.importer.inline import link_at, type_for_url_or_first
from newsletter.importer.lines import SummaryBuilder, bullet_text, indentation
from newsletter.importer.report import Report
from newsletter.model import Entry, EntryStyle, Issue, IssueStyle, in_range
from newsletter.weeks import MONTHS_EN, parse_week_label, week_label, week_start

_KO_SECTION = re.compile(r"(\d{1,2})월\s+(.+)")
_MAPPED_KEYS = {"title", "date", "draft", "author", "tags", "image"}


class _Section:
    def __init__(self, line: int, heading: str, month: int, label: str):
        self.line, self.heading, self.month, self.label = line, heading, month, label
        self.entries: list[tuple[int, str, str | None, SummaryBuilder]] = []
        self.blanks: dict[int, str] = {}  # index of an entry: the spaces of the blank line after it
        self.after: dict[int, list[str]] = {}  # index of an entry: the lines of text after it, kept verbatim
        self.pending: list[tuple[int, str]] = []  # blank lines since the last line of text
        self.raw: list[str] = []  # text before the first entry

    def close_gap(self, report: Report) -> None:
        """Place the blank lines before an entry, a heading or the end: the first after an entry keeps its spaces."""
        for i, (n, line) in enumerate(self.pending):
            if i == 0 and line and self.entries:
                self.blanks[len(self.entries) - 1] = line
            elif line:
                report.warn(n, "blank line holding spaces written empty")
        self.pending = []


# every scalar is text (a 5,000-digit number, a 13th month), read by this module where it means something
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(\.[0-9]*)?"
                        r"(?:[ \t]*(Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?")


def _front_matter(lines: list[str], report: Report) -> tuple[dict, list[str], int]:
    """(front-matter data, its lines, index of the first line after it)."""
    if not lines or lines[0].strip() != "---":
        return {}, [], 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise NewsletterError("the front matter opened by '---' is never closed; add a '---' line after it", report.source, 1, 1)
    text = "\n".join(lines[1:end])
    try:
        # an alias repeats its anchor's value: nested, a few hundred bytes expand without bound
        alias = next((e for e in yaml.parse(text, Loader=_LOADER) if isinstance(e, yaml.AliasEvent)), None)
        if alias is not None:
            raise NewsletterError("the front matter repeats a value by alias (*name); write the value out",
                                  report.source, alias.start_mark.line + 2, alias.start_mark.column + 1)
        data = yaml.load(text, Loader=_LOADER) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        raise NewsletterError("the front matter is not valid YAML; fix it", report.source, line, 1) from None
    if not isinstance(data, dict):
        raise NewsletterError("the front matter must be a mapping of keys", report.source, 2, 1)
    return data, lines[1:end], end + 1


def _unmapped(block: list[str], data: dict, config: Config, start: int, report: Report) -> list[str]:
    """Front-matter lines of keys the model cannot hold, verbatim, with a warning each."""
    keep, kept = [], False
    for n, line in enumerate(block, start):
        if line[:1] not in (" ", "\t", "-", ""):
            key = line.split(":", 1)[0].strip()
            author = data.get("author")
            authors = author if isinstance(author, list) else [author]
            kept = key not in _MAPPED_KEYS or (key == "author" and authors != [config.author])
            if kept:
                report.warn(n, f"front-matter key '{key}' kept verbatim in the raw Markdown of the newest issue")
        if kept:
            keep.append(line)
    return keep


def _author(data: dict, config: Config, report: Report) -> Config:
    """A project without an author learns the post's one author (written back in the front matter)."""
    author = data.get("author")
    authors = author if isinstance(author, list) else [author]
    if config.author or len(authors) != 1 or not isinstance(authors[0], str) or not authors[0].strip():
        return config
    report.settings["author"] = authors[0]
    report.learned.append(f"author = {authors[0]!r} (the post's front matter)")
    report.config = config.model_copy(update={"author": authors[0]})
    return report.config


def _published(value: object, n: int, report: Report) -> dt.datetime | None:
    """The post's publish time from its front-matter ``date``; None (with a warning) when it has no time."""
    m = _TIMESTAMP.fullmatch(value.strip()) if isinstance(value, str) else None
    if m is None:
        if _scalar(value) is not None or not isinstance(value, str | None):
            report.warn(n, f"front-matter date {value!r} has no time; the post is imported as unpublished")
        return None
    try:
        day = dt.date(*(int(g) for g in m.groups()[:3]))
        if m[4] is None:
            report.warn(n, f"front-matter date {value!r} has no time; the post is imported as unpublished")
            return None
        micro = int((m[7] or ".")[1:7].ljust(6, "0"))
        zone = dt.timezone.utc if m[8] in (None, "Z") else _offset(m[8])
        return in_range(dt.datetime.combine(day, dt.time(int(m[4]), int(m[5]), int(m[6]), micro), zone))
    except ValueError as e:
        raise NewsletterError(f"front-matter date {value!r} is not a valid date and time ({e}); "
                              "write it as 2024-01-05T10:00:00+09:00", report.source, n, 1) from None


def _scalar(value: object) -> str | None:
    """A front-matter text, None when absent or YAML's null."""
    return None if not isinstance(value, str) or value in ("", "~", "null", "Null", "NULL") else value


def _key_line(block: list[str], key: str, first: int) -> int:
    """The line number of top-level ``key:`` in the front matter whose first line is ``first``."""
    return next((n for n, line in enumerate(block, first) if line.split(":", 1)[0].strip() == key and line[:1] not in " \t-"), first)


def _offset(text: str) -> dt.timezone:
    """The time zone of a ``+09:00``, ``+0900`` or ``+9`` offset; ValueError beyond a day."""
    sign, digits = (-1 if text[0] == "-" else 1), text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"the offset {text} is a day or more")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _section(n: int, heading: str, report: Report) -> _Section:
    """``12월 4주차`` or ``December 4th week``."""
    if m := _KO_SECTION.fullmatch(heading):
        month, label = int(m[1]), m[2]
        if not 1 <= month <= 12:
            raise NewsletterError(f"section '### {heading}' names month {month}; write a month from 1 to 12", report.source, n, 5)
    else:
        name, _, label = heading.partition(" ")
        if name not in MONTHS_EN:
            raise NewsletterError(f"section '### {heading}' names no month and week; write it as '### 12월 4주차'", report.source, n, 5)
        month = MONTHS_EN.index(name) + 1
    return _Section(n, heading, month, label.strip())


def _entry_text(text: str) -> tuple[str, str | None, str | None] | None:
    """(title, url, first summary text) of ``[**`Title`**](url) : summary``."""
    link = link_at(text)
    if link is None:
        return None
    title, url, end = link
    title = title.removeprefix("**").removesuffix("**").strip("`")
    rest = text[end:]
    return title, url, rest.removeprefix(" : ").strip() if rest.strip() else None


def import_post(text: str, config: Config, report: Report) -> Report:
    """Parse a monthly post into one issue per week section."""
    lines = text.split("\n")
    data, block, start = _front_matter(lines, report)
    title = _scalar(data.get("title"))
    tags = data.get("tags") or []
    config = _author(data, config, report)
    raw = _unmapped(block, data, config, 2, report)
    draft = str(data.get("draft")).lower() in ("true", "yes", "on")
    published = None if draft else _published(data.get("date"), _key_line(block, "date", 2), report)
    intro, blank, sections = _body(lines, start, title, report)
    if not sections:
        raise NewsletterError("no week section found; a post has '### 12월 4주차' headings", report.source, start + 1, 1)
    if len(sections) > 1 and len({s.month for s in sections}) == 1:
        report.cadence = ("monthly", f"a post of {len(sections)} week sections of one month")
    year = (published or dt.datetime.now(dt.timezone.utc)).year
    newest = True
    for section in sections:
        issue = _issue(section, year - (section.month > (published.month if published else 12)), config, report,
                       [str(t) for t in (tags if isinstance(tags, list) else [tags])])
        if newest:
            # front-matter keys the model has no place for join the section's own raw Markdown
            kept = raw + ([issue.raw] if issue.raw is not None else [])
            issue.title, issue.intro, issue.published, issue.raw = title, intro, published, "\n".join(kept) or None
            if blank:
                issue.style = IssueStyle(blank=blank)
            issue.image = _scalar(data.get("image"))
            newest = False
        _add(report, config, section, issue)
    if blank:
        report.learned.append(f"style.blank = {blank!r} (the blank lines around the title and introduction)")
    if spaced := sum(len(s.blanks) for s in sections):
        report.learned.append(f"style.blank kept in {spaced} entr{'y' if spaced == 1 else 'ies'} whose blank line after holds spaces")
    return report


def _add(report: Report, config: Config, section: _Section, issue: Issue) -> None:
    """Add a section's issue; when the cadence is not weekly, a week joins its month's issue as a section."""
    ident = config.periods.issue_id(issue.date)
    if config.cadence == "weekly":
        report.issues[ident] = issue
        return
    entries = [e.model_copy(update={"section": section.heading}) for e in issue.entries]
    kept = report.issues.get(ident)
    if kept is None:
        report.issues[ident] = issue.model_copy(update={"label": None, "entries": entries})
        return
    raw = "\n".join(r for r in (kept.raw, issue.raw) if r is not None) or None
    report.issues[ident] = kept.model_copy(update={"entries": kept.entries + entries, "raw": raw})


def _body(lines: list[str], start: int, title: str | None, report: Report) -> tuple[str | None, str | None, list[_Section]]:
    """The introduction (verbatim, hard breaks included), what the blank lines around it hold, and the week sections."""
    intro: list[tuple[int, str]] = []
    sections: list[_Section] = []
    abstract = False
    for n, line in enumerate(lines[start:], start + 1):
        indent, content = indentation(line)
        if content.startswith("### "):
            if sections:
                sections[-1].close_gap(report)
            sections.append(_section(n, content[4:].strip(), report))
        elif sections:
            _section_line(sections[-1], n, line, indent, content, report)
        elif content.startswith("# ") and not any(text.strip() for _, text in intro):
            if title is not None and content[2:].strip() != title:
                report.warn(n, "the '# ' heading differs from the front-matter title; the title is written")
        elif content.startswith("## "):
            abstract = True
            if content[3:].strip() != "Abstract":
                report.warn(n, f"heading '{content}' is written as '## Abstract'")
        elif abstract and not line.strip():
            if line:
                report.warn(n, "blank line holding spaces written empty")
        else:
            intro.append((n, line))
    if sections:
        sections[-1].close_gap(report)
    text = [i for i, (_, line) in enumerate(intro) if line.strip()]
    body = intro[text[0]:text[-1] + 1] if text else []
    blanks = [x for x in intro if x not in body]
    return "\n".join(line for _, line in body) or None, _blank(blanks, report), sections


def _blank(blanks: list[tuple[int, str]], report: Report) -> str | None:
    """What the blank lines around the title and introduction hold when they all hold the same spaces;
    otherwise they are written empty, each reported."""
    kinds = {line for _, line in blanks}
    if len(kinds) == 1 and "" not in kinds:
        return kinds.pop()
    for n, line in blanks:
        if line:
            report.warn(n, "blank line holding spaces written empty, as the other blank lines around the introduction")
    return None


def _section_line(section: _Section, n: int, line: str, indent: int, content: str, report: Report) -> None:
    if not content.strip():
        section.pending.append((n, line))
        return
    bullet = bullet_text(content)
    if bullet is not None and content != content.rstrip():
        report.warn(n, "spaces at the end of the line dropped")
        content, bullet = content.rstrip(), bullet.rstrip()
    if bullet is not None and indent <= 1 and (parsed := _entry_text(bullet)):
        section.close_gap(report)
        summary = SummaryBuilder(first=2)
        if parsed[2]:
            summary.add(2, parsed[2])
        section.entries.append((n, parsed[0], parsed[1], summary))
    elif section.entries and bullet is not None and len(section.entries) - 1 not in section.after:
        section.pending = []
        if warning := section.entries[-1][3].add(indent, bullet):
            report.warn(n, warning)
    elif section.entries:
        report.warn(n, "text after an entry kept verbatim after it")
        section.after.setdefault(len(section.entries) - 1, []).extend([line for _, line in section.pending] + [line])
        section.pending = []
    else:
        report.warn(n, "text before the first entry kept verbatim in the issue's raw Markdown")
        section.raw.append(line)


def _issue(section: _Section, year: int, config: Config, report: Report, tags: list[str]) -> Issue:
    weeks = parse_week_label(section.label)
    if weeks is None:
        raise NewsletterError(f"week '{section.label}' is not a week label such as '4주차'", report.source, section.line, 5)
    try:
        date = week_start(year, section.month, weeks[1], config.week_rule)
    except ValueError as e:  # a 6th week in February, or a year before 1
        raise NewsletterError(f"section '### {section.heading}': {e}; correct the heading", report.source, section.line, 5) from None
    entries = [
        Entry(type=type_for_url_or_first(url, config, report, n), title=title, url=url, summary=summary.items(), tags=tags,
              raw="\n".join(section.after[i]) if i in section.after else None,
              style=EntryStyle(blank=section.blanks[i]) if i in section.blanks else None)
        for i, (n, title, url, summary) in enumerate(section.entries)
    ]
    label = section.label if section.label != week_label(weeks[1], config.labels) else None
    return Issue(date=date, label=label, layout="post", entries=entries, raw="\n".join(section.raw) or None)
