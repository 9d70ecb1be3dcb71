"""The issue file format as pydantic models: the single source every command reads."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from newsletter.weeks import FIRST_YEAR, LAST_YEAR

Layout = Literal["archive", "post", "daily", "longform"]


def _one_or_many(v: object) -> object:
    return [v] if isinstance(v, str) else v


# editors write `org: OpenAI` as often as `org: [OpenAI, Microsoft]`; the schema must say both
OneOrMany = Annotated[
    list[str],
    BeforeValidator(_one_or_many),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


def _none_is_empty(v: object) -> object:
    return [] if v is None else v


def _or_null(schema: dict) -> None:
    """Let the JSON Schema accept a key left empty (``entries:`` with nothing below), as the loader does."""
    schema["anyOf"] = [{k: schema.pop(k) for k in ("type", "items")}, {"type": "null"}]


def in_range(moment: dt.datetime | dt.date) -> dt.datetime | dt.date:
    """``moment`` if it falls in the years an issue may (a day away from the ends of the calendar, so that it reads
    in every time zone: ``0001-01-01T00:00+14:00`` is in year 0 in UTC); else ValueError."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"{moment.isoformat()} is too close to the ends of the calendar; "
                         f"write a date between the years {FIRST_YEAR} and {LAST_YEAR}")
    return moment


# a publish time: with a time zone, and convertible to any other
Timestamp = Annotated[AwareDatetime, AfterValidator(in_range)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bullet(_Strict):
    """A summary bullet that carries nested bullets of its own."""

    text: str = Field(description="Markdown text of the bullet.")
    items: list["SummaryItem"] = Field(default=[], description="Nested bullets, to any depth.")


SummaryItem = Union[str, Bullet]
Bullet.model_rebuild()


class EntryStyle(_Strict):
    """How one entry is spelled in the Markdown archive where it differs from its issue (kept by import)."""

    separator: str | None = Field(None, description="Text between the type emoji and the rest of the entry line.")
    byline: str | None = Field(None, description="Longform layout: the text between the title and the link, as written.")
    blank: str | None = Field(None, description="Post layout: the spaces on the blank line after the entry, as written.")


class IssueStyle(_Strict):
    """How the issue is written in the Markdown archive where it differs from newsletter.toml (kept by import).

    Lists of lines are written verbatim; absent keys take the project's way.
    """

    month: str | None = Field(None, description="The month heading as written after '## ', e.g. '🍉 7월'.")
    separator: str | None = Field(None, description="Text between the type emoji and the rest of an entry line.")
    emoji: dict[str, str] = Field({}, description="Type emoji spelled differently from newsletter.toml, by type.")
    indent: int | None = Field(None, ge=1, le=8, description="Spaces per level of summary bullets.")
    before: list[str] | None = Field(None, description="Lines before the issue's place in the digest (blank lines, text between weeks).")
    after_year: list[str] | None = Field(None, description="Lines after the year heading the issue opens.")
    after_month: list[str] | None = Field(None, description="Lines after the month heading the issue opens.")
    open: list[str] | None = Field(None, description="Lines between '<summary>' and the first entry.")
    close: list[str] | None = Field(None, description="Lines after the last entry, up to and including '</details>'.")
    blank: str | None = Field(None, description="Post layout: the spaces on the blank lines around the title and the intro, as written.")
    end: list[str] | None = Field(None, description="Lines after the issue's page, as written (a blank line that ends the file).")


class Entry(_Strict):
    """One link in an issue."""

    type: str = Field(description="Entry type: paper, dev, news, or a type added in newsletter.toml.")
    title: str = Field(description="The link text.")
    url: str | None = Field(None, description="Where the entry points. Required by `newsletter check`.")
    org: OneOrMany = Field([], description="Organisation(s), shown as [Org, Org]. A string or a list.")
    icon: str | None = Field(None, description="A decoration emoji shown before the title.")
    note: str | None = Field(None, description="Text after the link, e.g. (ICLR 2024).")
    summary: list[SummaryItem] = Field([], description="Markdown bullets; an item may have nested items.")
    authors: OneOrMany = Field([], description="Authors (daily-digest layout).")
    more_authors: bool = Field(False, description="The author list is cut short: shown as `+` (daily layout) or et al.")
    image: str | None = Field(None, description="Image URL (daily-digest layout).")
    tags: OneOrMany = Field([], description="Free-form tags.")
    section: str | None = Field(None, description="The heading this entry is listed under in the post layout, e.g. '12월 4주차' in a monthly post.")
    raw: str | None = Field(None, description="Markdown kept verbatim by import; emitted after the entry unchanged.")
    style: EntryStyle | None = Field(None, description="How the archive spells this entry, where it differs (written by import).")


class Issue(_Strict):
    """One issue: ``issues/<YYYY>/<YYYY>-<MM>-W<n>.yaml`` (weekly), ``<YYYY>-<MM>-<DD>.yaml`` (daily), ``<YYYY>-<MM>.yaml`` (monthly)."""

    date: Annotated[dt.date, AfterValidator(in_range)] = Field(description="A day of the covered week, day or month (YYYY-MM-DD).")
    label: str | None = Field(None, description="Overrides the computed label, e.g. '1st ~ 3rd week'.")
    title: str | None = Field(None, description="Headline used by the email and the feed.")
    intro: str | None = Field(None, description="Markdown introduction (or a whole essay) for the email and feed.")
    image: str | None = Field(None, description="Cover image URL (front matter of the post layout).")
    published: Timestamp | None = Field(None, description="Written by `newsletter publish`; never by hand.")
    updated: Timestamp | None = Field(None, description="Written by `newsletter publish` when a published issue changed; never by hand.")
    layout: Layout | None = Field(None, description="Markdown layout of this issue's page: archive, post, daily or longform.")
    raw: str | None = Field(None, description="Markdown kept verbatim by import; emitted after the entries.")
    style: IssueStyle | None = Field(None, description="How the archive writes this issue, where it differs (written by import).")
    entries: Annotated[list[Entry], BeforeValidator(_none_is_empty)] = Field(
        [], description="The links of the issue.", json_schema_extra=_or_null
    )


def walk_summary(items: list[SummaryItem], depth: int = 0):
    """Yield (depth, text, path of the text below ``summary``) for every bullet, depth-first."""
    for i, item in enumerate(items):
        if isinstance(item, str):
            yield depth, item, (i,)
        else:
            yield depth, item.text, (i, "text")
            for d, text, path in walk_summary(item.items, depth + 1):
                yield d, text, (i, "items") + path
