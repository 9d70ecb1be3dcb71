"""Markdown generators: the archive digest and one issue's page (archive, post or daily layout).

Python builds each entry's lines; the templates ``digest.md.j2``, ``issue.md.j2``,
``post.md.j2`` and ``daily.md.j2`` lay them out.

Escaping. Editors' text is written as typed, except what could link, run or carry the page out of
its list or ``<details>`` block (see :mod:`newsletter.markup` for links and HTML):

* A link is written only when its URL passes the link rules' gate (:func:`newsletter.urls.web_parts`);
  otherwise the title is plain text. Summaries, intros and ``raw`` keep their Markdown when every link in
  them passes the gate; otherwise their brackets are escaped. HTML that could run or load something
  (``<script>``, ``onerror=``, a ``javascript:`` source), comments, declarations and refused autolinks get
  ``&lt;`` for ``<``; inside a list item (an entry line or a summary bullet) so do block tags such as
  ``</details>``. Harmless inline tags such as ``<b>`` or ``<Cookbook>`` are left alone.
* Titles, organisations, icons, notes and authors are text: brackets that could form a link, ``&`` that
  would start an entity and backslashes before punctuation are backslash-escaped.
* A title, org, icon or note running over several lines continues at column 0 (as such titles
  do in hand-written archives). A continuation line that would start a block there (heading,
  quote, list item, code fence, rule, HTML) gets a backslash before its first mark, and blank
  lines are dropped, since a blank line would end the list.
* Continuation lines of a summary bullet are written at the bullet's indentation, inside the
  entry's list item; one that would open a heading, quote, code fence, rule or HTML block gets
  the same backslash (a list marker only nests a list and is kept), and blank lines are dropped.
* White space, ``<``, ``>``, parentheses and entity-like ``&`` in a URL are encoded; the week label is
  HTML-escaped; a heading is one line; front-matter values are quoted where YAML would read them otherwise.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import overload

import jinja2
import yaml

from newsletter.config import Config
from newsletter.markup import INLINE_TAG, escape_brackets, inline_text, safe_markdown
from newsletter.model import Entry, Issue, IssueStyle, walk_summary
from newsletter.render.templates import render, render_bytes
from newsletter.urls import deception, is_web_link
from newsletter.weeks import issue_label, month_name

INDENT = "    "
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# marks that open a block at the start of a line: heading, setext underline, quote, fence, HTML, rule
_BLOCK_MARK = r"#{1,6}(?:[ \t]|$)|=+[ \t]*$|>|`{3}|~{3}|<|(?:[-*_][ \t]*){3,}$"
_BLOCK_START = re.compile(rf"( {{0,3}})(?:({_BLOCK_MARK}|[-+*](?:[ \t]|$))|\d{{1,9}}(?=[.)](?:[ \t]|$)))")
_BLOCK_START_NOT_LIST = re.compile(rf"( {{0,3}})({_BLOCK_MARK})")
_URL_UNSAFE = re.compile(r"[\s<>()]|&(?=#?[A-Za-z0-9]+;)")
_RELATIVE = re.compile(r"(?![A-Za-z][A-Za-z0-9+.-]*:|//)[^\s<>()]+")
_BARE_URL = re.compile(r"[^\s<>()\[\]\\&*_`~]+")


def _escape_line_start(line: str, *, lists: bool = True) -> str:
    """Backslash the mark with which ``line`` would start a block (or, with ``lists``, a list item)."""
    m = (_BLOCK_START if lists else _BLOCK_START_NOT_LIST).match(line)
    if not m:
        return line
    at = m.end() if m.group(2) is None else m.end(1)
    return line[:at] + "\\" + line[at:]


def _url(url: str) -> str:
    """``url`` for a link destination: what Markdown would read otherwise percent-encoded."""
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)


def _link(title: str, url: str | None) -> str:
    """``[title](url)`` when ``url`` passes the gate, else the title as text; a title that is the URL itself
    is written as a bare URL."""
    if not is_web_link(url):
        return inline_text(title)
    assert url is not None
    if title == url and _BARE_URL.fullmatch(url):
        return url
    return f"[{inline_text(title)}]({_url(url)})"


def heading_line(text: str) -> str:
    """``text`` as the content of one ``#`` heading line."""
    line = inline_text(" ".join(text.split()))
    return line[:-1] + "\\#" if line.endswith("#") else line


