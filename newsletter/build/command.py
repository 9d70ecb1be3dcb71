"""``newsletter build`` and ``preview``: render what changed, write the changed files, serve an email."""

from __future__ import annotations

import functools
import http.server
import sys
import time
from pathlib import Path

from newsletter import ledger
from newsletter.build.plan import Build, render_build, write_build
from newsletter.config import CONFIG_NAME
from newsletter.errors import NewsletterError, UsageError
from newsletter.outputs import issue_paths, output_dir
from newsletter.project import Project

WATCH_INTERVAL = 1.0


def build(project: Project, out: Path, layout: str | None = None) -> Build:
    """Render and write what changed; warnings go to stderr."""
    project.warn_skipped()
    done = render_build(project, out, layout)
    written = write_build(done)
    for warning in done.warnings:
        print(f"newsletter: {warning}", file=sys.stderr)
    for issue_id in ledger.changed(project.root, done.digests):
        print(f"newsletter: {issue_id} changed since it was published; `newsletter publish {issue_id}` records "
              "the update for feed readers", file=sys.stderr)
    print(f"built {done.outputs} files into {project.display(out)} ({len(written)} changed; "
          f"issues rendered {done.rendered}, from cache {done.reused})")
    return done


def watch(root: Path, out: Path, layout: str | None) -> int:
    """Rebuild whenever an issue, the config or a template changes; stop with Ctrl-C."""
    state: dict[Path, tuple[int, int]] | None = None
    print("watching for changes; press Ctrl-C to stop")
    while True:
        now = _sources(root)
        if now != state:
            state = now
            try:
                build(Project(root), out, layout)
            except NewsletterError as e:
                print(f"newsletter: {e}", file=sys.stderr)
        time.sleep(WATCH_INTERVAL)


def _sources(root: Path) -> dict[Path, tuple[int, int]]:
    """(mtime, size) of every file a build reads."""
    project = Project(root)
    paths = [root / CONFIG_NAME, *project.issue_files(), *project.templates_dir.rglob("*")]
    stats = {}
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue
        stats[p] = (st.st_mtime_ns, st.st_size)
    return stats


def preview(project: Project, issue_id: str, port: int) -> int:
    """Build, then serve the email of ``issue_id`` on 127.0.0.1 until Ctrl-C: only the output's ``email/`` folder."""
    try:
        project.config.periods.span(issue_id)  # an id, never a path
    except ValueError as e:
        raise UsageError(f"argument ID: {e}") from None
    out = output_dir(project.root, None)
    build(project, out)
    page = issue_paths(out, issue_id)["email"]
    if not page.is_file():
        raise NewsletterError(f"no issue {issue_id}; the issue files are in {project.display(project.issues_dir)}")
    handler = functools.partial(_QuietHandler, directory=str(page.parent))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        raise NewsletterError(f"cannot listen on 127.0.0.1:{port}: {e.strerror or e}; try --port") from None
    with server:
        print(f"serving http://127.0.0.1:{port}/{page.name} ; press Ctrl-C to stop")
        server.serve_forever()
    return 0


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass
