"""The output formats of ``check`` (text with the quoted line, JSON, GitHub annotations) and the rule catalogue."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from typing import Iterator

from newsletter.config import Config
from newsletter.errors import Diagnostic
from newsletter.load import Source
from newsletter.rules import Rule, all_rules

# characters of a long source line quoted around a finding's column
EXCERPT_WIDTH = 120


def _width(text: str) -> int:
    """Terminal columns taken by ``text`` (Hangul and other wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def excerpt(line: str, column: int, width: int = EXCERPT_WIDTH) -> tuple[str, str]:
    """About ``width`` characters of ``line`` around ``column`` (1-based), cut ends marked with …;
    and the part of the excerpt before the column, under which the caret goes."""
    at = min(max(column - 1, 0), len(line))
    if len(line) <= width:
        return line, line[:at]
    start = max(0, min(at - width // 2, len(line) - width))
    end = start + width
    head = "…" if start > 0 else ""
    shown = head + line[start:end] + ("…" if end < len(line) else "")
    return shown, head + line[start:at]


def format_text(diags: list[Diagnostic], sources: dict[str, Source]) -> Iterator[str]:
    """Each finding with its source line and a caret under the column, then the fix."""
    for d in diags:
        yield str(d)
        source = sources.get(d.file)
        line = source.line(d.line) if source else ""
        if line:
            gutter = " " * len(str(d.line))
            shown, before = excerpt(line, d.column)
            yield f" {d.line} | {shown}"
            yield f" {gutter} | {' ' * _width(before)}^"
            if d.fix is not None:
                unsafe = " (with --unsafe-fixes)" if d.fix.unsafe else ""
                yield f" {gutter} = fix{unsafe}: {d.fix.description or 'replace with ' + d.fix.text}"


def summary_line(diags: list[Diagnostic], files: int) -> str:
    """'2 errors, 3 warnings in 4 files (1 fixable with --fix)' or a clean bill."""
    if not diags:
        return f"No problems found in {files} file{'s' * (files != 1)}."
    counts = Counter(d.severity for d in diags)
    parts = [f"{counts[s]} {s}{'s' * (counts[s] != 1)}" for s in ("error", "warning", "info") if counts[s]]
    fixable = sum(d.fix is not None and not d.fix.unsafe for d in diags)
    unsafe = sum(d.fix is not None and d.fix.unsafe for d in diags)
    more = f", {unsafe} more with --unsafe-fixes" if unsafe else ""
    in_files = len({d.file for d in diags})
    return f"Found {', '.join(parts)} in {in_files} file{'s' * (in_files != 1)} ({fixable} fixable with --fix{more})."


def format_json(diags: list[Diagnostic]) -> str:
    keys = ("file", "line", "column", "severity", "rule", "message")
    rows = [{**{k: getattr(d, k) for k in keys}, "fixable": d.fix is not None} for d in diags]
    return json.dumps(rows, ensure_ascii=False, indent=2)


def _escape(text: str, *, prop: bool = False) -> str:
    """Escape for a GitHub workflow command: % CR LF always, and : , in properties."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def format_github(diags: list[Diagnostic]) -> Iterator[str]:
    for d in diags:
        level = {"info": "notice"}.get(d.severity, d.severity)
        props = f"file={_escape(d.file, prop=True)},line={d.line},col={d.column},title={_escape(d.rule, prop=True)}"
        yield f"::{level} {props}::{_escape(d.message)}"


def _severity(rule: Rule, config: Config) -> str:
    """The rule's default severity, and the configured one when it differs."""
    level = config.check.rules.get(rule.name)
    return rule.severity if level in (None, rule.severity) else f"{rule.severity} → {level}"


def format_rules(config: Config) -> Iterator[str]:
    """The catalogue: name, default severity (and the configured one), fix (safe or unsafe), description."""
    rules = all_rules()
    width = max(map(len, rules))
    yield f"{'rule':<{width}}  {'severity':<18}  {'fix':<6}  description"
    for r in rules.values():
        yield f"{r.name:<{width}}  {_severity(r, config):<18}  {r.fix or '':<6}  {r.description}"


def format_rule(rule: Rule, config: Config) -> Iterator[str]:
    """One rule's documentation: what it finds, why it matters, an example, its fix."""
    fix = {"safe": "safe: `check --fix` applies it", "unsafe": "unsafe (a guess): `check --unsafe-fixes` applies it"}
    yield f"{rule.name} ({_severity(rule, config)})"
    yield ""
    yield f"What it finds: {rule.description}."
    yield f"Why it matters: {rule.why}"
    yield f"Fix: {fix[rule.fix] if rule.fix else 'none; fix it by hand'}"
    yield "Example:"
    yield from ("    " + line for line in rule.example.splitlines())


def rules_table() -> str:
    """The README's rule table, made from the registry."""
    rows = ["| rule | severity | fix | what it finds |", "|---|---|---|---|"]
    rows += [f"| `{r.name}` | {r.severity} | {r.fix or ''} | {r.description.replace('<', '&lt;')} |" for r in all_rules().values()]
    return "\n".join(rows) + "\n"
