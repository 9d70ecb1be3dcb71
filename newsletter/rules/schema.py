"""The file's structure and its fit with the config and its name. The loader reports the first two while
reading a file; they are registered here so that they are listed and configurable."""

from __future__ import annotations

from typing import Iterator

from newsletter.load import LoadedIssue, did_you_mean
from newsletter.model import Entry
from newsletter.rules import Context, Finding, loader_rule, rule
from newsletter.weeks import parse_issue_id

loader_rule("yaml-syntax", "error", "the file is not readable UTF-8 YAML (syntax error, tabs, bad indentation)",
            "A file that cannot be read cannot be checked or built; nothing else is reported about it until it reads.",
            "title: \"unclosed quote")
loader_rule("schema", "error", "a key is missing, unknown, duplicated or has a value of the wrong kind",
            "Every key of an issue file means something to the outputs; a misspelled one would be silently lost.",
            "  - type: paper\n    titel: Attention Is All You Need    # unknown key 'titel' (did you mean 'title'?)")


# the loader also reports a `date` that is not a date under this name
@rule("date-invalid", "error", "`date` is not a YYYY-MM-DD date or lies outside the week (day, month) named by the file, or the file is named for another cadence",
      scope="issue", build=True)
def date_invalid(ctx: Context, doc: LoadedIssue) -> Iterator[Finding]:
    """The file name says which week (day, month) the issue covers; a date elsewhere puts the issue under the
    wrong heading of the archive.

    Example:
        In issues/2024/2024-09-W3.yaml:
            date: 2024-09-02    # in 2024-09-W1; write a day of 2024-09-W3 such as 2024-09-16
    """
    assert doc.issue is not None
    day, parsed, periods = doc.issue.date, parse_issue_id(doc.id), ctx.config.periods
    if parsed is None:
        return
    if parsed.cadence != periods.cadence:
        yield Finding(f"the file name {doc.id} is that of a {parsed.cadence} issue, but this newsletter is {periods.cadence} "
                      f"(cadence in newsletter.toml); name the file {periods.issue_id(day)}.yaml or change the cadence", ("date",))
    elif periods.issue_id(day) != doc.id:
        yield Finding(f"date {day.isoformat()} is not in {periods.unit} {doc.id} named by the file; correct the date or rename the file",
                      ("date",))


@rule("type-unknown", "error", "an entry's `type` is not one of the types in newsletter.toml", build=True)
def type_unknown(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    """An entry's type decides its emoji and section; a type newsletter.toml does not list has neither, so the
    build stops unless the rule is turned off.

    Example:
            type: papr          # did you mean 'paper'?
    """
    types = ctx.config.types
    if entry.type not in types:
        yield Finding(f"unknown entry type '{entry.type}'{did_you_mean(entry.type, list(types))}; use one of: {', '.join(types)} "
                      "(or add it under [types] in newsletter.toml)", ("entries", i, "type"))
