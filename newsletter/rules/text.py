"""Text rules: titles, organisation names, week labels and summary bullets."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterator

import yaml

from newsletter.load import LoadedIssue, PathKey
from newsletter.markup import active_html
from newsletter.model import Entry, walk_summary
from newsletter.rules import Context, Finding, rule, style_texts
from newsletter.edit import delete_item, replace_value
from newsletter.weeks import EN_LABEL, ordinal, parse_week_label, week_of_month

_BRACKETS = {")": "(", "]": "[", "}": "{"}
_ANY_BRACKET = re.compile(r"[()\[\]{}]")
_BARE_URL = re.compile(r"^<?https?://\S+>?$")
# an org used this often in the archive is taken as a known spelling
KNOWN_USES = 3


@rule("title-missing", "error", "an entry's title is empty")
def title_missing(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    """The title is the text of the link; without it there is nothing to click.

    Example:
            title: ""
    """
    if not entry.title.strip():
        yield Finding("the title is empty; write the link text", ("entries", i, "title"))


@rule("title-is-link", "warning", "an entry's title is a URL, or contains its own link, instead of the link text")
def title_is_link(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    """A URL as the title shows the reader an address instead of what the page is; write the link text.

    Example:
            title: https://github.com/karpathy/minbpe    # write: minbpe
    """
    title, url = entry.title.strip(), (entry.url or "").strip()
    if _BARE_URL.match(title) or (url and url in title):
        yield Finding("the title is the link itself; write the link text (the page's own title) instead", ("entries", i, "title"))


def _spans_lines(doc: LoadedIssue, path: PathKey) -> bool:
    _, node, found = doc.source.node(path)
    return found and node is not None and node.start_mark.line != node.end_mark.line


def unbalanced(text: str) -> str | None:
    """The first bracket in ``text`` without its partner, or None."""
    if not _ANY_BRACKET.search(text):
        return None
    stack: list[str] = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in _BRACKETS:
            if not stack or stack.pop() != _BRACKETS[ch]:
                return ch
    return stack[0] if stack else None


@rule("title-format", "warning", "a title has stray spaces, is broken across lines, or has unbalanced brackets", fix="safe")
def title_format(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    """Stray spaces and line breaks copied from a PDF show in every output; removing them is safe. Unbalanced
    brackets are reported, not fixed.

    Example:
            title: "Training  Language Models "    # fix: Training Language Models
    """
    path = ("entries", i, "title")
    title = entry.title
    tidy = " ".join(title.split())
    if not tidy:
        return  # title-missing
    problems = []
    if "\n" in title or _spans_lines(doc, path):
        problems.append("is broken across lines")
    if title != title.strip():
        problems.append("has leading or trailing spaces")
    if "  " in title.strip():
        problems.append("has double spaces")
    if problems:
        fix = replace_value(doc, path, tidy, "write the title on one line with single spaces")
        yield Finding(f"the title {' and '.join(problems)}", path, fix)
    if bracket := unbalanced(title):
        yield Finding(f"the title has an unbalanced '{bracket}'; close or remove it", path)


# a name's one-typo variants number its length, each as long: past this (no organisation's name is as long)
# near misses are not looked for, so a huge value costs linear time, not quadratic memory
MAX_ORG_LENGTH = 120


@dataclass
class OrgIndex:
    """Known organisation names, indexed for near-miss lookups by single-character deletions."""

    known: set[str]
    # variant_key(name) -> name
    variants: dict[str, str]
    by_deletion: dict[str, set[str]]
    aliases: dict[str, str] = field(default_factory=dict)

    def suggestions(self, org: str) -> list[str]:
        """Known names one typo away from ``org`` (none when ``org`` is itself a known spelling)."""
        if org in self.known or variant_key(org) in self.variants:
            return []
        folded = org.casefold()
        if len(folded) > MAX_ORG_LENGTH:
            return []
        found = {name for key in deletions(folded) for name in self.by_deletion.get(key, ())}
        return sorted(n for n in found if _close(folded, n.casefold()))

    def canonical(self, org: str) -> str | None:
        """The spelling to write for ``org`` (its alias, a known name it is a variant or a typo of), else None."""
        org = " ".join(org.split())
        if org in self.aliases:
            return self.aliases[org]
        if org in self.known:
            return org
        if found := self.variants.get(variant_key(org)):
            return found
        found_all = self.suggestions(org)
        return found_all[0] if len(found_all) == 1 else None


def variant_key(name: str) -> str:
    """``name`` without case, spaces, dots and hyphens: 'DeepSeek-AI' and 'deepseek ai' are one org."""
    return re.sub(r"[\s.\-_]", "", name.casefold())


def deletions(word: str) -> set[str]:
    """``word`` and every string made from it by deleting one character."""
    return {word} | {word[:k] + word[k + 1 :] for k in range(len(word))}


def _close(a: str, b: str) -> bool:
    """One substitution, insertion, deletion or swap apart, on names long enough to tell apart.

    Short names differ by one letter from other real names (Meta/Beta, Qwen/Owen, MIT/MIC),
    so below five letters only a doubled letter counts (Milla/Mila).
    """
    if a == b:
        return False
    short, long_ = sorted((a, b), key=len)
    if len(short) < 5:
        return len(long_) == len(short) + 1 and any(
            long_[:k] + long_[k + 1 :] == short and long_[k] == long_[k - 1] for k in range(1, len(long_))
        )
    if len(long_) - len(short) == 1:
        return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))
    if len(a) != len(b):
        return False
    diff = [k for k in range(len(a)) if a[k] != b[k]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def builtin_orgs() -> list[str]:
    """The organisations shipped in ``newsletter/data/orgs.txt``."""
    text = resources.files("newsletter").joinpath("data/orgs.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def org_uses(doc: LoadedIssue) -> Counter[str]:
    """How often each organisation is named in a valid issue."""
    assert doc.issue is not None
    return Counter(org for e in doc.issue.entries for org in e.org)


def org_index(ctx: Context) -> OrgIndex:
    """Built-in, configured and frequently used organisation names."""
    check = ctx.config.check
    known = {*builtin_orgs(), *check.orgs, *check.org_aliases.values()}
    known |= {org for org, n in ctx.org_uses.items() if n >= KNOWN_USES}
    by_deletion: dict[str, set[str]] = {}
    for name in known:
        for key in deletions(name.casefold()) if len(name) <= MAX_ORG_LENGTH else ():
            by_deletion.setdefault(key, set()).add(name)
    return OrgIndex(known, {variant_key(n): n for n in sorted(known)}, by_deletion, dict(check.org_aliases))


def _org_paths(doc: LoadedIssue, i: int, entry: Entry) -> Iterator[tuple[PathKey, str]]:
    path: PathKey = ("entries", i, "org")
    single = isinstance(doc.source.node(path)[1], yaml.ScalarNode)
    for k, org in enumerate(entry.org):
        yield (path if single else path + (k,)), org


@rule("org-spelling", "warning", "an organisation name is a near miss of a known one (UC Berkely → UC Berkeley)", fix="unsafe")
def org_spelling(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    """An organisation spelled two ways splits the archive's lists by organisation. The fix is the nearest known
    name, a guess: unsafe.

    Example:
            org: UC Berkely    # unsafe fix: UC Berkeley
    """
    aliases = ctx.config.check.org_aliases
    index = ctx.index(org_index)
    for path, org in _org_paths(doc, i, entry):
        if org in aliases:
            fix = replace_value(doc, path, aliases[org], f"write {aliases[org]}")
            yield Finding(f"write '{org}' as '{aliases[org]}' (check.org_aliases)", path, fix)
        elif len(found := index.suggestions(org)) == 1:
            fix = replace_value(doc, path, found[0], f"write {found[0]}")
            yield Finding(f"unknown organisation '{org}': did you mean '{found[0]}'?", path, fix)
        elif found:
            yield Finding(f"unknown organisation '{org}': did you mean one of {', '.join(found)}?", path)


@rule("week-label", "warning", "an issue's `label` does not parse (4rd week) or disagrees with its `date`", fix="safe", scope="issue")
def week_label(ctx: Context, doc: LoadedIssue) -> Iterator[Finding]:
    """The label is the heading of the week in the archive; one that does not parse, or names another week,
    misleads readers.

    Example:
        label: 4rd week    # fix: 4th week
    """
    issue = doc.issue
    # only weeks have a label format; a day's or a month's label is free text
    if issue is None or issue.label is None or ctx.config.cadence != "weekly":
        return
    parsed = parse_week_label(issue.label)
    week = week_of_month(issue.date, ctx.config.week_rule)
    if parsed is None:
        m = EN_LABEL.match(issue.label.strip())
        # only a wrong suffix on the date's own week number is safe to correct
        fix = replace_value(doc, ("label",), f"{ordinal(week)} week", "correct the ordinal") if m and int(m[1]) == week else None
        yield Finding(f"week label '{issue.label}' does not parse; write it like '3rd week' or '1st ~ 2nd week'", ("label",), fix)
    elif not parsed[0] <= week <= parsed[1]:
        yield Finding(f"the label '{issue.label}' disagrees with date {issue.date} (week {week}); correct one of them", ("label",))


@rule("summary-format", "warning", "a summary bullet is empty, only a bare URL, or has stray spaces", fix="safe")
def summary_format(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    """Empty bullets, bullets that are only a URL and stray spaces render as noise in the email and the archive.

    Example:
            summary:
              - "  multi-turn RL  "    # fix: multi-turn RL
    """
    base: PathKey = ("entries", i, "summary")
    for _, text, sub in walk_summary(entry.summary):
        path = base + sub
        if not text.strip():
            yield Finding("empty bullet; write the summary or remove it", path, delete_item(doc, path, "remove the empty bullet"))
        elif _BARE_URL.match(text.strip()):
            yield Finding("the bullet is only a URL; write it as [label](url) with a few words on what it is", path)
        elif text != text.strip():
            yield Finding("the bullet has leading or trailing spaces", path, replace_value(doc, path, text.strip(), "trim the spaces"))


def _texts(doc: LoadedIssue) -> Iterator[tuple[PathKey, str]]:
    """Every text value of the issue with its path: what the outputs write as Markdown or HTML."""
    issue = doc.issue
    assert issue is not None
    for key in ("title", "label", "intro", "raw"):
        yield (key,), getattr(issue, key) or ""
    yield from style_texts(issue)
    for i, entry in enumerate(issue.entries):
        base: PathKey = ("entries", i)
        for key in ("title", "icon", "note", "raw", "section"):
            yield base + (key,), getattr(entry, key) or ""
        yield from _org_paths(doc, i, entry)
        yield from ((base + ("authors", k), a) for k, a in enumerate(entry.authors))
        yield from ((base + ("tags", k), t) for k, t in enumerate(entry.tags))
        yield from ((base + ("summary",) + sub, text) for _, text, sub in walk_summary(entry.summary))


@rule("html-active", "error", "HTML that runs script or loads a refused link (<script>, onerror=, a javascript: source)", scope="issue")
def html_active(ctx: Context, doc: LoadedIssue) -> Iterator[Finding]:
    """HTML that runs script or loads a refused link would run in readers' mail clients and browsers; it is never
    rendered.

    Example:
              - <img src=x onerror=alert(1)>
    """
    for path, text in _texts(doc):
        for tag in active_html(text) if "<" in text else ():
            yield Finding(f"'{tag[:60]}' would run script or load an unchecked address; the outputs show it as text: remove it", path, needle=tag)


@rule("authors-duplicate", "warning", "a name repeated in an entry's `authors` (as copied digests repeat every name)", fix="safe")
def authors_duplicate(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    """Copied digests repeat every author's name; a name twice in one list is removed safely.

    Example:
            authors: [Albert Q. Jiang, Albert Q. Jiang]    # fix: [Albert Q. Jiang]
    """
    first: dict[str, int] = {}
    for j, name in enumerate(entry.authors):
        key = " ".join(name.split())
        if key not in first:
            first[key] = j
            continue
        path: PathKey = ("entries", i, "authors", j)
        fix = delete_item(doc, path, "remove the repeated name")
        yield Finding(f"'{name}' is already author {first[key] + 1} of this entry; remove the repeat", path, fix)


@rule("issue-empty", "warning", "an issue has no entries (and no intro or kept Markdown)", scope="issue")
def issue_empty(ctx: Context, doc: LoadedIssue) -> Iterator[Finding]:
    """An issue without entries (nor intro, nor kept Markdown) would send an empty email.

    Example:
        date: 2024-09-16
        entries: []
    """
    issue = doc.issue
    if issue is not None and not issue.entries and not (issue.intro or issue.raw):
        yield Finding("the issue has no entries yet; add some or delete the file", ("date",))
