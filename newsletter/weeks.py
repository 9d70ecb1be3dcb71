"""Week numbering and the labels the archive uses for weeks and months."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from newsletter.config import Config
    from newsletter.model import Issue

WeekRule = Literal["day-of-month", "monday"]

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
    """The id (and file stem) of the issue covering ``day``, e.g. ``2024-09-W3``."""
    return f"{day.year:04d}-{day.month:02d}-W{week_of_month(day, rule)}"


ID_RE = re.compile(r"^(\d{4})-(\d{2})-W(\d)$")


def parse_issue_id(text: str) -> tuple[int, int, int] | None:
    """Split ``2024-09-W3`` into (2024, 9, 3), or None when it is not an issue id."""
    m = ID_RE.match(text)
    if not m:
        return None
    year, month, week = (int(g) for g in m.groups())
    return (year, month, week) if 1 <= month <= 12 and 1 <= week <= 6 else None


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
    """An issue's week label: its own, else the computed one (``3rd week`` / ``3주차``)."""
    return issue.label or week_label(week_of_month(issue.date, config.week_rule), config.labels)


def month_name(month: int, language: str) -> str:
    """``September`` (en) or ``9월`` (ko)."""
    return f"{month}월" if language == "ko" else MONTHS_EN[month - 1]


EN_LABEL = re.compile(r"^(\d+)(st|nd|rd|th) week$")
_EN_RANGE = re.compile(r"^(\d+)(st|nd|rd|th) ~ (\d+)(st|nd|rd|th) week$")
_KO_LABEL = re.compile(r"^(\d+)주차$")
_KO_RANGE = re.compile(r"^(\d+)\s*~\s*(\d+)주차$")


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
