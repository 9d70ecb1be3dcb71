"""The habits of an archive: what most of it does becomes a setting of newsletter.toml, what one
issue does differently becomes that issue's ``style``.

Learned: each type's emoji as spelled (with or without joiners and variation selectors) and its
legend label, the separator after the type emoji, the indentation of summary bullets, the
language and emoji of month headings, the order of the weeks, and the text before the first year
and after the last week.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newsletter.config import Config
from newsletter.importer.inline import split_spellings
from newsletter.importer.report import Report
from newsletter.model import IssueStyle
from newsletter.render.markdown import month_heading
from newsletter.weeks import MONTHS_EN

if TYPE_CHECKING:
    from newsletter.importer.archive import _Week

_KO_MONTH = re.compile(r"(\d{1,2})월")
_MONTHS = {name.lower(): i for i, name in enumerate(MONTHS_EN, 1)}


def most_common(counts: Counter) -> Any:
    """The most frequent value; a tie goes to the value seen first."""
    return counts.most_common(1)[0][0] if counts else None


def month_of(heading: str) -> tuple[int, str, str] | None:
    """(month, emoji, language) of a heading ``☃ February`` or ``☃ 2월``; None when it names no month."""
    words = heading.split()
    name = words[-1] if words else ""
    if month := _MONTHS.get(name.lower()):
        return month, " ".join(words[:-1]), "en"
    if (m := _KO_MONTH.fullmatch(name)) and 1 <= int(m[1]) <= 12:
        return int(m[1]), " ".join(words[:-1]), "ko"
    return None


@dataclass
class Conventions:
    """The configuration with the learned habits, and the settings that differ from the project's."""

    config: Config
    settings: dict[str, Any] = field(default_factory=dict)

    def week_style(self, week: "_Week", first: bool) -> IssueStyle:
        """What the week does differently from the whole archive."""
        config = self.config
        entries = week.entries
        style = IssueStyle()
        if week.heading != month_heading(week.month, config):
            style.month = week.heading
        separator = most_common(Counter(e.parsed.separator for e in entries if e.parsed.types))
        if separator is not None and separator != config.digest.separator:
            style.separator = separator
        for name, spelling in _spellings(week).items():
            if spelling != config.types[name].emoji:
                style.emoji[name] = spelling
        indent = most_common(_indents([week]))
        if indent is not None and indent != config.digest.indent:
            style.indent = indent
        before = [] if first else ["", ""] if week.opens else [""]
        gaps = dict(zip(("before",) + tuple(f"after_{kind}" for kind in week.opens), week.gaps))
        for name, lines in gaps.items():
            if lines != (before if name == "before" else []):
                setattr(style, name, lines)
        if week.open != [""]:
            style.open = week.open
        if week.close != ["</details>"]:
            style.close = week.close
        return style


def _spellings(week: "_Week") -> dict[str, str]:
    """The most frequent spelling of each type's emoji in the week."""
    counts: dict[str, Counter] = {}
    for e in week.entries:
        for name, spelling in zip(e.parsed.types, e.parsed.spellings):
            counts.setdefault(name, Counter())[spelling] += 1
    return {name: most_common(c) for name, c in counts.items()}


def _indents(weeks: Iterable["_Week"]) -> Counter:
    """How often each indentation opens an entry's summary."""
    return Counter(e.bullets[0][1] for w in weeks for e in w.entries if e.bullets and e.bullets[0][2] is not None)


