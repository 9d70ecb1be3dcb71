"""``newsletter build`` and ``preview``: render what changed, then write the changed files.

A build hashes every issue file's bytes. An issue whose hash (with the config, the templates and
the package version) is the one its outputs were built from, and whose outputs are untouched, is
not even parsed: its part of the digest and the feeds comes from the cache. When nothing changed,
nothing is rendered at all.

No output is replaced until everything has rendered (rendered files wait beside their targets),
so a failed build leaves the previous output untouched; a file is replaced atomically and only
when its bytes change.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.cache import Store, content_key, folder_fingerprint
from newsletter.config import CONFIG_NAME
from newsletter.errors import Diagnostic, NewsletterError
from newsletter.manifest import IssueRecord, Manifest, signature
from newsletter.project import Project
from newsletter.render.templates import PACKAGE_TEMPLATES
from newsletter.staging import Staged, Staging
from newsletter.weeks import parse_issue_id

if TYPE_CHECKING:
    from newsletter.render.site import Fragment, RenderedIssue, SiteRenderer

DEFAULT_OUT = "dist"
WATCH_INTERVAL = 1.0
# the folders below the output that hold one file per issue; stale ones there are removed
PER_ISSUE = {"issues": (".md",), "email": (".html", ".txt", ".eml")}
# the signature of a file rendered but not yet written; replaced once it is
_UNWRITTEN = (0, 0, 0)


@dataclass
class Site:
    """The files a build rendered, staged but not yet in place, and the manifest to record once they are."""

    out: Path
    store: Store
    manifest: Manifest
    files: set[Path] = field(default_factory=set)
    rendered: int = 0
    staging: Staging = field(default_factory=Staging)

    def stage(self, files: dict[Path, bytes | Staged]) -> None:
        """Start writing rendered files beside their targets."""
        for path, data in files.items():
            self.staging.stage(path, data)
        self.files.update(files)

    @property
    def warnings(self) -> list[str]:
        """The size warnings of the issues, rendered now or before."""
        return [r.warning for r in self.manifest.issues.values() if r.warning]

    @property
    def reused(self) -> int:
        """How many issues were not rendered again."""
        return len(self.manifest.issues) - self.rendered

    @property
    def outputs(self) -> int:
        """How many files the build is made of, written now or before."""
        return len(self.manifest.archive) + sum(len(r.outputs) for r in self.manifest.issues.values())


def output_dir(project: Project, out: str | None) -> Path:
    """``--out`` relative to the current folder, else ``dist/`` in the project."""
    return Path(out).resolve() if out else project.root / DEFAULT_OUT


def fingerprint(project: Project, layout: str | None) -> str:
    """A hash of everything but the issues that outputs depend on: config, templates, versions, layout."""
    try:
        config = (project.root / CONFIG_NAME).read_bytes()
    except OSError:
        config = b""
    templates = folder_fingerprint([project.templates_dir, PACKAGE_TEMPLATES])
    return content_key(config, templates, version("mjml-python"), layout or "")


def _unique_ids(project: Project, paths: list[Path]) -> None:
    """Stop when two issue files have the same id (the same name in different folders)."""
    seen: dict[str, Path] = {}
    for path in paths:
        if path.stem in seen:
            raise NewsletterError(f"issue id {path.stem} is also used by {project.display(seen[path.stem])}; rename one",
                                  project.display(path), 1, 1)
        seen[path.stem] = path


def _read(path: Path) -> bytes | None:
    """The file's bytes; None when it cannot be read (loading it then says why)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def render_site(project: Project, out: Path, layout: str | None = None, sources: dict[Path, bytes] | None = None) -> Site:
    """Render what changed since the last build into ``out``; ``sources`` are issue files' bytes not yet on disk."""
    paths = project.issue_files()
    _unique_ids(project, paths)
    raw = {p: sources[p] if sources and p in sources else _read(p) for p in paths}
    fp = fingerprint(project, layout)
    keys = {str(p): content_key(fp, data) if data is not None else "" for p, data in raw.items()}
    store = Store(project.root)
    previous = Manifest.from_data(store.manifest(out))
    fresh = previous.fresh_issues(fp, keys)
    if previous.up_to_date(fp, keys, fresh):
        return Site(out, store, previous)
    # only a build that renders pays for importing the renderers
    from newsletter.render.pool import render_files
    from newsletter.render.site import SiteRenderer

    job = _Rebuild(project, SiteRenderer(project, out, layout), raw, keys, store)
    site = Site(out, store, Manifest(fp))
    try:
        job.reuse(previous, fresh, site.manifest)
        stale = [p for p in paths if p not in job.fragments]
        with store.transaction():
            for p, result in zip(stale, render_files(job.renderer, project, [job.item(p) for p in stale])):
                job.add(p, *result, site)
        job.raise_errors()
        by_id = {p.stem: p for p in paths}
        archive = job.renderer.archive([job.fragments[p] for p in paths], lambda f: job.body(by_id[f.id], site))
    except BaseException:
        site.staging.abort()
        raise
    site.stage(archive)
    site.manifest.archive = {str(path): _UNWRITTEN for path in archive}
    return site


