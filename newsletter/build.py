"""``newsletter build`` and ``preview``: render every output in memory, then write the changed files.

Nothing is written until everything has rendered, so a failed build leaves the previous
output untouched; each file is replaced atomically and only when its bytes change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import jinja2

from newsletter.cache import Cache, template_fingerprint
from newsletter.config import CONFIG_NAME
from newsletter.errors import NewsletterError
from newsletter.fsio import atomic_write
from newsletter.model import Issue
from newsletter.project import Project
from newsletter.render import markdown
from newsletter.render.email import email_html, size_warning
from newsletter.render.eml import eml
from newsletter.render.feed import FeedItem, atom, latest, rss
from newsletter.render.html import issue_body, issue_context
from newsletter.render.templates import PACKAGE_TEMPLATES, environment
from newsletter.render.text import email_text
from newsletter.weeks import parse_issue_id

DEFAULT_OUT = "dist"
WATCH_INTERVAL = 1.0
# the folders below the output that hold one file per issue; stale ones there are removed
PER_ISSUE = {"issues": (".md",), "email": (".html", ".txt", ".eml")}


@dataclass
class Site:
    """Every output file of a build, rendered but not yet written."""

    out: Path
    files: dict[Path, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    compiled: int = 0
    cached: int = 0


def output_dir(project: Project, out: str | None) -> Path:
    """``--out`` relative to the current folder, else ``dist/`` in the project."""
    return Path(out).resolve() if out else project.root / DEFAULT_OUT


def load_archive(project: Project) -> list[tuple[str, Issue]]:
    """Every issue as (id, model) in date order; any invalid file stops the build with its location."""
    loaded, diags = project.load_issues()
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more; run 'newsletter check')" if len(errors) > 1 else ""
        raise NewsletterError(f"{first.message}{more}", first.file, first.line, first.column)
    seen: dict[str, Path] = {}
    for item in loaded:
        if item.id in seen:
            raise NewsletterError(f"issue id {item.id} is also used by {project.display(seen[item.id])}; rename one", project.display(item.path), 1, 1)
        seen[item.id] = item.path
    ordered = sorted(loaded, key=lambda i: (i.issue.date, i.id))
    return [(i.id, i.issue) for i in ordered]


def render_site(project: Project, out: Path, layout: str | None = None, published: dict[str, dt.datetime] | None = None) -> Site:
    """Render the digest, the issue pages, the emails and the feeds; ``published`` overrides publish times."""
    config = project.config
    issues = [(i, _with_published(issue, (published or {}).get(i))) for i, issue in load_archive(project)]
    env = environment(project.templates_dir)
    cache = Cache(project.root, "email")
    fingerprint = Cache.key(config.model_dump_json(), template_fingerprint([project.templates_dir, PACKAGE_TEMPLATES]), version("mjml-python"))
    site = Site(out)
    site.files[project.root / config.digest.path] = markdown.digest(issues, config, env).encode()
    feed_items = []
    for issue_id, issue in issues:
        site.files[out / "issues" / f"{issue_id}.md"] = markdown.issue_page(issue_id, issue, config, env, layout=layout).encode()
        context = issue_context(issue_id, issue, config)
        html = cache.get(Cache.key(fingerprint, issue_id, issue.model_dump_json()), functools.partial(email_html, env, context))
        if warning := size_warning(issue_id, html, config):
            site.warnings.append(warning)
        text = email_text(env, context)
        site.files[out / "email" / f"{issue_id}.html"] = html.encode()
        site.files[out / "email" / f"{issue_id}.txt"] = text.encode()
        site.files[out / "email" / f"{issue_id}.eml"] = eml(issue_id, issue, config, context["heading"], text, html)
        if issue.published is not None:
            feed_items.append(_feed_item(env, context, issue.published))
    items = latest(feed_items, config.feed.limit)
    site.files[out / "feed.xml"] = rss(items, config)
    site.files[out / "atom.xml"] = atom(items, config)
    cache.prune()
    site.compiled, site.cached = cache.misses, cache.hits
    return site


def _with_published(issue: Issue, when: dt.datetime | None) -> Issue:
    """``issue`` as it will read once ``published: when`` is recorded (unchanged for None)."""
    return issue if when is None else issue.model_copy(update={"published": when})


def _feed_item(env: jinja2.Environment, context: dict, published: dt.datetime) -> FeedItem:
    """The feed entry of a published issue, its body rendered from the same partial as the email."""
    links = context["links"]
    return FeedItem(context["id"], context["issue"], published, context["heading"], context["preheader"], links.web, issue_body(env, context))


def write_site(site: Site) -> list[Path]:
    """Write the files whose bytes changed and drop per-issue files of deleted issues; return the written."""
    written = []
    for path, data in site.files.items():
        try:
            if path.is_file() and path.read_bytes() == data:
                continue
            atomic_write(path, data)
        except OSError as e:
            raise NewsletterError(f"cannot write: {e.strerror or e}", str(path)) from None
        written.append(path)
    for folder, suffixes in PER_ISSUE.items():
        for path in (site.out / folder).glob("*"):
            if path.suffix in suffixes and parse_issue_id(path.stem) and path not in site.files:
                path.unlink()
    return written


def build(project: Project, out: Path, layout: str | None = None) -> Site:
    """Render and write everything; warnings go to stderr."""
    site = render_site(project, out, layout)
    written = write_site(site)
    for warning in site.warnings:
        print(f"newsletter: {warning}", file=sys.stderr)
    print(f"built {len(site.files)} files into {project.display(out)} ({len(written)} changed; "
          f"emails compiled {site.compiled}, from cache {site.cached})")
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
    paths = [root / CONFIG_NAME, *root.glob("issues/**/*.yaml"), *root.glob("templates/**/*")]
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

