"""The cadence of issues: which days an issue covers, its id and file, and its labels.

Every other module asks :class:`Periods` (``config.periods``) rather than computing weeks, days
or months itself. Issue ids stay plain strings (``2024-09-W3``, ``2024-01-09``, ``2024-01``);
:func:`parse_issue_id` is the one place that reads them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from newsletter.config import Config
    from newsletter.model import Issue

WeekRule = Literal["day-of-month", "monday"]
Cadence = Literal["weekly", "daily", "monthly"]

MONTHS_EN = [calendar.month_name[m] for m in range(1, 13)]


def week_of_month(day: dt.date, rule: WeekRule = "day-of-month") -> int:
    """Return the week number (1-based) of ``day`` within its month."""
    if rule == "monday":
        first_weekday = day.replace(day=1).weekday()
        return (day.day + first_weekday - 1) // 7 + 1
    return (day.day + 6) // 7


def week_start(year: int, month: int, week: int, rule: WeekRule = "day-of-month") -> dt.date:
    """Return the first day of week ``week`` of a month (the inverse of :func:`week_of_month`)."""
    last = calendar.monthrange(year, month)[1]
    if rule == "monday":
        first_weekday = dt.date(year, month, 1).weekday()
        day = max(1, (week - 1) * 7 - first_weekday + 1)
    else:
        day = (week - 1) * 7 + 1
    if not 1 <= week or day > last:
        weeks = week_of_month(dt.date(year, month, last), rule)
        raise ValueError(f"{MONTHS_EN[month - 1]} {year} has no {ordinal(week)} week; its weeks are W1 to W{weeks}")
    return dt.date(year, month, day)


def issue_id(day: dt.date, rule: WeekRule = "day-of-month") -> str:
    """The id (and file stem) of the weekly issue covering ``day``, e.g. ``2024-09-W3``."""
    return f"{day.year:04d}-{day.month:02d}-W{week_of_month(day, rule)}"


class IssueId(NamedTuple):
    """An issue id taken apart: ``2024-09-W3`` is ("weekly", 2024, 9, 3), ``2024-01`` ("monthly", 2024, 1, None)."""

    cadence: Cadence
    year: int
    month: int
    # the week of the month (weekly) or the day (daily); None for a monthly issue
    number: int | None


_ID_PATTERNS: dict[Cadence, re.Pattern[str]] = {
    "weekly": re.compile(r"^([0-9]{4})-([0-9]{2})-W([0-9]{1,2})$"),
    "daily": re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"),
    "monthly": re.compile(r"^([0-9]{4})-([0-9]{2})$"),
}


# the years an issue may fall in: a day away from the calendar's ends, so that a week's last day, a time in any
# zone and the email's Date can always be computed
FIRST_YEAR, LAST_YEAR = 2, 9998


def parse_issue_id(text: str) -> IssueId | None:
    """Split an issue id of any cadence into its parts, or None when ``text`` is not one."""
    for cadence, pattern in _ID_PATTERNS.items():
        if m := pattern.match(text):
            year, month, *rest = (int(g) for g in m.groups())
            number = rest[0] if rest else None
            if not FIRST_YEAR <= year <= LAST_YEAR or not 1 <= month <= 12:
                return None
            if cadence == "weekly" and number < 1:
                return None
            if cadence == "daily" and not 1 <= number <= calendar.monthrange(year, month)[1]:
                return None
            return IssueId(cadence, year, month, number)
    return None


def issue_path(folder: Path, ident: str) -> Path:
    """Where issue ``ident`` lives below ``folder``: ``<folder>/2024/2024-09-W3.yaml``."""
    return folder / ident[:4] / f"{ident}.yaml"


@dataclass(frozen=True)
class Periods:
    """The issues of a cadence: the id of the issue covering a day, the days an id covers, its labels."""

    cadence: Cadence = "weekly"
    week_rule: WeekRule = "day-of-month"

    def issue_id(self, day: dt.date) -> str:
        """The id of the issue covering ``day``: ``2024-01-W2``, ``2024-01-09`` or ``2024-01``."""
        if self.cadence == "daily":
            return day.isoformat()
        if self.cadence == "monthly":
            return f"{day.year:04d}-{day.month:02d}"
        return issue_id(day, self.week_rule)

    def span(self, ident: str) -> tuple[dt.date, dt.date]:
        """The first and last day of issue ``ident``; ValueError saying why when it names none of this cadence."""
        parsed = parse_issue_id(ident)
        if parsed is None or parsed.cadence != self.cadence:
            raise ValueError(f"'{ident}' is not the id of a {self.unit}; write it like {self.example}")
        _, year, month, number = parsed
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        if self.cadence == "daily":
            day = dt.date(year, month, number)
            return day, day
        if self.cadence == "monthly":
            return dt.date(year, month, 1), end
        first = week_start(year, month, number, self.week_rule)
        week = (first + dt.timedelta(days=n) for n in range(7))
        return first, max(d for d in week if d <= end and week_of_month(d, self.week_rule) == number)

    @property
    def unit(self) -> str:
        """What one issue covers: ``week``, ``day`` or ``month``."""
        return {"weekly": "week", "daily": "day", "monthly": "month"}[self.cadence]

    @property
    def example(self) -> str:
        """An id of this cadence, for messages: ``2024-09-W3``."""
        return self.issue_id(dt.date(2024, 9, 16))

    def label(self, day: dt.date, language: str, own: str | None = None) -> str:
        """The issue's name within its month (or year): ``3rd week``, ``January 9``, ``January``; ``own`` wins."""
        if own is not None:
            return own
        if self.cadence == "daily":
            return f"{day.month}월 {day.day}일" if language == "ko" else f"{month_name(day.month, language)} {day.day}"
        if self.cadence == "monthly":
            return month_name(day.month, language)
        return week_label(week_of_month(day, self.week_rule), language)

    def title(self, day: dt.date, language: str, own: str | None = None) -> str:
        """The issue's name within its year: ``September 3rd week`` (a week is named with its month)."""
        label = self.label(day, language, own)
        return f"{month_name(day.month, language)} {label}" if self.cadence == "weekly" else label

    def heading(self, day: dt.date, language: str, own: str | None = None) -> str:
        """The issue's full name: ``September 2024 · 3rd week``, ``January 9, 2024``, ``January 2024`` (or in Korean)."""
        label = self.label(day, language, own)
        month = month_name(day.month, language)
        if self.cadence == "weekly":
            return f"{day.year}년 {month} {label}" if language == "ko" else f"{month} {day.year} · {label}"
        if language == "ko":
            return f"{day.year}년 {label}"
        return f"{label}, {day.year}" if self.cadence == "daily" else f"{label} {day.year}"


