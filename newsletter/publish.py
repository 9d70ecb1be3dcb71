"""``newsletter publish``: check an issue, build with it published, and record when it went out."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from dateutil import tz

from newsletter.build.plan import render_build, write_build
from newsletter.check.runner import collect, failing
from newsletter.errors import NewsletterError
from newsletter.fsio import atomic_write
from newsletter.load import LoadedIssue, load_issue, load_issue_text
from newsletter.outputs import ARCHIVE, ISSUE, archive_paths, issue_paths, output_dir
from newsletter.project import Project

Clock = Callable[[], dt.datetime]


def choose(project: Project, issue_id: str | None) -> LoadedIssue:
    """The issue named ``issue_id``, else the latest one not yet published."""
    if issue_id is not None:
        for path in project.issue_files():
            if path.stem == issue_id:
                loaded, _ = load_issue(path, project.display(path))
                return loaded
        raise NewsletterError(f"no issue {issue_id}; expected {project.display(project.issue_path(issue_id))}")
    pending = [i for i in project.valid_issues() if i.issue.published is None]
    if not pending:
        raise NewsletterError("every issue is already published; create the next one with 'newsletter new'")
    return pending[-1]


def refuse_on_errors(project: Project, loaded: LoadedIssue) -> None:
    """List the check errors of the issue on stderr and stop when there are any."""
    errors = failing(collect(project, [loaded.path]))
    if not errors:
        return
    for d in errors:
        print(d, file=sys.stderr)
    s = "s" if len(errors) > 1 else ""
    raise NewsletterError(f"not published: {len(errors)} error{s} in {loaded.id}; fix them and publish again")


def timestamp(now: dt.datetime, zone: str) -> str:
    """``now`` in the configured time zone as ISO 8601 with its offset, to the second."""
    return now.astimezone(tz.gettz(zone)).replace(microsecond=0).isoformat()


def with_published(loaded: LoadedIssue, stamp: str) -> str:
    """The issue file's text with ``published: <stamp>`` right after ``date:``; nothing else changes."""
    source = loaded.source
    raw = loaded.path.read_bytes().decode("utf-8")  # keeps a byte-order mark where it was
    lines = raw.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in raw else "\n"
    key, value, found = source.node(("published",))
    if not found:
        key, value, found = source.node(("date",))
    if not found or key is None or value is None or key.start_mark.column != 0:
        line, col = source.position(("date",), key=True)
        raise NewsletterError("cannot record the publish time: write `date:` as a top-level line of its own", source.display, line, col)
    record = f"published: {stamp}{newline}"
    if key.value == "published":
        lines[key.start_mark.line] = record  # an empty `published:` an editor left in the file
    else:
        # a value ending at column 0 ended on the line before (a block scalar's last newline)
        after = value.end_mark.line + (1 if value.end_mark.column else 0)
        if after == len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        lines.insert(after, record)
    return "".join(lines)


def publish(project: Project, issue_id: str | None, out: Path, clock: Clock | None = None) -> int:
    """Check, build with the issue published, then record the time in its file; a no-op when already done."""
    loaded = choose(project, issue_id)
    if loaded.issue is not None and loaded.issue.published is not None:
        print(f"{loaded.id} was published at {loaded.issue.published.isoformat()}; nothing to do")
        return 0
    refuse_on_errors(project, loaded)
    stamp = timestamp((clock or _now)(), project.config.timezone)
    text = with_published(loaded, stamp)
    recorded, _ = load_issue_text(text, loaded.path, loaded.source.display)
    if recorded.issue is None or recorded.issue.published is None:
        raise NewsletterError("cannot record the publish time in this file; add `published:` after `date:` by hand", loaded.source.display)
    build = render_build(project, out, sources={loaded.path: text.encode("utf-8")})
    try:
        atomic_write(loaded.path, text.encode("utf-8"))
    except BaseException:
        build.staging.abort()
        raise
    write_build(build)
    for warning in build.warnings:
        print(f"newsletter: {warning}", file=sys.stderr)
    print(f"published {loaded.id} at {stamp} (recorded in {loaded.source.display})")
    paths = {**issue_paths(out, loaded.id), **archive_paths(project.root, out, project.config)}
    for output in (*ISSUE, *ARCHIVE):
        print(f"  {output.name + ':':<9}{project.display(paths[output.name])}  ({output.what})")
    return 0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def run(project: Project, args: argparse.Namespace) -> int:
    """Entry point of ``newsletter publish``."""
    return publish(project, args.id, output_dir(project.root, args.out))