def yaml_scalar(text: str) -> str:
    """``text`` as a front-matter value: plain when YAML reads it back as this very string, else quoted."""
    if text and text == text.strip() and text.isprintable():
        try:
            if yaml.load(f"k: {text}", Loader=_Loader) == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")


def _is_image(url: str | None) -> bool:
    """An image source the outputs may load: a web link through the gate, or a path on the site itself."""
    return bool(url) and (is_web_link(url) or (_RELATIVE.fullmatch(url or "") is not None and deception(url or "") is None))


def _markdown(text: str | None) -> str | None:
    """Block Markdown (an intro, ``raw``) with its links and HTML through the gate."""
    return None if text is None else safe_markdown(text)


_NO_STYLE = IssueStyle()


def _verbatim(lines: list[str] | None) -> list[str] | None:
    """Lines of the digest kept verbatim by ``import`` (or written in newsletter.toml), their links and HTML
    through the gate (a link to a heading of the digest is one)."""
    return None if lines is None else safe_markdown("\n".join(lines), anchors=True).split("\n")


def type_emoji(entry: Entry, config: Config, style: IssueStyle = _NO_STYLE) -> str:
    """The entry's type emoji, followed by those of other types named in its tags (e.g. ``🧑🏻‍💻📜``);
    the issue's own spelling of an emoji wins over the configured one."""
    names = [entry.type] + [t for t in entry.tags if t in config.types and t != entry.type]
    return safe_markdown("".join(style.emoji.get(n) or config.types[n].emoji for n in names if n in config.types), keep=INLINE_TAG)


def _separator(entry: Entry, config: Config, style: IssueStyle) -> str:
    """Text after the type emoji: the entry's own, else the issue's, else the configured one."""
    if entry.style is not None and entry.style.separator is not None:
        return safe_markdown(entry.style.separator, keep=INLINE_TAG)
    return safe_markdown(style.separator if style.separator is not None else config.digest.separator, keep=INLINE_TAG)


def entry_head(entry: Entry, config: Config, style: IssueStyle = _NO_STYLE) -> str:
    """The entry line: ``<emoji><separator>[Org, Org] <icon> [Title](url) <note>``."""
    parts = []
    if entry.org:
        parts.append("[" + escape_brackets(inline_text(", ".join(entry.org))) + "]")
    if entry.icon:
        parts.append(inline_text(entry.icon))
    parts.append(_link(entry.title, entry.url))
    if entry.note:
        parts.append(safe_markdown(entry.note, keep=INLINE_TAG))
    emoji = type_emoji(entry, config, style)
    lead = emoji + _separator(entry, config, style) if emoji else ""
    first, *rest = (lead + " ".join(parts)).split("\n")
    return "\n".join([first] + [_escape_line_start(line) for line in rest if line.strip()])


def bullet_lines(text: str, indent: str) -> list[str]:
    """A bullet and its continuation lines, all at ``indent``."""
    first, *rest = safe_markdown(text, keep=INLINE_TAG).split("\n")
    # a list marker there only nests a list (as `1) …` lines in real archives do); other blocks would break out
    return [f"{indent}- {first}"] + [indent + _escape_line_start(line, lists=False) for line in rest if line.strip()]


def summary_lines(entry: Entry, first: str = INDENT, skip: int = 0, step: str = INDENT) -> list[str]:
    """The summary bullets of ``entry`` (but the first ``skip``): top level at ``first``, ``step`` deeper per level."""
    lines: list[str] = []
    for depth, text, _ in list(walk_summary(entry.summary))[skip:]:
        lines.extend(bullet_lines(text, first + step * depth))
    return lines


def entry_block(entry: Entry, config: Config, style: IssueStyle = _NO_STYLE) -> str:
    """An entry of the archive layout: its line, its summary and its raw Markdown."""
    indent = " " * (style.indent or config.digest.indent)
    lines = ["- " + entry_head(entry, config, style), *summary_lines(entry, indent, step=indent)]
    if entry.raw is not None:
        lines.append(safe_markdown(entry.raw))
    return "\n".join(lines)


