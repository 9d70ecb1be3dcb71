"""What a build must render, given the manifest of the last one and the cache; then writing it.

A build knows every issue file by a hash of its bytes (see newsletter/build/sources.py for when they
are not read again). An issue whose hash (with the config, the templates and
the package version) is the one its outputs were built from, and whose outputs are untouched, is
not even parsed: its part of the digest and the feeds comes from the cache. When nothing changed,
nothing is rendered at all.

No output is replaced until everything has rendered (rendered files wait beside their targets),
so a failed build leaves the previous output untouched; a file is replaced atomically and only
when its bytes change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter import PACKAGE_TEMPLATES
from newsletter.build.cache import Store, content_key, folder_fingerprint
from newsletter.build.manifest import IssueRecord, Manifest, Signature, intact, signature
from newsletter.build.sources import Sources
from newsletter.build.staging import Staged, Staging
from newsletter.config import CONFIG_NAME
from newsletter.errors import Diagnostic, NewsletterError
from newsletter.fsio import remove_leftovers
from newsletter.ledger import LEDGER_NAME
from newsletter.outputs import SITE, digest_path
from newsletter.project import Project

if TYPE_CHECKING:
    from newsletter.build.pool import Workers
    from newsletter.build.render import Fragment, Nav, RenderedIssue, Renderer

# the packages whose version can change a rendered byte: an upgrade of any of them renders everything again
RENDERER_DEPENDENCIES = ("Jinja2", "MarkupSafe", "mjml-python", "markdown-it-py", "feedgen", "python-dateutil", "PyYAML", "pydantic")
# the signature of a file rendered but not yet written; replaced once it is
_UNWRITTEN = (0, 0, 0)


@dataclass
class Build:
    """The files a build rendered, staged but not yet in place, and the manifest to record once they are."""

    out: Path
    store: Store
    manifest: Manifest
    # each issue's digest by id (see newsletter.ledger); None: unreadable
    digests: dict[str, str | None] = field(default_factory=dict)
    files: set[Path] = field(default_factory=set)
    rendered: int = 0
    staging: Staging = field(default_factory=Staging)
    # the archive-wide files of the last build: those not made again are removed (in the site only)
    previous: dict[str, Signature] = field(default_factory=dict)
    # the per-issue files of the last build: those not made again are removed while they are as it wrote them
    previous_issues: dict[str, Signature] = field(default_factory=dict)

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


def fingerprint(project: Project, layout: str | None) -> str:
    """A hash of everything but the issues that outputs depend on: config, templates, versions, layout."""
    try:
        config = (project.root / CONFIG_NAME).read_bytes()
    except OSError:
        config = b""
    templates = folder_fingerprint([project.templates_dir, PACKAGE_TEMPLATES])
    return content_key(config, templates, *(version(name) for name in RENDERER_DEPENDENCIES), layout or "")


def _unique_ids(project: Project, paths: list[Path]) -> None:
    """Stop when two issue files have the same id (the same name in different folders)."""
    seen: dict[str, Path] = {}
    for path in paths:
        if path.stem in seen:
            raise NewsletterError(f"issue id {path.stem} is also used by {project.display(seen[path.stem])}; rename one",
                                  project.display(path), 1, 1)
        seen[path.stem] = path


def render_build(project: Project, out: Path, layout: str | None = None, sources: dict[Path, bytes] | None = None) -> Build:
    """Render what changed since the last build into ``out``; ``sources`` are issue files' bytes not yet on disk."""
    # what a command killed mid-write left (this build holds the project's lock: no writer is at work)
    digest = digest_path(project.root, out, project.config)
    remove_leftovers(project.issues_dir)
    remove_leftovers(project.root, {CONFIG_NAME, LEDGER_NAME})
    remove_leftovers(digest.parent, {digest.name})
    paths = project.issue_files()
    _unique_ids(project, paths)
    store = Store(project.root)
    previous = Manifest.from_data(store.manifest(out))
    files = Sources(project.root, paths, previous.sources, sources, project.display)
    fp = fingerprint(project, layout)
    nav = _neighbours(paths)
    # an issue's web page links to its neighbours: a week added or removed renders the weeks beside it again
    keys = {str(p): content_key(fp, d, *(i or "" for i in nav[p])) if (d := files.digests[p]) is not None else "" for p in paths}
    fresh = previous.fresh_issues(fp, keys)
    digests = {p.stem: d for p, d in files.digests.items()}
    if previous.up_to_date(fp, keys, fresh):
        return Build(out, store, previous, digests=digests)
    remove_leftovers(out)
    # only a build that renders pays for importing the renderers
    from newsletter.build.pool import Workers
    from newsletter.build.render import Renderer

    job = _Rebuild(project, Renderer(project, out, layout), files, keys, store, nav)
    build = Build(out, store, Manifest(fp, sources=files.stats), digests=digests, previous=previous.archive,
                  previous_issues={p: sig for r in previous.issues.values() for p, sig in r.outputs.items()})
    try:
        job.reuse(previous, fresh, build.manifest)
        stale = [p for p in paths if p not in job.fragments]
        with Workers(job.renderer, project, len(stale)) as workers:
            with store.transaction():
                for p, result in zip(stale, workers.render([job.item(p) for p in stale])):
                    job.add(p, *result, build)
            job.raise_errors()
            by_id = {p.stem: p for p in paths}
            fragments = [job.fragments[p] for p in paths]
            archive = job.renderer.archive(fragments, lambda f: job.body(by_id[f.id], build))
            build.stage(archive)  # the digest is large: it is written while the site's pages are made
            site, kept = job.site_archive(previous, fragments, fp, build, workers)
    except BaseException:
        build.staging.abort()
        raise
    build.manifest.archive = {**kept, **{str(path): _UNWRITTEN for path in [*archive, *site]}}
    return build


