"""Rendering many issue files on every core: a cold build of a large archive is CPU-bound.

Each worker process builds its own renderer once and renders whole files, so only file bytes go
in and rendered bytes come out; small batches stay in this process, where starting workers
would cost more than it saves.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from newsletter.cores import available as cores
from newsletter.errors import Diagnostic
from newsletter.project import Project
from newsletter.render.site import RenderedIssue, SiteRenderer

# below this many files per worker, starting the workers costs more than they save
MIN_FILES_PER_WORKER = 32
CHUNK = 4

Item = tuple[Path, bytes | None, str]
Result = tuple[list[Diagnostic], RenderedIssue | None]

_renderer: SiteRenderer | None = None


def _start(root: Path, out: Path, layout: str | None) -> None:
    global _renderer
    _renderer = SiteRenderer(Project(root), out, layout)


def _render(item: Item) -> Result:
    assert _renderer is not None  # set by _start in every worker
    return _renderer.file(*item)


def render_files(renderer: SiteRenderer, project: Project, items: list[Item]) -> Iterator[Result]:
    """What :meth:`SiteRenderer.file` gives for each item, in order, on as many cores as pay off."""
    workers = min(cores(), len(items) // MIN_FILES_PER_WORKER)
    if workers < 2:
        yield from (renderer.file(*item) for item in items)
        return
    with ProcessPoolExecutor(workers, initializer=_start, initargs=(project.root, renderer.out, renderer.layout)) as pool:
        yield from pool.map(_render, items, chunksize=CHUNK)