def _summary_label(issue: Issue, config: Config) -> str:
    return html.escape(" ".join(issue_label(issue, config).split()), quote=False)


@dataclass
class _Month:
    number: int
    heading: str | None
    before: list[str]
    after: list[str]
    weeks: list[dict] = field(default_factory=list)


@dataclass
class _Year:
    year: int
    before: list[str]
    months: list[_Month] = field(default_factory=list)


def month_heading(month: int, config: Config) -> str:
    """``☃ February`` (or ``☃ 2월``); just the name when the month has no emoji."""
    emoji = config.month_emoji.get(month)
    name = month_name(month, config.labels)
    return f"{emoji} {name}" if emoji else name


def digest_week(issue: Issue, config: Config) -> dict:
    """One issue's part of the digest: its ``<details>`` label, its entry blocks, its month heading and,
    where the issue's style says so, the lines around them (None: the usual blank lines)."""
    style = issue.style or _NO_STYLE
    blocks = [entry_block(e, config, style) for e in issue.entries]
    if issue.raw is not None:
        blocks.append(safe_markdown(issue.raw))
    return {
        "label": _summary_label(issue, config), "blocks": blocks,
        "month": safe_markdown(style.month, keep=INLINE_TAG, anchors=True) if style.month else month_heading(issue.date.month, config),
        "before": _verbatim(style.before), "after_year": _verbatim(style.after_year), "after_month": _verbatim(style.after_month),
        "open": _verbatim(style.open), "close": _verbatim(style.close),
    }


class Blocks(Sequence[str]):
    """A week's entry blocks as the digest keeps them: one text in UTF-8, the blocks joined by line breaks, decoded
    only when a block or the whole is asked for. A large archive has a hundred thousand blocks, which would take
    twice their bytes decoded."""

    def __init__(self, data: bytes | memoryview, lengths: list[int]) -> None:
        if sum(lengths) + len(lengths) - 1 != len(data) and (lengths or data):
            raise ValueError("the blocks' lengths do not add up to their text")
        self.data, self.lengths = data, lengths
        self._ends = list(accumulate(n + 1 for n in lengths))  # where each block ends, past its line break

    @classmethod
    def of(cls, blocks: Sequence[str]) -> "Blocks":
        if isinstance(blocks, Blocks):
            return blocks
        encoded = [b.encode("utf-8", "surrogatepass") for b in blocks]
        return cls(b"\n".join(encoded), [len(b) for b in encoded])

    def __reduce__(self) -> tuple:
        return Blocks, (bytes(self.data), self.lengths)  # sent to another process, a view of a larger value goes alone

    @property
    def text(self) -> str:
        """The blocks joined by line breaks."""
        return str(self.data, "utf-8", "surrogatepass")

    def __len__(self) -> int:
        return len(self.lengths)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[n] for n in range(len(self))[index]]
        n = range(len(self))[index]
        return str(self.data[self._ends[n] - self.lengths[n] - 1 : self._ends[n] - 1], "utf-8", "surrogatepass")


class _Week(dict):
    """A week as the digest's template sees it. Its ``text``, the blocks joined, is decoded whenever it is asked for
    and never kept: the digest is encoded piece by piece, so a large archive's is never all decoded at once."""

    def __missing__(self, key: str) -> str:
        if key != "text":
            raise KeyError(key)
        return Blocks.of(self["blocks"]).text


@dataclass(frozen=True)
class DigestWeek:
    """An issue as the digest places it: by date and id, with its pre-rendered part."""

    id: str
    date: dt.date
    week: dict


def _given(lines: list[str] | None, default: list[str]) -> list[str]:
    return default if lines is None else lines


def _years(weeks: Sequence[DigestWeek], config: Config) -> list[_Year]:
    """Group the weeks by year and month in digest order, with the lines between them: two blank lines
    before a year or month heading and one between weeks, unless an issue's style says otherwise."""
    ordered = sorted(weeks, key=lambda w: (w.date, w.id), reverse=config.digest.order == "newest-first")
    years: list[_Year] = []
    for w in ordered:
        week = w.week
        before = week.get("before")
        # a monthly newsletter's issues go straight under their year
        heading = None if config.cadence == "monthly" else week.get("month") or month_heading(w.date.month, config)
        opens_year = not years or years[-1].year != w.date.year
        if opens_year:
            years.append(_Year(w.date.year, _given(before, ["", ""] if len(years) else [])))
        months = years[-1].months
        if opens_year or months[-1].heading != heading or (heading is not None and months[-1].number != w.date.month):
            lead = week.get("after_year") if opens_year else before
            months.append(_Month(w.date.month, heading, _given(lead, [] if opens_year else ["", ""]), _given(week.get("after_month"), [])))
            before = []
        months[-1].weeks.append(_Week(
            {"before": _given(before, [""]), "label": week["label"], "open": _given(week.get("open"), [""]),
             "blocks": week["blocks"], "close": _given(week.get("close"), ["</details>"])}
        ))
    return years