def _neighbours(paths: list[Path]) -> dict[Path, "Nav"]:
    """The ids of the issues before and after each issue file (``paths`` are in id order)."""
    ids = [None, *(p.stem for p in paths), None]
    return {p: (ids[n], ids[n + 2]) for n, p in enumerate(paths)}


class _Rebuild:
    """The state of a build that renders: fragments by issue file, feed bodies, list items, load errors."""

    def __init__(self, project: Project, renderer: "Renderer", files: Sources, keys: dict[str, str], store: Store,
                 nav: dict[Path, "Nav"]) -> None:
        self.project, self.renderer, self.files, self.keys, self.store, self.nav = project, renderer, files, keys, store, nav
        self.paths = {p.stem: p for p in files.digests}  # by id
        self.fragments: dict[Path, Fragment] = {}
        self.bodies: dict[Path, str | None] = {}
        # the site parts of the issues rendered now, by id, as bytes: UTF-8 holds them in a fraction of a str's memory
        self.parts: dict[str, bytes] = {}
        self.errors: list[Diagnostic] = []

    def reuse(self, previous: Manifest, fresh: set[str], manifest: Manifest) -> None:
        """Take the fragments of the ``fresh`` issue files; a missing or damaged one is rendered instead."""
        from newsletter.build.render import Fragment

        reused = [p for p in self.paths.values() if str(p) in fresh]
        stored = self.store.fragments([self.keys[str(p)] for p in reused])
        for p in reused:
            try:
                # each stored value let go once read: a large archive's take tens of megabytes
                self.fragments[p] = Fragment.from_bytes(stored.pop(self.keys[str(p)]))
            except (KeyError, ValueError):
                continue
            manifest.issues[str(p)] = previous.issues[str(p)]

    def item(self, path: Path) -> tuple[Path, bytes | None, str, "Nav"]:
        """What rendering an issue file takes: its path, its bytes, its name in messages and its neighbours."""
        return path, self.files.bytes(path), self.project.display(path), self.nav[path]

    def site_archive(self, previous: Manifest, fragments: list["Fragment"], fp: str, build: Build,
                     workers: "Workers") -> tuple[list[Path], dict[str, Signature]]:
        """Stage the web archive's archive-wide pages; their paths, and the signatures of those kept from the last build.

        Of the organisation and type pages, only those listing an entry of an issue rendered now (as it is
        or as it was) or of a deleted issue are made again, and any not intact."""
        renderer = self.renderer
        latest = sorted(self.fragments, key=lambda p: (self.fragments[p].date, p.stem), reverse=True)[: renderer.config.site.latest]
        issues = [(p.stem, issue) for p in latest if (issue := renderer.load(*self.item(p)[:3])[1]) is not None]
        only = self._changed_lists(previous, fp)
        files, jobs, every = renderer.site_archive(fragments, issues, only)
        made = {*files, *(renderer.site / p for job in jobs for p in job.paths)}
        if only is not None:
            # a list page not made now stays only while it is the file the last build wrote
            lost = {p for p in every - made if not intact({str(p): previous.archive.get(str(p), _UNWRITTEN)})}
            if lost:
                more = renderer.site_archive(fragments, issues, {p.relative_to(renderer.site).as_posix() for p in lost})[1]
                jobs += more
                made.update(renderer.site / p for job in more for p in job.paths)
        build.stage(files)
        for pages in workers.site_years((job, self.site_parts(job.ids, build)) for job in jobs):
            build.stage(pages)
        return sorted(made), {str(p): previous.archive[str(p)] for p in every - made}

    def _changed_lists(self, previous: Manifest, fp: str) -> set[str] | None:
        """The list pages and search indexes that show an issue rendered now or deleted, as it is and as it was; None: all of them."""
        if fp != previous.fingerprint:
            return None
        old = [r.key for path, r in previous.issues.items() if Path(path) not in self.files.digests or (Path(path).stem in self.parts and r.key != self.keys[path])]
        stored = self.store.fragments(old)
        if len(stored) < len(set(old)):
            return None
        from newsletter.build.render import Fragment

        try:
            was = [Fragment.from_bytes(stored[k]) for k in old]
        except ValueError:
            return None
        return self.renderer.lists_of([*was, *(f for p, f in self.fragments.items() if p.stem in self.parts)])

    def add(self, path: Path, errors: list[Diagnostic], rendered: "RenderedIssue | None", build: Build) -> None:
        """Take one rendered issue file into ``build``; once any file has errors, only count theirs."""
        self.errors.extend(errors)
        if rendered is None:
            return
        if self.errors:
            # what a worker already wrote is staged all the same, so that the build's abort removes it
            build.stage({p: data for p, data in rendered.files.items() if isinstance(data, Staged)})
            return
        build.stage(rendered.files)
        key = self.keys[str(path)]
        from newsletter.build.render import Fragment

        self.fragments[path] = Fragment.from_bytes(rendered.fragment)
        self.bodies[path], self.parts[path.stem] = rendered.body, rendered.parts
        self.store.put(key, rendered.fragment, rendered.body, rendered.parts)
        build.manifest.issues[str(path)] = IssueRecord(key, {str(p): _UNWRITTEN for p in rendered.files}, rendered.warning)
        build.rendered += 1

    def raise_errors(self) -> None:
        """Stop the build at the first load error, counting the others."""
        if self.errors:
            first = self.errors[0]
            more = f" (and {len(self.errors) - 1} more; run 'newsletter check')" if len(self.errors) > 1 else ""
            raise NewsletterError(f"{first.message}{more}", first.file, first.line, first.column)

    def site_parts(self, ids: list[str], build: Build) -> dict[str, bytes]:
        """The site parts (see :meth:`Parts.to_bytes`) of the issues ``ids``: rendered now, else cached, else rendered again."""
        from newsletter.site.pages import Parts

        paths = self.paths
        stored = self.store.parts([self.keys[str(paths[i])] for i in ids if i not in self.parts])
        found = {}
        for i in ids:
            if i not in self.parts:
                try:
                    found[i] = Parts.checked(stored[self.keys[str(paths[i])]])
                    continue
                except (KeyError, ValueError):
                    self.add(paths[i], *self.renderer.file(*self.item(paths[i])), build)
            found[i] = self.parts[i]
        return found

    def body(self, path: Path, build: Build) -> str:
        """The feed body of a published issue: rendered now, else cached, else rendered again."""
        if self.bodies.get(path) is None:
            self.bodies[path] = self.store.body(self.keys[str(path)])
        if self.bodies[path] is None:
            self.add(path, *self.renderer.file(*self.item(path)), build)
        return self.bodies[path] or ""


