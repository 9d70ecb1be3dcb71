"""Running the rules over loaded issue files: rule levels, ``# noqa``, per-file and archive-wide findings."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from newsletter.config import Config
from newsletter.errors import Diagnostic, NewsletterError, Severity, UsageError
from newsletter.load import LoadedIssue, Source, did_you_mean, load_issue
from newsletter.project import Project
from newsletter.rules import Context, FileFacts, Finding, Rule, all_rules, entry_links, issue_links
from newsletter.rules.duplicates import entry_facts
from newsletter.rules.text import org_uses

# rule name -> severity to report it with; None keeps the rule's (or the finding's) own
Levels = dict[str, Severity | None]
Loaded = dict[Path, tuple[LoadedIssue, list[Diagnostic]]]

_NOQA = re.compile(r"(?:^|\s)(#)\s*noqa\b(?::\s*([\w\-]+(?:\s*,\s*[\w\-]+)*))?", re.I | re.M)
_ALL = "*"


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


def known_rule(name: str) -> Rule:
    """The rule ``name``; a usage error naming the closest one when there is none."""
    rules = all_rules()
    if name not in rules:
        raise UsageError(_unknown_rule(name, rules, "the command line"))
    return rules[name]


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
    return {path: load_issue(path, project.display(path), project.root) for path in files}, targets


@dataclass
class NoqaMap:
    """The ``# noqa`` comments of one file, applied to the whole entry they sit in."""

    codes: dict[int, set[str]]
    entry_spans: list[tuple[int, int]]
    lines: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = sorted(self.codes)

    @classmethod
    def of(cls, doc: LoadedIssue) -> "NoqaMap":
        source = doc.source
        if source.root is None or not re.search("noqa", source.text, re.I):
            return _NO_NOQA
        codes: dict[int, set[str]] = {}
        scalars = _scalar_spans(source.root)
        starts = [a for a, _ in scalars]
        for m in _NOQA.finditer(source.text):
            at = m.start(1)
            # only a YAML comment may carry it: text inside a value (a quoted title, a URL, a block) is content
            k = bisect.bisect_right(starts, at) - 1
            if k >= 0 and scalars[k][0] <= at < scalars[k][1]:
                continue
            # numbered as diagnostics are (see Source.line_column), not as str.splitlines would
            line = source.line_column(at)[0]
            codes.setdefault(line, set()).update({c.strip() for c in m[2].split(",")} if m[2] else {_ALL})
        return cls(codes, _entry_spans(source)) if codes else _NO_NOQA

    def silences(self, rule: str, line: int) -> bool:
        """Whether a ``# noqa`` in the entry around ``line`` names ``rule`` (or no rule); errors of the loader,
        which stop a build, are never silenced."""
        if not self.codes or (r := all_rules().get(rule)) is None or r.scope == "loader":
            return False
        k = bisect.bisect_right(self.entry_spans, (line, float("inf"))) - 1
        first, last = self.entry_spans[k] if k >= 0 and self.entry_spans[k][0] <= line <= self.entry_spans[k][1] else (line, line)
        lines = self.lines[bisect.bisect_left(self.lines, first) : bisect.bisect_right(self.lines, last)]
        return any(rule in self.codes[n] or _ALL in self.codes[n] for n in lines)


def _scalar_spans(root: yaml.Node) -> list[tuple[int, int]]:
    """Start and end offsets of every scalar (key or value) in the document, in order."""
    spans: list[tuple[int, int]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            spans.append((node.start_mark.index, node.end_mark.index))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(spans)


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
    for link in issue_links(doc) if scopes["link"] and doc.issue is not None else ():
        for r in scopes["link"]:
            for f in r.func(ctx, link):
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
            found.append(_diagnostic(doc.source.display, line, col, r, f))
    return list(_effective(found, NoqaMap.of(doc), levels))


def _diagnostic(display: str, line: int, column: int, rule: Rule, finding: Finding) -> Diagnostic:
    """A rule's finding as a diagnostic; the fix of a rule whose fixes are guesses is marked unsafe."""
    fix = finding.fix
    if fix is not None and rule.fix == "unsafe" and not fix.unsafe:
        fix = dataclasses.replace(fix, unsafe=True)
    return Diagnostic(display, line, column, rule.name, finding.message, finding.severity or rule.severity, fix)


def file_facts(doc: LoadedIssue) -> FileFacts:
    """What the archive-wide rules need of a valid issue."""
    assert doc.issue is not None
    return FileFacts(doc.path, doc.source.display, (doc.issue.date, doc.id), entry_facts(doc))


def archive_context(config: Config, docs: Iterable[LoadedIssue], online: dict | None = None) -> Context:
    """The context of a check of ``docs``, the whole archive (and the links' health, online)."""
    return Context(config, sum((org_uses(d) for d in docs if d.issue is not None), Counter()), online)


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
        if doc.issue is None:
            # a file that does not load cannot be built: what stops it is an error whatever the levels
            out.extend(load_diags)
            found = []
        if doc.source.root is not None:
            for r, f in _findings(ctx, scopes, doc):
                line, col = _position(doc.source, f)
                found.append(_diagnostic(doc.source.display, line, col, r, f))
        out.extend(_effective(found, noqa, levels))
    return out, maps


def build_levels(config: Config) -> Levels:
    """The rules a build applies too (those marked ``build``), at their configured levels."""
    rules = all_rules()
    return {name: level for name, level in rule_levels(config).items() if rules[name].build}


def failing(diags: Iterable[Diagnostic], strict: bool = False) -> list[Diagnostic]:
    """What fails a check and stops a build or a publish: the errors, and with ``strict`` the warnings too."""
    severities = ("error", "warning") if strict else ("error",)
    return [d for d in diags if d.severity in severities]


def check_archive(ctx: Context, files: list[FileFacts], targets: set[Path], levels: Levels,
                  maps: dict[Path, NoqaMap]) -> list[Diagnostic]:
    """Findings of the archive-wide rules in ``targets``, given the facts of every valid file."""
    files = sorted(files, key=lambda f: (f.order, str(f.path)))
    out: list[Diagnostic] = []
    for r in _by_scope(all_rules()[name] for name in levels)["archive"]:
        for f, finding in r.func(ctx, files):
            if f.path in targets:
                line, col = f.position(finding.path)
                d = _diagnostic(f.display, line, col, r, finding)
                out.extend(_effective([d], maps.get(f.path, _NO_NOQA), levels))
    return out


def _effective(found: list[Diagnostic], noqa: NoqaMap, levels: Levels) -> Iterator[Diagnostic]:
    """The diagnostics no ``# noqa`` silences, at their configured severity."""
    for d in found:
        if not noqa.silences(d.rule, d.line):
            d.severity = levels[d.rule] or d.severity
            yield d


def run_rules(config: Config, loaded: Loaded, targets: set[Path], levels: Levels, online: dict | None = None) -> list[Diagnostic]:
    """Every finding in ``targets`` (loader diagnostics included) with effective severities, sorted."""
    ctx = archive_context(config, (doc for doc, _ in loaded.values()), online)
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