def _lines(text: str | None, default: list[str]) -> list[str]:
    """The lines of verbatim Markdown (None: ``default``; empty text: no line)."""
    if text is None:
        return default
    return _verbatim(text.split("\n")) if text else []


def digest_of_weeks(weeks: Sequence[DigestWeek], config: Config, env: jinja2.Environment) -> bytes:
    """The whole archive in UTF-8: the header (by default the type legend), then years, months and one
    ``<details>`` per issue, then the footer."""
    legend = [f"{t.emoji}: {t.label}" for t in config.types.values()] + ["", "---"]
    return render_bytes(env, "digest.md.j2", header=_lines(config.digest.header, legend), years=_years(weeks, config),
                        footer=_lines(config.digest.footer, []))


def digest(issues: Sequence[tuple[str, Issue]], config: Config, env: jinja2.Environment) -> str:
    """The digest of ``(id, issue)`` pairs (see :func:`digest_of_weeks`)."""
    return digest_of_weeks([DigestWeek(i, issue.date, digest_week(issue, config)) for i, issue in issues], config, env).decode()


def _layout(layout: str | None, issue: Issue, config: Config) -> str:
    return layout or issue.layout or config.digest.layout


def month_and_week(issue: Issue, config: Config) -> str:
    """The issue's name within its year: ``September 3rd week`` / ``9월 3주차``, ``January 9``, ``January``."""
    return config.periods.title(issue.date, config.labels, issue.label or None)


def page_title(issue: Issue, config: Config) -> str:
    """The issue's title, else its month and week (see :func:`month_and_week`), as one heading line."""
    return heading_line(issue.title or month_and_week(issue, config))


