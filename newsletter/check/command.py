"""``newsletter check`` and ``newsletter rules``: report, fix or list."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from newsletter.check.fix import fix_all, unified_diff
from newsletter.check.formats import format_github, format_json, format_rule, format_rules, format_text, summary_line
from newsletter.check.runner import Loaded, archive_files, failing, known_rule, load_all, rule_levels, run_rules
from newsletter.errors import Diagnostic, NewsletterError
from newsletter.fsio import rewrite, with_bom
from newsletter.load import Source, load_issue_text, read_text
from newsletter.project import Project
from newsletter.rules import entry_links


def exit_status(diags: list[Diagnostic], strict: bool) -> int:
    return 1 if failing(diags, strict) else 0


def rules(project: Project, name: str | None = None) -> int:
    """Print the rule catalogue, or the documentation of the rule ``name``."""
    if name:
        print("\n".join(format_rule(known_rule(name), project.config)))
    else:
        print("\n".join(format_rules(project.config)))
    return 0


def check(
    project: Project, paths: Sequence[Path] = (), *, format: str = "text", fix: bool = False, unsafe_fixes: bool = False,
    online: bool = False, refresh: bool = False, since: dt.date | None = None, diff: bool = False, strict: bool = False,
    select: list[str] | None = None, ignore: list[str] | None = None,
) -> int:
    """Check ``paths`` (default: the archive), print the findings in ``format`` and return the exit status;
    ``fix`` writes the safe fixes (``unsafe_fixes`` the others too), ``diff`` prints them instead."""
    levels = rule_levels(project.config, select, ignore)
    paths = [Path(p) for p in paths] or None
    fixing = fix or unsafe_fixes
    unwritten = 0
    if paths is None:
        project.warn_skipped()
    if not (fixing or diff or online or since):
        from newsletter.check import pool

        files, targets = archive_files(project, paths)
        if (workers := pool.workers_for(len(files))) >= 2:
            diags = pool.check(project, files, targets, levels, workers)
            _report(diags, format, _sources(project, files, diags), len(targets))
            return exit_status(diags, strict)
    loaded, targets = load_all(project, paths)
    if since:
        targets = {p for p in targets if (doc := loaded[p][0]).issue is None or doc.issue.date >= since}
    health = _online(project, loaded, targets, refresh) if online else None
    if fixing or diff:
        result = fix_all(project.config, loaded, targets, levels, unsafe=unsafe_fixes, online=health)
        for path, reason in sorted(result.refused.items()):
            print(f"{project.display(path)}: not fixed: the fixed file would not load ({reason})", file=sys.stderr)
        if diff:
            sys.stdout.writelines(unified_diff(result, loaded))
            return 1 if result.changed else 0
        unwritten = _write_fixes(project, result.changed, loaded)
        fixed = len(result.changed) - unwritten
        print(f"Fixed {fixed} file{'s' * (fixed != 1)}.", file=sys.stderr)
    diags = run_rules(project.config, loaded, targets, levels, health)
    _report(diags, format, {doc.source.display: doc.source for doc, _ in loaded.values()}, len(targets))
    return 1 if unwritten else exit_status(diags, strict)


def _write_fixes(project: Project, changed: dict[Path, tuple[str, str]], loaded: Loaded) -> int:
    """Write each fixed file (a refused one, read-only or linked out of the project, is named); how many were not."""
    unwritten = 0
    for path, (old, new) in changed.items():
        display = loaded[path][0].source.display
        try:
            rewrite(path, with_bom(path, new), project.root, display)
        except (NewsletterError, OSError) as e:
            why = e if isinstance(e, NewsletterError) else f"{display}: cannot write: {e.strerror or e}; the file is as it was"
            print(f"newsletter: {why}", file=sys.stderr)
            loaded[path] = load_issue_text(old, path, display)  # report the file as it still is
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
