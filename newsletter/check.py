"""``newsletter check`` and ``newsletter rules``: run the rule catalogue over issue files."""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from newsletter.config import Config
from newsletter.errors import Diagnostic, Fix, NewsletterError, Severity, UsageError
from newsletter.fsio import atomic_write
from newsletter.load import LoadedIssue, Source, did_you_mean, load_issue, load_issue_text, read_text
from newsletter.project import Project
from newsletter.rules import Context, FileFacts, Finding, Rule, all_rules, entry_links
from newsletter.rules.duplicates import entry_facts
from newsletter.rules.text import org_uses

# rule name -> severity to report it with; None keeps the rule's (or the finding's) own
Levels = dict[str, Severity | None]
Loaded = dict[Path, tuple[LoadedIssue, list[Diagnostic]]]

_NOQA = re.compile(r"(?:^|\s)#\s*noqa\b(?::\s*([\w\-]+(?:\s*,\s*[\w\-]+)*))?", re.I)
_ALL = "*"
# fixes may overlap (one URL with several problems): apply what fits, re-check, repeat
MAX_FIX_PASSES = 8
# characters of a long source line quoted around a finding's column
EXCERPT_WIDTH = 120


def rule_levels(config: Config, select: list[str] | None = None, ignore: list[str] | None = None) -> Levels:
    """The rules to run and their severities, from ``[check.rules]``, ``--select`` and ``--ignore``."""
    rules = all_rules()
    for name in config.check.rules:
        if name not in rules:
            raise NewsletterError(_unknown_rule(name, rules, "newsletter.toml [check.rules]"))
    for name in (select or []) + (ignore or []):
        if name not in rules:
            raise UsageError(_unknown_rule(name, rules, "--select/--ignore"))
    levels: Levels = {}
    for name in rules:
        level = config.check.rules.get(name)
        if level == "off" or (select and name not in select) or name in (ignore or []):
            continue
        levels[name] = level  # type: ignore[assignment]
    return levels


def _unknown_rule(name: str, rules: dict[str, Rule], where: str) -> str:
    return f"unknown rule '{name}' in {where}{did_you_mean(name, list(rules))}; `newsletter rules` lists them"


def archive_files(project: Project, paths: list[Path] | None) -> tuple[list[Path], set[Path]]:
    """The whole archive (for cross-issue rules) plus ``paths``, sorted, and the files to report on."""
    for p in paths or []:
        if not (p.exists() or p.is_symlink()):
            raise NewsletterError(f"no such file or folder: {p}")
    targets = set(project.issue_files(paths))
    return sorted(set(project.issue_files()) | targets), targets


def load_all(project: Project, paths: list[Path] | None) -> tuple[Loaded, set[Path]]:
    """Load the whole archive plus ``paths``; return it and the files to report on."""
    files, targets = archive_files(project, paths)
    return {path: load_issue(path, project.config, project.display(path)) for path in files}, targets


@dataclass
class NoqaMap:
    """The ``# noqa`` comments of one file, applied to the whole entry they sit in."""

    codes: dict[int, set[str]]
    entry_spans: list[tuple[int, int]]

    @classmethod
    def of(cls, doc: LoadedIssue) -> "NoqaMap":
        source = doc.source
        codes: dict[int, set[str]] = {}
        # numbered as diagnostics are (see Source.line_column), not as str.splitlines would
        for n in sorted({source.line_column(at.start())[0] for at in re.finditer("noqa", source.text, re.I)}):
            if m := _NOQA.search(source.line(n)):
                codes[n] = {c.strip() for c in m[1].split(",")} if m[1] else {_ALL}
        return cls(codes, _entry_spans(source) if codes else [])

    def silences(self, rule: str, line: int) -> bool:
        """Whether a ``# noqa`` in the entry around ``line`` names ``rule`` (or no rule)."""
        if not self.codes:
            return False
        first, last = next(((a, b) for a, b in self.entry_spans if a <= line <= b), (line, line))
        return any(rule in c or _ALL in c for n, c in self.codes.items() if first <= n <= last)


