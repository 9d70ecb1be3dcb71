"""Week numbers, issue ids and the labels of weeks and months."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.weeks import (
    IssueId, Periods, issue_id, month_name, ordinal, parse_issue_id, parse_week_label, week_label, week_of_month, week_start,
)


@pytest.mark.parametrize("day, week", [(1, 1), (7, 1), (8, 2), (14, 2), (15, 3), (28, 4), (29, 5), (31, 5)])
def test_day_of_month_rule(day, week):
    assert week_of_month(dt.date(2024, 3, day)) == week


@pytest.mark.parametrize("date, expected", [
    (dt.date(2024, 2, 28), "2024-02-W4"),
    (dt.date(2024, 2, 29), "2024-02-W5"),  # leap day: the short fifth week
    (dt.date(2023, 2, 28), "2023-02-W4"),  # no fifth week in a common February
    (dt.date(2024, 3, 1), "2024-03-W1"),
    (dt.date(2024, 12, 31), "2024-12-W5"),
    (dt.date(2025, 1, 1), "2025-01-W1"),
])
def test_issue_id_across_month_edges(date, expected):
    assert issue_id(date) == expected


def test_monday_rule():
    # September 2024 starts on a Sunday: the 1st is a week of its own
    assert [week_of_month(dt.date(2024, 9, d), "monday") for d in (1, 2, 8, 9, 29, 30)] == [1, 2, 2, 3, 5, 6]
    # April 2024 starts on a Monday: the rules agree
    assert all(week_of_month(dt.date(2024, 4, d), "monday") == week_of_month(dt.date(2024, 4, d)) for d in range(1, 8))
    assert issue_id(dt.date(2024, 9, 30), "monday") == "2024-09-W6"


@pytest.mark.parametrize("rule", ["day-of-month", "monday"])
@pytest.mark.parametrize("year, month", [(2024, 2), (2023, 2), (2024, 9), (2024, 12)])
def test_week_start_inverts_week_of_month(rule, year, month):
    day = dt.date(year, month, 1)
    while day.month == month:
        start = week_start(year, month, week_of_month(day, rule), rule)
        assert start <= day and week_of_month(start, rule) == week_of_month(day, rule)
        assert start.day == 1 or week_of_month(start - dt.timedelta(days=1), rule) != week_of_month(day, rule)
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("year, month, week", [(2023, 2, 5), (2024, 2, 6), (2024, 3, 0)])
def test_week_start_rejects_missing_weeks(year, month, week):
    with pytest.raises(ValueError):
        week_start(year, month, week)


def test_parse_issue_id():
    assert parse_issue_id("2024-09-W3") == IssueId("weekly", 2024, 9, 3)
    assert parse_issue_id("2024-02-29") == IssueId("daily", 2024, 2, 29)
    assert parse_issue_id("2024-12") == IssueId("monthly", 2024, 12, None)
    assert parse_issue_id("2024-09-W7") == IssueId("weekly", 2024, 9, 7)  # an id, though of no week (see span)
    bad = ("2024-13-W1", "2024-09-W0", "2024-9-W3", "2024-09-W3.yaml", "2023-02-29", "2024-13", "2024-01-9", "20240109")
    assert [parse_issue_id(t) for t in bad] == [None] * len(bad)


D = dt.date


@pytest.mark.parametrize("cadence, day, ident, span", [
    ("weekly", D(2024, 1, 9), "2024-01-W2", (D(2024, 1, 8), D(2024, 1, 14))),
    ("weekly", D(2024, 2, 29), "2024-02-W5", (D(2024, 2, 29), D(2024, 2, 29))),
    ("daily", D(2024, 1, 9), "2024-01-09", (D(2024, 1, 9), D(2024, 1, 9))),
    ("monthly", D(2024, 2, 9), "2024-02", (D(2024, 2, 1), D(2024, 2, 29))),
])
def test_periods_id_and_span(cadence, day, ident, span):
    periods = Periods(cadence)
    assert periods.issue_id(day) == ident
    assert periods.span(ident) == span


def test_periods_span_of_a_monday_week():
    # September 2024 starts on a Sunday: week 1 is the 1st alone, week 6 the 30th alone
    periods = Periods("weekly", "monday")
    assert periods.span("2024-09-W1") == (D(2024, 9, 1), D(2024, 9, 1))
    assert periods.span("2024-09-W2") == (D(2024, 9, 2), D(2024, 9, 8))
    assert periods.span("2024-09-W6") == (D(2024, 9, 30), D(2024, 9, 30))


@pytest.mark.parametrize("cadence, ident, message", [
    ("daily", "2024-01-W2", "'2024-01-W2' is not the id of a day; write it like 2024-09-16"),
    ("weekly", "2024-01-09", "'2024-01-09' is not the id of a week; write it like 2024-09-W3"),
    ("monthly", "2024-01-09", "'2024-01-09' is not the id of a month; write it like 2024-09"),
    ("weekly", "2023-02-W5", "February 2023 has no 5th week; its weeks are W1 to W4"),
])
def test_periods_span_refuses_other_cadences_and_missing_weeks(cadence, ident, message):
    with pytest.raises(ValueError) as e:
        Periods(cadence).span(ident)
    assert str(e.value) == message


@pytest.mark.parametrize("cadence, language, label, title, heading", [
    ("weekly", "en", "2nd week", "January 2nd week", "January 2024 · 2nd week"),
    ("weekly", "ko", "2주차", "1월 2주차", "2024년 1월 2주차"),
    ("daily", "en", "January 9", "January 9", "January 9, 2024"),
    ("daily", "ko", "1월 9일", "1월 9일", "2024년 1월 9일"),
    ("monthly", "en", "January", "January", "January 2024"),
    ("monthly", "ko", "1월", "1월", "2024년 1월"),
])
def test_periods_labels(cadence, language, label, title, heading):
    periods = Periods(cadence)
    day = D(2024, 1, 9)
    assert (periods.label(day, language), periods.title(day, language), periods.heading(day, language)) == (label, title, heading)


def test_an_own_label_replaces_the_computed_one():
    assert Periods("weekly").heading(D(2024, 1, 9), "en", "1st ~ 2nd week") == "January 2024 · 1st ~ 2nd week"
    assert Periods("daily").title(D(2024, 1, 9), "en", "Tuesday") == "Tuesday"


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]


def test_labels_in_both_languages():
    assert [week_label(n, "en") for n in (1, 2, 3, 4, 5)] == ["1st week", "2nd week", "3rd week", "4th week", "5th week"]
    assert week_label(3, "ko") == "3주차"
    assert (month_name(9, "en"), month_name(9, "ko"), month_name(1, "en")) == ("September", "9월", "January")


@pytest.mark.parametrize("label, expected", [
    ("3rd week", (3, 3)),
    (" 1st week ", (1, 1)),
    ("1st ~ 3rd week", (1, 3)),
    ("3주차", (3, 3)),
    ("1 ~ 2주차", (1, 2)),
    ("1~2주차", (1, 2)),
    ("4rd week", None),
    ("1th week", None),
    ("3rd ~ 1st week", None),
    ("2 ~ 1주차", None),
    ("0th week", None),
    ("0주차", None),
    ("third week", None),
    ("3rd Week", None),
    ("", None),
])
def test_parse_week_label(label, expected):
    assert parse_week_label(label) == expected


@pytest.mark.parametrize("language", ["en", "ko"])
def test_computed_labels_parse_back(language):
    assert all(parse_week_label(week_label(n, language)) == (n, n) for n in range(1, 7))