def _post_date(issue: Issue) -> str:
    """Front-matter date: the publish time in UTC, else the issue's date."""
    if issue.published is None:
        return issue.date.isoformat()
    return issue.published.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{issue.published.microsecond // 1000:03d}Z"


def _code_span(text: str) -> str:
    """``text`` in a code span on one line: fenced by one backtick more than its longest run of them."""
    text = " ".join(text.split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def post_entry(entry: Entry) -> str:
    """A post entry: ``- [**`Title`**](url) : summary``, further bullets below it."""
    title = f"**{_code_span(entry.title)}**"
    head = f"[{title}]({_url(entry.url)})" if entry.url and is_web_link(entry.url) else title
    top = next(walk_summary(entry.summary), None)
    first, *rest = bullet_lines(top[1], "") if top else ["- "]
    lines = [f"- {head}" + (f" : {first[2:]}" if top else ""), *rest, *summary_lines(entry, "  ", skip=1)]
    if entry.raw is not None:
        lines.append(safe_markdown(entry.raw))
    return "\n".join(lines)


def daily_entry(entry: Entry) -> dict:
    """The parts of a daily-digest entry, escaped, for ``daily.md.j2``."""
    return {
        "link": _link(entry.title, entry.url),
        "image": _url(entry.image) if _is_image(entry.image) else None,
        "raw": _markdown(entry.raw),
        "authors": inline_text(", ".join(entry.authors + ["+"] * entry.more_authors)),
        "summary": summary_lines(entry, ""),
    }


def post_sections(issue: Issue, config: Config) -> list[dict]:
    """An issue's part of a post: one ``12월 4주차`` heading and its entries per week, each entry with the
    blank line before it (the spaces the previous entry's ``style.blank`` keeps).

    A weekly issue is one section; a month's issue has one per run of entries with the same ``section``.
    """
    sections: list[dict] = []
    blank = ""
    for entry in issue.entries:
        heading = heading_line(entry.section or month_and_week(issue, config))
        if not sections or sections[-1]["heading"] != heading:
            sections.append({"heading": heading, "entries": []})
            blank = ""
        sections[-1]["entries"].append({"before": blank, "text": post_entry(entry)})
        blank = (entry.style.blank if entry.style else None) or ""
    return sections or [{"heading": heading_line(month_and_week(issue, config)), "entries": []}]


def post(issues: Sequence[tuple[str, Issue]], config: Config, env: jinja2.Environment) -> str:
    """A monthly blog post of several weeks, newest first; the front matter comes from the newest issue."""
    ordered = sorted(issues, key=lambda pair: (pair[1].date, pair[0]), reverse=True)
    lead = next((i for _, i in ordered if i.title or i.intro), ordered[0][1])
    title = lead.title or month_and_week(lead, config)
    return render(
        env, "post.md.j2",
        title=heading_line(title), front_title=yaml_scalar(title), author=config.author and yaml_scalar(config.author),
        image=yaml_scalar(lead.image) if _is_image(lead.image) else None, date=_post_date(lead),
        draft=lead.published is None, blank=(lead.style or _NO_STYLE).blank or "",
        tags=[yaml_scalar(t) for t in dict.fromkeys(t for _, i in ordered for e in i.entries for t in e.tags)],
        intro=_markdown(lead.intro), sections=[s for _, i in ordered for s in post_sections(i, config)],
        raw=[safe_markdown(i.raw) for _, i in ordered if i.raw is not None],
    )


def longform_byline(entry: Entry) -> str:
    """What a long-form entry writes between its title and its link: `` by A, B, C, et al. (6월 28일),``."""
    if entry.style is not None and entry.style.byline is not None:
        return entry.style.byline
    names = entry.authors
    if entry.more_authors:
        who = ", ".join(names) + ", et al."
    elif len(names) > 2:
        who = ", ".join(names[:-1]) + ", and " + names[-1]
    else:
        who = " and ".join(names)
    return (f" by {who}" if who else "") + (f" ({entry.note})" if entry.note else "") + ","


def longform_entry(entry: Entry) -> dict:
    """A paper of the long-form layout: ``**Title** by Authors (date), url`` and its summary paragraph."""
    star = "\\* " if "star" in entry.tags else ""
    head = f"**{star}{inline_text(entry.title)}**{safe_markdown(longform_byline(entry), keep=INLINE_TAG)}"
    if is_web_link(entry.url):
        head += " " + _url(entry.url or "")
    summary = [_escape_line_start(line) for _, text, _ in walk_summary(entry.summary) for line in safe_markdown(text, keep=INLINE_TAG).split("\n")]
    return {"head": head, "summary": summary}


def issue_page(issue_id: str, issue: Issue, config: Config, env: jinja2.Environment, layout: str | None = None,
               blocks: list[str] | None = None) -> str:
    """One issue alone in its layout: ``layout`` argument, else ``issue.layout``, else ``digest.layout``.

    ``blocks`` are the issue's entry blocks when already rendered (for the digest).
    """
    end = (issue.style or _NO_STYLE).end
    page = _page(_layout(layout, issue, config), issue_id, issue, config, env, blocks)
    return page + "".join(f"{line}\n" for line in end) if end else page


def _page(chosen: str, issue_id: str, issue: Issue, config: Config, env: jinja2.Environment, blocks: list[str] | None) -> str:
    """The issue's page in layout ``chosen``."""
    if chosen == "post":
        return post([(issue_id, issue)], config, env)
    if chosen == "longform":
        return render(env, "longform.md.j2", intro=_markdown(issue.intro), entries=[longform_entry(e) for e in issue.entries],
                      raw=_markdown(issue.raw))
    if chosen == "daily":
        return render(env, "daily.md.j2", title=page_title(issue, config), intro=_markdown(issue.intro),
                      entries=[daily_entry(e) for e in issue.entries], raw=_markdown(issue.raw))
    if blocks is None:
        blocks = [entry_block(e, config, issue.style or _NO_STYLE) for e in issue.entries]
    return render(env, "issue.md.j2", title=page_title(issue, config), intro=_markdown(issue.intro), blocks=blocks,
                  raw=_markdown(issue.raw))