_NO_NOQA = NoqaMap({}, [])


def _entry_spans(source: Source) -> list[tuple[int, int]]:
    """1-based first and last line of every entry, comments on its last line included."""
    _, entries, found = source.node(("entries",))
    if not found or not isinstance(entries, yaml.SequenceNode):
        return []
    text, spans = source.text, []
    for node in entries.value:
        end = node.end_mark.index
        while end > 0 and text[end - 1].isspace():
            end -= 1
        spans.append((source.line_column(node.start_mark.index)[0], source.line_column(end)[0]))
    return spans


def _position(source: Source, finding: Finding) -> tuple[int, int]:
    """Line and column of a finding: its needle inside the value when given, else the value."""
    span = source.span(finding.path) if finding.needle else None
    at = source.text.find(finding.needle, *span) if span and finding.needle else -1
    return source.line_column(at) if at >= 0 else source.position(finding.path)


def _by_scope(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    scopes: dict[str, list[Rule]] = {"issue": [], "entry": [], "link": [], "archive": []}
    for r in rules:
        if r.scope in scopes:
            scopes[r.scope].append(r)
    return scopes


def _findings(ctx: Context, scopes: dict[str, list[Rule]], doc: LoadedIssue) -> Iterator[tuple[Rule, Finding]]:
    """Run the per-file rules over one loaded issue, in one walk over its entries and their links."""
    for r in scopes["issue"] if doc.issue is not None else ():
        for f in r.func(ctx, doc):
            yield r, f
    for i, entry in doc.entries():
        for r in scopes["entry"]:
            for f in r.func(ctx, doc, i, entry):
                yield r, f
        for link in entry_links(doc, i, entry) if scopes["link"] else ():
            for r in scopes["link"]:
                for f in r.func(ctx, link):
                    yield r, f


def entry_diagnostics(config: Config, doc: LoadedIssue, index: int) -> list[Diagnostic]:
    """The findings of the entry and link rules about entry ``index`` of ``doc``, at configured severities."""
    levels = rule_levels(config)
    scopes = _by_scope(all_rules()[name] for name in levels)
    only = {"issue": [], "entry": scopes["entry"], "link": scopes["link"], "archive": []}
    ctx = archive_context(config, [doc])
    found = []
    for r, f in _findings(ctx, only, doc):
        if len(f.path) > 1 and f.path[1] == index:
            line, col = _position(doc.source, f)
            found.append(Diagnostic(doc.source.display, line, col, r.name, f.message, f.severity or r.severity, f.fix))
    return list(_effective(found, NoqaMap.of(doc), levels))


def file_facts(doc: LoadedIssue) -> FileFacts:
    """What the archive-wide rules need of a valid issue."""
    assert doc.issue is not None
    return FileFacts(doc.path, doc.source.display, (doc.issue.date, doc.id), entry_facts(doc))


def archive_context(config: Config, docs: Iterable[LoadedIssue]) -> Context:
    """The context of a check of ``docs``, the whole archive."""
    return Context(config, sum((org_uses(d) for d in docs if d.issue is not None), Counter()))


def check_files(ctx: Context, docs: Iterable[tuple[LoadedIssue, list[Diagnostic]]], levels: Levels) -> tuple[list[Diagnostic], dict[Path, NoqaMap]]:
    """Loader and per-file findings of ``docs`` with effective severities, and the ``# noqa`` maps in use."""
    scopes = _by_scope(all_rules()[name] for name in levels)
    out: list[Diagnostic] = []
    maps: dict[Path, NoqaMap] = {}
    for doc, load_diags in docs:
        noqa = NoqaMap.of(doc)
        if noqa.codes:
            maps[doc.path] = noqa
        found: list[Diagnostic] = [d for d in load_diags if d.rule in levels]
        if doc.source.root is not None:
            for r, f in _findings(ctx, scopes, doc):
                line, col = _position(doc.source, f)
                found.append(Diagnostic(doc.source.display, line, col, r.name, f.message, f.severity or r.severity, f.fix))
        out.extend(_effective(found, noqa, levels))
    return out, maps


def check_archive(ctx: Context, files: list[FileFacts], targets: set[Path], levels: Levels,
                  maps: dict[Path, NoqaMap]) -> list[Diagnostic]:
    """Findings of the archive-wide rules in ``targets``, given the facts of every valid file."""
    files = sorted(files, key=lambda f: (f.order, str(f.path)))
    out: list[Diagnostic] = []
    for r in _by_scope(all_rules()[name] for name in levels)["archive"]:
        for f, finding in r.func(ctx, files):
            if f.path in targets:
                line, col = f.position(finding.path)
                d = Diagnostic(f.display, line, col, r.name, finding.message, finding.severity or r.severity, finding.fix)
                out.extend(_effective([d], maps.get(f.path, _NO_NOQA), levels))
    return out


def _effective(found: list[Diagnostic], noqa: NoqaMap, levels: Levels) -> Iterator[Diagnostic]:
    """The diagnostics no ``# noqa`` silences, at their configured severity."""
    for d in found:
        if not noqa.silences(d.rule, d.line):
            d.severity = levels[d.rule] or d.severity
            yield d


def run_rules(config: Config, loaded: Loaded, targets: set[Path], levels: Levels) -> list[Diagnostic]:
    """Every finding in ``targets`` (loader diagnostics included) with effective severities, sorted."""
    ctx = archive_context(config, (doc for doc, _ in loaded.values()))
    out, maps = check_files(ctx, (loaded[path] for path in sorted(targets)), levels)
    facts = [file_facts(doc) for doc, _ in loaded.values() if doc.issue is not None]
    out += check_archive(ctx, facts, targets, levels, maps)
    return sorted(out, key=lambda d: d.sort_key)


def collect(project: Project, paths: list[Path] | None = None, *, select: list[str] | None = None,
            ignore: list[str] | None = None) -> list[Diagnostic]:
    """All findings in ``paths`` (default: every issue) with effective severities, sorted."""
    levels = rule_levels(project.config, select, ignore)
    loaded, targets = load_all(project, paths)
    return run_rules(project.config, loaded, targets, levels)


def apply_fixes(text: str, fixes: Iterable[Fix]) -> str:
    """``text`` with the fixes spliced in from the end; a fix overlapping one already applied waits."""
    out, limit = text, len(text) + 1
    for fix in sorted(fixes, key=lambda f: (f.start, f.end), reverse=True):
        if fix.end <= limit and (fix.start, fix.end) != (limit, limit):
            out = out[: fix.start] + fix.text + out[fix.end :]
            limit = fix.start
    return out


@dataclass
class FixResult:
    """Original and fixed text of every file a fix changed, and the files left alone for safety."""

    changed: dict[Path, tuple[str, str]]
    refused: dict[Path, str]


def fix_all(config: Config, loaded: Loaded, targets: set[Path], levels: Levels) -> FixResult:
    """Apply the safe fixes in memory until none is left; a file whose result does not load is refused."""
    by_display = {doc.source.display: path for path, (doc, _) in loaded.items()}
    originals = {path: loaded[path][0].source.text for path in targets}
    refused: dict[Path, str] = {}
    for _ in range(MAX_FIX_PASSES):
        fixes: dict[Path, list[Fix]] = {}
        for d in run_rules(config, loaded, targets - set(refused), levels):
            if d.fix is not None:
                fixes.setdefault(by_display[d.file], []).append(d.fix)
        if not fixes:
            break
        for path, file_fixes in fixes.items():
            doc = loaded[path][0]
            new_doc, diags = load_issue_text(apply_fixes(doc.source.text, file_fixes), path, config, doc.source.display)
            if new_doc.issue is None and doc.issue is not None:
                refused[path] = diags[0].message if diags else "the fixed file would not load"
            else:
                loaded[path] = (new_doc, diags)
    changed = {p: (old, loaded[p][0].source.text) for p, old in originals.items() if loaded[p][0].source.text != old}
    return FixResult(changed, refused)


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
                yield f" {gutter} = fix: {d.fix.description or 'replace with ' + d.fix.text}"


def summary_line(diags: list[Diagnostic], files: int) -> str:
    """'2 errors, 3 warnings in 4 files (1 fixable with --fix)' or a clean bill."""
    if not diags:
        return f"No problems found in {files} file{'s' * (files != 1)}."
    counts = Counter(d.severity for d in diags)
    parts = [f"{counts[s]} {s}{'s' * (counts[s] != 1)}" for s in ("error", "warning", "info") if counts[s]]
    fixable = sum(d.fix is not None for d in diags)
    in_files = len({d.file for d in diags})
    return f"Found {', '.join(parts)} in {in_files} file{'s' * (in_files != 1)} ({fixable} fixable with --fix)."


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


def format_rules(config: Config) -> Iterator[str]:
    """The catalogue: name, default severity (and the configured one), fixable, description."""
    rules = all_rules()
    width = max(map(len, rules))
    yield f"{'rule':<{width}}  {'severity':<18}  fixable  description"
    for r in rules.values():
        level = config.check.rules.get(r.name)
        severity = r.severity if level in (None, r.severity) else f"{r.severity} → {level}"
        yield f"{r.name:<{width}}  {severity:<18}  {'yes' if r.fixable else 'no':<7}  {r.description}"


def unified_diff(result: FixResult, loaded: Loaded) -> Iterator[str]:
    for path, (old, new) in sorted(result.changed.items()):
        name = loaded[path][0].source.display
        yield from difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{name}", f"b/{name}")


def _names(value: str | None) -> list[str] | None:
    return [n.strip() for n in value.split(",") if n.strip()] if value else None


def exit_status(diags: list[Diagnostic], strict: bool) -> int:
    failing = {"error", "warning"} if strict else {"error"}
    return 1 if any(d.severity in failing for d in diags) else 0


def run(project: Project, args: argparse.Namespace) -> int:
    """Entry point of ``newsletter check`` and ``newsletter rules``."""
    if args.command == "rules" or args.list_rules:
        print("\n".join(format_rules(project.config)))
        return 0
    levels = rule_levels(project.config, _names(args.select), _names(args.ignore))
    paths = [Path(p) for p in args.paths] or None
    if not (args.fix or args.diff):
        from newsletter import checkpool

        files, targets = archive_files(project, paths)
        if (workers := checkpool.workers_for(len(files))) >= 2:
            diags = checkpool.check(project, files, targets, levels, workers)
            _report(diags, args.format, _sources(project, files, diags), len(targets))
            return exit_status(diags, args.strict)
    loaded, targets = load_all(project, paths)
    if args.fix or args.diff:
        result = fix_all(project.config, loaded, targets, levels)
        for path, reason in sorted(result.refused.items()):
            print(f"{project.display(path)}: not fixed: the fixed file would not load ({reason})", file=sys.stderr)
        if args.diff:
            sys.stdout.writelines(unified_diff(result, loaded))
            return 1 if result.changed else 0
        for path, (_, new) in result.changed.items():
            atomic_write(path, new)
        print(f"Fixed {len(result.changed)} file{'s' * (len(result.changed) != 1)}.", file=sys.stderr)
    diags = run_rules(project.config, loaded, targets, levels)
    _report(diags, args.format, {doc.source.display: doc.source for doc, _ in loaded.values()}, len(targets))
    return exit_status(diags, args.strict)


def _sources(project: Project, files: list[Path], diags: list[Diagnostic]) -> dict[str, Source]:
    """The text of each file with a finding, read again for quoting its lines."""
    named = {d.file for d in diags}
    sources = {}
    for path in files:
        if (display := project.display(path)) in named:
            text, _ = read_text(path, display)
            sources[display] = Source(path, display, text or "")
    return sources


def _report(diags: list[Diagnostic], fmt: str, sources: dict[str, Source], files: int) -> None:
    if fmt == "json":
        print(format_json(diags))
    elif fmt == "github":
        for line in format_github(diags):
            print(line)
    else:
        for line in format_text(diags, sources):
            print(line)
        print(summary_line(diags, files))
