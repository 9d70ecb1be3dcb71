"""Applying the fixes of findings to the text of issue files, and showing them as a diff."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from newsletter.check.runner import Levels, Loaded, run_rules
from newsletter.config import Config
from newsletter.errors import Fix
from newsletter.load import load_issue_text

# fixes may overlap (one URL with several problems): apply what fits, re-check, repeat
MAX_FIX_PASSES = 8


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


def fix_all(config: Config, loaded: Loaded, targets: set[Path], levels: Levels, *, unsafe: bool = False,
            online: dict | None = None) -> FixResult:
    """Apply the safe fixes (and the unsafe ones if asked) in memory until none is left; a file whose result
    does not load is refused."""
    by_display = {doc.source.display: path for path, (doc, _) in loaded.items()}
    originals = {path: loaded[path][0].source.text for path in targets}
    refused: dict[Path, str] = {}
    for _ in range(MAX_FIX_PASSES):
        fixes: dict[Path, list[Fix]] = {}
        for d in run_rules(config, loaded, targets - set(refused), levels, online):
            if d.fix is not None and (unsafe or not d.fix.unsafe):
                fixes.setdefault(by_display[d.file], []).append(d.fix)
        if not fixes:
            break
        for path, file_fixes in fixes.items():
            doc = loaded[path][0]
            new_doc, diags = load_issue_text(apply_fixes(doc.source.text, file_fixes), path, doc.source.display)
            if new_doc.issue is None and doc.issue is not None:
                refused[path] = diags[0].message if diags else "the fixed file would not load"
            else:
                loaded[path] = (new_doc, diags)
    changed = {p: (old, loaded[p][0].source.text) for p, old in originals.items() if loaded[p][0].source.text != old}
    return FixResult(changed, refused)


def unified_diff(result: FixResult, loaded: Loaded) -> Iterator[str]:
    for path, (old, new) in sorted(result.changed.items()):
        name = loaded[path][0].source.display
        yield from difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{name}", f"b/{name}")
