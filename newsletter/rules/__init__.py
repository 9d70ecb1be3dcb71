"""The rule catalogue of ``newsletter check``: every rule registers itself with :func:`rule`.

A rule is one function over the loaded model. Its scope says what it is given:

- ``issue``: ``fn(ctx, doc)`` once per loaded issue;
- ``entry``: ``fn(ctx, doc, index, entry)`` once per entry;
- ``link``: ``fn(ctx, link)`` once per URL (an entry's ``url`` and every Markdown link in its summary);
- ``archive``: ``fn(ctx, files)`` once per run over the :class:`FileFacts` of every valid file, oldest
  first, yielding ``(file, finding)`` pairs: for rules that compare entries across the archive;
- ``loader``: no function; the loader itself reports it (listed so it can be configured).

A rule marked ``build`` guards rendering: ``build`` and ``publish`` apply it too, and its errors stop them.

Rules yield :class:`Finding` objects; the runner in :mod:`newsletter.check.runner` turns them into
diagnostics with positions, severities and ``# noqa`` handling.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Literal, TypeVar

from newsletter.config import Config
from newsletter.edit import replace_text, replace_value
from newsletter.errors import Fix, Severity
from newsletter.load import LoadedIssue, PathKey
from newsletter.markup import passes, text_links
from newsletter.urls import is_web_link
from newsletter.model import Entry, Issue, walk_summary

Scope = Literal["issue", "entry", "link", "archive", "loader"]
FixKind = Literal["safe", "unsafe"]
T = TypeVar("T")

# the modules whose import registers the rules, in catalogue order
GROUPS = ("schema", "links", "duplicates", "text", "online")


@dataclass
class Finding:
    """What a rule reports: a message about the value at ``path`` of the issue file."""

    message: str
    path: PathKey = ()
    fix: Fix | None = None
    # overrides the rule's default, e.g. a duplicate across issues is milder than within one
    severity: Severity | None = None
    # a piece of the value to point at (a URL inside a summary) instead of the value's start
    needle: str | None = None


@dataclass(frozen=True)
class Rule:
    """One check: a stable name, its default severity, its documentation and its function."""

    name: str
    severity: Severity
    # what it finds, in one line
    description: str
    # whether it can fix what it finds: "safe" (always right) or "unsafe" (a guess, applied with --unsafe-fixes)
    fix: FixKind | None
    scope: Scope
    func: Callable[..., Iterable[Finding]] | None
    # why it matters, and an example of what it reports
    why: str = ""
    example: str = ""
    # also applied by the build, which its errors stop
    build: bool = False

    @property
    def fixable(self) -> bool:
        return self.fix is not None


RULES: dict[str, Rule] = {}


def _documentation(func: Callable) -> tuple[str, str]:
    """(why, example) from a rule function's docstring: why it matters, then ``Example:`` and the example."""
    doc = inspect.cleandoc(func.__doc__ or "")
    why, _, example = doc.partition("\nExample:\n")
    return " ".join(why.split()), textwrap.dedent(example).strip("\n")


