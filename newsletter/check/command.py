"""``newsletter check`` and ``newsletter rules``: report, fix or list."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from newsletter.check.fix import fix_all, unified_diff
from newsletter.check.formats import format_github, format_json, format_rule, format_rules, format_text, summary_line
from newsletter.check.runner import Loaded, archive_files, failing, known_rule, load_all, rule_levels, run_rules
from newsletter.errors import Diagnostic
from newsletter.errors import NewsletterError
from newsletter.fsio import rewrite, with_bom
from newsletter.load import Source, read_text
from newsletter.project import Project
from newsletter.rules import entry_links


def _names(value: str | None) -> list[str] | None:
    return [n.strip() for n in value.split(",") if n.strip()] if value else None


def exit_status(diags: list[Diagnostic], strict: bool) -> int:
    return 1 if failing(diags, strict) else 0


def run(project: Project, args: argparse.Namespace) -> int:
    """Entry point of ``newsletter check`` and ``newsletter rules``."""
    if args.command == "rules" and args.name:
        print("\n".join(format_rule(known_rule(args.name), project.config)))
        return 0
    if args.command == "rules" or args.list_rules:
        print("\n".join(format_rules(project.config)))
        return 0
    levels = rule_levels(project.config, _names(args.select), _names(args.ignore))
    paths = [Path(p) for p in args.paths] or None
    fixing = args.fix or args.unsafe_fixes
    unwritten = 0
    if paths is None:
        project.warn_skipped()
    if not (fixing or args.diff or args.online or args.since):
        from newsletter.check import pool

        files, targets = archive_files(project, paths)
        if (workers := pool.workers_for(len(files))) >= 2:
            diags = pool.check(project, files, targets, levels, workers)
            _report(diags, args.format, _sources(project, files, diags), len(targets))
            return exit_status(diags, args.strict)
    loaded, targets = load_all(project, paths)
    if args.since:
        targets = {p for p in targets if (doc := loaded[p][0]).issue is None or doc.issue.date >= args.since}
    online = _online(project, loaded, targets, args.refresh) if args.online else None
    if fixing or args.diff:
        result = fix_all(project.config, loaded, targets, levels, unsafe=args.unsafe_fixes, online=online)
        for path, reason in sorted(result.refused.items()):
            print(f"{project.display(path)}: not fixed: the fixed file would not load ({reason})", file=sys.stderr)
        if args.diff:
            sys.stdout.writelines(unified_diff(result, loaded))
            return 1 if result.changed else 0
        unwritten = _write_fixes(project, result.changed, loaded)
        fixed = len(result.changed) - unwritten
        print(f"Fixed {fixed} file{'s' * (fixed != 1)}.", file=sys.stderr)
    diags = run_rules(project.config, loaded, targets, levels, online)
    _report(diags, args.format, {doc.source.display: doc.source for doc, _ in loaded.values()}, len(targets))
    return 1 if unwritten else exit_status(diags, args.strict)


def _write_fixes(project: Project, changed: dict[Path, tuple[str, str]], loaded: Loaded) -> int:
    """Write each fixed file (a refused one, read-only or linked out of the project, is named); how many were not."""
    unwritten = 0
    for path, (_, new) in changed.items():
        display = loaded[path][0].source.display
        try:
            rewrite(path, with_bom(path, new), project.root, display)
        except NewsletterError as e:
            print(f"newsletter: {e}", file=sys.stderr)
            unwritten += 1
    return unwritten


def _online(project: Project, loaded: Loaded, targets: set[Path], refresh: bool) -> dict:
    """The health of every web link in ``targets``, from the cache or the network."""
    from newsletter.build.cache import CACHE_DIR
    from newsletter.links.health import HealthCache, check_links
    from newsletter.urls import web_parts

    links = {
        link.url
        for path in targets if (doc := loaded[path][0]).issue is not None
        for i, entry in enumerate(doc.issue.entries) for link in entry_links(doc, i, entry)
        if web_parts(link.url) is not None
    }
    cache = HealthCache(project.root / CACHE_DIR, project.config.fetch.cache_hours)
    return check_links(links, project.config, cache, refresh)


def _sources(project: Project, files: list[Path], diags: list[Diagnostic]) -> dict[str, Source]:
    """The text of each file with a finding, read again for quoting its lines."""
    named = {d.file for d in diags}
    sources = {}
    for path in files:
        if (display := project.display(path)) in named:
            text, _ = read_text(path, display, project.root)
            sources[display] = Source(path, display, text or "")
    return sources


def _report(diags: list[Diagnostic], fmt: str, sources: dict[str, Source], files: int) -> None:
    """Print the diagnostics; a reader that stops early (``check | head``) leaves the exit status to tell."""
    try:
        _print(diags, fmt, sources, files)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _print(diags: list[Diagnostic], fmt: str, sources: dict[str, Source], files: int) -> None:
    if fmt == "json":
        print(format_json(diags))
    elif fmt == "github":
        for line in format_github(diags):
            print(line)
    else:
        for line in format_text(diags, sources):
            print(line)
        print(summary_line(diags, files))