class _Learner:
    def __init__(self, weeks: list["_Week"], report: Report, config: Config):
        self.weeks, self.report, self.config = weeks, report, config
        self.data = config.model_dump()
        self.settings: dict[str, Any] = {}

    def set(self, path: str, value: Any, why: str, shown: str | None = None) -> None:
        """Record a setting that differs from the project's, and say why."""
        *tables, key = path.split(".")
        target = self.data
        for t in tables:
            target = target[t]
        if target.get(key) == value:
            return
        target[key] = value
        self.settings[path] = value
        self.report.learned.append(f"{shown or f'{path} = {value!r}'} ({why})")

    def types(self) -> None:
        counts: dict[str, Counter] = {}
        for w in self.weeks:
            for e in w.entries:
                for name, spelling in zip(e.parsed.types, e.parsed.spellings):
                    counts.setdefault(name, Counter())[spelling] += 1
        for name, c in counts.items():
            best = most_common(c)
            old = self.config.types[name]
            if best != old.emoji:
                self.set(f"types.{name}.emoji", best, f"{c[best]} of {sum(c.values())} {name} entries")
                aliases = [a for a in old.aliases if a != best] + ([old.emoji] if old.emoji not in old.aliases else [])
                self.set(f"types.{name}.aliases", aliases, "the emoji of newsletter.toml is still read")
        for line in self.report.header or []:
            emoji, sep, label = line.partition(": ")
            found = split_spellings(emoji, self.config) if sep and emoji and not emoji[:1].isascii() else None
            if found and len(found) == 1:
                self.set(f"types.{found[0][0]}.label", label, "the legend")

    def separator(self) -> None:
        c = Counter(e.parsed.separator for w in self.weeks for e in w.entries if e.parsed.types)
        if c:
            best = most_common(c)
            self.set("digest.separator", best, f"after the type emoji of {c[best]} of {sum(c.values())} entries")

    def indent(self) -> None:
        c = _indents(self.weeks)
        if c:
            best = most_common(c)
            self.set("digest.indent", best, f"{c[best]} of {sum(c.values())} summaries")

    def months(self) -> None:
        languages: Counter = Counter()
        emoji: dict[int, Counter] = {}
        for w in self.weeks:
            found = month_of(w.heading)
            if found:
                month, mark, language = found
                languages[language] += 1
                emoji.setdefault(month, Counter())[mark] += 1
        if languages:
            best = most_common(languages)
            if best != self.config.labels:
                self.set("label_language", best, f"month headings of {languages[best]} of {sum(languages.values())} weeks")
        changed = {m: most_common(c) for m, c in sorted(emoji.items()) if most_common(c) and most_common(c) != self.config.month_emoji.get(m)}
        if changed:
            months = {**self.config.month_emoji, **changed}
            shown = ", ".join(f"month_emoji.{m} = {e!r}" for m, e in changed.items())
            self.set("month_emoji", {str(m): e for m, e in sorted(months.items())}, "most headings of these months", shown)

    def order(self) -> None:
        steps = Counter((b.year, b.month) > (a.year, a.month) for a, b in zip(self.weeks, self.weeks[1:]) if (a.year, a.month) != (b.year, b.month))
        if steps[False] > steps[True]:
            self.set("digest.order", "newest-first", f"{steps[False]} of {sum(steps.values())} months follow a later one")

    def around(self, config: Config) -> None:
        """The header, unless it is the legend this configuration writes; the footer."""
        legend = [f"{t.emoji}: {t.label}" for t in config.types.values()] + ["", "---"]
        header = self.report.header if self.report.header is not None else []
        if header != legend:
            if header:
                self.report.warn(1, f"lines 1-{len(header)} before the first year kept verbatim as the digest's header")
            self.set("digest.header", "\n".join(header), "the lines before the first year", f"digest.header = {len(header)} lines")
        footer = self.report.footer
        if footer:
            self.set("digest.footer", "\n".join(footer), "the lines after the last week", f"digest.footer = {len(footer)} lines")


def learn(weeks: list["_Week"], report: Report, config: Config) -> Conventions:
    """Learn the archive's habits; the report lists each learned setting."""
    learner = _Learner(weeks, report, config)
    learner.types()
    learner.separator()
    learner.indent()
    learner.months()
    learner.order()
    learner.around(Config.model_validate(learner.data))
    return Conventions(Config.model_validate(learner.data), learner.settings)