def rule(name: str, severity: Severity, description: str, *, fix: FixKind | None = None, scope: Scope = "entry",
         build: bool = False):
    """Register the decorated function as the rule ``name``; its docstring says why it matters, with an example."""

    def register(func: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        if name in RULES:
            raise ValueError(f"rule {name!r} is registered twice")
        RULES[name] = Rule(name, severity, description, fix, scope, func, *_documentation(func), build)
        return func

    return register


def loader_rule(name: str, severity: Severity, description: str, why: str, example: str) -> None:
    """Register a rule that the loader reports while reading files (and so while building)."""
    RULES[name] = Rule(name, severity, description, None, "loader", None, why, example, True)


def all_rules() -> dict[str, Rule]:
    """Every registered rule by name, in catalogue order, importing the rule modules on first use."""
    for group in GROUPS:
        importlib.import_module(f"{__name__}.{group}")
    order = {f"{__name__}.{g}": n for n, g in enumerate(GROUPS)}
    if list(RULES) != (ordered := sorted(RULES, key=lambda name: order.get(_module(RULES[name]), len(GROUPS)))):
        RULES.update({name: RULES.pop(name) for name in ordered})
    return RULES


def _module(r: Rule) -> str:
    return r.func.__module__ if r.func is not None else f"{__name__}.schema"


@dataclass
class Context:
    """What rules may consult besides the value at hand: the config and archive-wide counts."""

    config: Config
    # how often each organisation is named in the whole archive (files not reported on included)
    org_uses: Counter[str]
    # `check --online`: what each link does now (newsletter.links.health.Health by URL); None offline
    online: dict[str, Any] | None = None
    _memo: dict[Callable, Any] = field(default_factory=dict)

    def index(self, build: Callable[["Context"], T]) -> T:
        """``build(self)``, computed once per check run: for archive-wide lookups."""
        if build not in self._memo:
            self._memo[build] = build(self)
        return self._memo[build]


@dataclass
class EntryFacts:
    """What the archive-wide rules need of one entry: its comparison keys and where its fields are."""

    url_key: str | None
    title_key: str
    url_at: tuple[int, int]
    title_at: tuple[int, int]


@dataclass
class FileFacts:
    """What the archive-wide rules need of one valid issue file; small enough to pass between processes."""

    path: Path
    display: str
    # archive order: (date, id)
    order: tuple[dt.date, str]
    entries: list[EntryFacts]

    def position(self, path: PathKey) -> tuple[int, int]:
        """Line and column of ``("entries", i, "url" | "title")``."""
        entry = self.entries[int(path[1])]
        return entry.url_at if path[2] == "url" else entry.title_at


@dataclass(frozen=True)
class Link:
    """One URL in an issue: an entry's ``url`` field, or a link inside Markdown text (a summary bullet, a note,
    the intro, raw Markdown); ``entry`` is -1 outside the entries."""

    doc: LoadedIssue
    entry: int
    path: PathKey
    url: str
    # for a summary link: the label, the whole bullet text and where the URL sits in it
    label: str | None = None
    text: str | None = None
    start: int = 0

    @property
    def inline(self) -> bool:
        return self.label is not None

    def value_with(self, new_url: str) -> str | None:
        """The value at :attr:`path` with this link's URL replaced by ``new_url`` (None if the URL is not
        written as it reads, e.g. with entities)."""
        if self.text is None:
            return new_url
        if self.start < 0:
            return None
        return self.text[: self.start] + new_url + self.text[self.start + len(self.url) :]

    def fix(self, new_url: str, description: str) -> Fix | None:
        """A fix writing ``new_url`` for this link: just the URL where it is written literally, else the whole value."""
        doc, path, value = self.doc, self.path, self.value_with(new_url)
        return replace_text(doc, path, self.url, new_url, description) or (None if value is None else replace_value(doc, path, value, description))

    def finding(self, message: str, fix: Fix | None = None) -> Finding:
        """A finding about this link, pointing at the URL itself inside a text."""
        return Finding(message, self.path, fix, needle=self.url if self.inline else None)


def style_texts(issue: Issue) -> Iterator[tuple[PathKey, str]]:
    """The texts ``import`` keeps to write the archive as it was, each written verbatim: the issue's style (its
    month heading, separator, emoji and lines around the week) and each entry's (separator, byline)."""
    style = issue.style
    if style is not None:
        for key in ("month", "separator"):
            yield ("style", key), getattr(style, key) or ""
        yield from ((("style", "emoji", name), text) for name, text in style.emoji.items())
        for key in ("before", "after_year", "after_month", "open", "close"):
            yield from ((("style", key, k), line) for k, line in enumerate(getattr(style, key) or []))
    for i, entry in enumerate(issue.entries):
        if entry.style is not None:
            for key in ("separator", "byline"):
                yield ("entries", i, "style", key), getattr(entry.style, key) or ""


def entry_links(doc: LoadedIssue, index: int, entry: Entry) -> Iterator[Link]:
    """The entry's ``url`` (when set) and every URL its note, summary and raw Markdown link or load
    (see :mod:`newsletter.markup`)."""
    base: PathKey = ("entries", index)
    if entry.url is not None and entry.url.strip():
        yield Link(doc, index, base + ("url",), entry.url)
    texts = [(("note",), entry.note), *((("summary",) + sub, text) for _, text, sub in walk_summary(entry.summary)), (("raw",), entry.raw)]
    for sub, text in texts:
        yield from _text_links(doc, index, base + sub, text)


def issue_links(doc: LoadedIssue) -> Iterator[Link]:
    """Every URL the issue's intro, raw Markdown and kept style texts link or load."""
    assert doc.issue is not None
    for key in ("intro", "raw"):
        yield from _text_links(doc, -1, (key,), getattr(doc.issue, key))
    for path, text in style_texts(doc.issue):
        # lines of the digest page, where a link to one of its headings or a mailto: address is one
        links = _text_links(doc, int(path[1]) if path[0] == "entries" else -1, path, text)
        yield from (link for link in links if is_web_link(link.url) or not passes(link.url, anchors=True))


def _text_links(doc: LoadedIssue, index: int, path: PathKey, text: str | None) -> Iterator[Link]:
    for link in text_links(text or ""):
        yield Link(doc, index, path, link.url, link.label or "", text, link.start)