def ordinal(n: int) -> str:
    """English ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def week_label(week: int, language: str) -> str:
    """The computed label of a week: ``3rd week`` (en) or ``3주차`` (ko)."""
    return f"{week}주차" if language == "ko" else f"{ordinal(week)} week"


def issue_label(issue: "Issue", config: "Config") -> str:
    """An issue's label: its own, else the computed one (``3rd week`` / ``3주차``, ``January 9``, ``January``)."""
    return config.periods.label(issue.date, config.labels, issue.label or None)


def long_date(day: dt.date, language: str) -> str:
    """A date as readers of ``language`` write it: ``2024년 9월 8일`` or ``September 8, 2024``."""
    if language == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    return f"{month_name(day.month, language)} {day.day}, {day.year}"


def month_name(month: int, language: str) -> str:
    """``September`` (en) or ``9월`` (ko)."""
    return f"{month}월" if language == "ko" else MONTHS_EN[month - 1]


# at most two digits: a month has at most six weeks, and a longer number is no week label
EN_LABEL = re.compile(r"^([0-9]{1,2})(st|nd|rd|th) week$")
_EN_RANGE = re.compile(r"^([0-9]{1,2})(st|nd|rd|th) ~ ([0-9]{1,2})(st|nd|rd|th) week$")
_KO_LABEL = re.compile(r"^([0-9]{1,2})주차$")
_KO_RANGE = re.compile(r"^([0-9]{1,2})\s*~\s*([0-9]{1,2})주차$")


def parse_week_label(label: str) -> tuple[int, int] | None:
    """Parse a week label into (first, last) week numbers, or None if it is malformed.

    A wrong ordinal suffix (``4rd week``), week 0 and a backwards range count as malformed.
    """
    label = label.strip()
    if m := EN_LABEL.match(label):
        n = int(m[1])
        return _weeks(n, n) if ordinal(n) == m[1] + m[2] else None
    if m := _EN_RANGE.match(label):
        a, b = int(m[1]), int(m[3])
        return _weeks(a, b) if ordinal(a) == m[1] + m[2] and ordinal(b) == m[3] + m[4] else None
    if m := _KO_LABEL.match(label):
        return _weeks(int(m[1]), int(m[1]))
    if m := _KO_RANGE.match(label):
        return _weeks(int(m[1]), int(m[2]))
    return None


def _weeks(first: int, last: int) -> tuple[int, int] | None:
    return (first, last) if 1 <= first <= last else None