class _Rebuild:
    """The state of a build that renders: fragments by issue file, feed bodies, load errors."""

    def __init__(self, project: Project, renderer: "SiteRenderer", raw: dict[Path, bytes | None], keys: dict[str, str], store: Store) -> None:
        self.project, self.renderer, self.raw, self.keys, self.store = project, renderer, raw, keys, store
        self.fragments: dict[Path, Fragment] = {}
        self.bodies: dict[Path, str | None] = {}
        self.errors: list[Diagnostic] = []

    def reuse(self, previous: Manifest, fresh: set[str], manifest: Manifest) -> None:
        """Take the fragments of the ``fresh`` issue files; a missing or damaged one is rendered instead."""
        from newsletter.render.site import Fragment

        reused = [p for p in self.raw if str(p) in fresh]
        stored = self.store.fragments([self.keys[str(p)] for p in reused])
        for p in reused:
            try:
                self.fragments[p] = Fragment.from_data(stored[self.keys[str(p)]])
            except (KeyError, ValueError):
                continue
            manifest.issues[str(p)] = previous.issues[str(p)]

    def item(self, path: Path) -> tuple[Path, bytes | None, str]:
        """What rendering an issue file takes: its path, its bytes and its name in messages."""
        return path, self.raw[path], self.project.display(path)

    def add(self, path: Path, errors: list[Diagnostic], rendered: "RenderedIssue | None", site: Site) -> None:
        """Take one rendered issue file into ``site``; once any file has errors, only count theirs."""
        self.errors.extend(errors)
        if rendered is None:
            return
        if self.errors:
            # what a worker already wrote is staged all the same, so that the build's abort removes it
            site.stage({p: data for p, data in rendered.files.items() if isinstance(data, Staged)})
            return
        site.stage(rendered.files)
        key = self.keys[str(path)]
        self.fragments[path], self.bodies[path] = rendered.fragment, rendered.body
        self.store.put(key, rendered.fragment.to_data(), rendered.body)
        site.manifest.issues[str(path)] = IssueRecord(key, {str(p): _UNWRITTEN for p in rendered.files}, rendered.warning)
        site.rendered += 1

    def raise_errors(self) -> None:
        """Stop the build at the first load error, counting the others."""
        if self.errors:
            first = self.errors[0]
            more = f" (and {len(self.errors) - 1} more; run 'newsletter check')" if len(self.errors) > 1 else ""
            raise NewsletterError(f"{first.message}{more}", first.file, first.line, first.column)

    def body(self, path: Path, site: Site) -> str:
        """The feed body of a published issue: rendered now, else cached, else rendered again."""
        if self.bodies.get(path) is None:
            self.bodies[path] = self.store.body(self.keys[str(path)])
        if self.bodies[path] is None:
            self.add(path, *self.renderer.file(*self.item(path)), site)
        return self.bodies[path] or ""


def write_site(site: Site) -> list[Path]:
    """Put the staged files whose bytes changed in place, drop per-issue files of deleted issues, record the manifest."""
    written = site.staging.commit()
    expected = {p for r in site.manifest.issues.values() for p in r.outputs}
    for folder, suffixes in PER_ISSUE.items():
        for path in (site.out / folder).glob("*"):
            if path.suffix in suffixes and parse_issue_id(path.stem) and str(path) not in expected:
                path.unlink()
    _record(site)
    site.store.close()
    return written


def _record(site: Site) -> None:
    """Store the manifest with the signatures of the files just rendered."""
    if not site.files:
        return
    rendered = {str(p) for p in site.files}
    for outputs in [site.manifest.archive, *(r.outputs for r in site.manifest.issues.values())]:
        for path in outputs.keys() & rendered:
            outputs[path] = signature(path) or _UNWRITTEN
    with site.store.transaction():
        site.store.put_manifest(site.out, site.manifest.to_data())
        site.store.keep_only(r.key for r in site.manifest.issues.values())


def build(project: Project, out: Path, layout: str | None = None) -> Site:
    """Render and write what changed; warnings go to stderr."""
    site = render_site(project, out, layout)
    written = write_site(site)
    for warning in site.warnings:
        print(f"newsletter: {warning}", file=sys.stderr)
    print(f"built {site.outputs} files into {project.display(out)} ({len(written)} changed; "
          f"issues rendered {site.rendered}, from cache {site.reused})")
    return site


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
    """Build, then serve the email of ``issue_id`` on 127.0.0.1 until Ctrl-C."""
    out = output_dir(project, None)
    build(project, out)
    page = out / "email" / f"{issue_id}.html"
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


def run(project: Project, args: argparse.Namespace) -> int:
    """Entry point of ``newsletter build`` and ``newsletter preview``."""
    if args.command == "preview":
        return preview(project, args.id, args.port)
    out = output_dir(project, args.out)
    if args.watch:
        return watch(project.root, out, args.layout)
    build(project, out, args.layout)
    return 0