def write_build(build: Build) -> list[Path]:
    """Put the staged files whose bytes changed in place, drop the files of deleted issues and pages of the site
    no longer made (only files the last build wrote: never one of the editor's), record the manifest."""
    written = build.staging.commit()
    expected = {p for r in build.manifest.issues.values() for p in r.outputs}
    for stale, sig in build.previous_issues.items():
        if stale not in expected and signature(stale) == sig:
            Path(stale).unlink()
            _remove_empty(Path(stale).parent, build.out)
    site = build.out / SITE
    for stale in build.previous.keys() - build.manifest.archive.keys():
        if Path(stale).is_relative_to(site):
            Path(stale).unlink(missing_ok=True)
            _remove_empty(Path(stale).parent, site)
    _record(build)
    build.store.close()
    return written


def _remove_empty(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents below ``top`` while they are empty: what the files removed leave."""
    while folder != top and folder.is_relative_to(top) and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _record(build: Build) -> None:
    """Store the manifest with the signatures of the files just rendered."""
    if not build.files:
        return
    rendered = {str(p) for p in build.files}
    for outputs in [build.manifest.archive, *(r.outputs for r in build.manifest.issues.values())]:
        for path in outputs.keys() & rendered:
            outputs[path] = signature(path) or _UNWRITTEN
    with build.store.transaction():
        build.store.put_manifest(build.out, build.manifest.to_data())
        build.store.keep_only(r.key for r in build.manifest.issues.values())
