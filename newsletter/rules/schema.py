"""The file's structure and its fit with the config and its name. The loader reports the first two while
reading a file; they are registered here so that they are listed and configurable."""

from __future__ import annotations

from typing import Iterator

from newsletter.load import LoadedIssue, did_you_mean
from newsletter.model import Entry
from newsletter.rules import Context, Finding, loader_rule, rule
from newsletter.weeks import parse_issue_id

loader_rule("yaml-syntax", "error", "the file is not readable UTF-8 YAML (syntax error, tabs, bad indentation)")
loader_rule("schema", "error", "a key is missing, unknown, duplicated or has a value of the wrong kind")


# the loader also reports a `date` that is not a date under this name
@rule("date-invalid", "error", "`date` is not a YYYY-MM-DD date or lies outside the week named by the file",
      scope="issue", build=True)
def date_invalid(ctx: Context, doc: LoadedIssue) -> Iterator[Finding]:
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
    types = ctx.config.types
    if entry.type not in types:
        yield Finding(f"unknown entry type '{entry.type}'{did_you_mean(entry.type, list(types))}; use one of: {', '.join(types)} "
                      "(or add it under [types] in newsletter.toml)", ("entries", i, "type"))
