"""Rendering many issue files on every core: a cold build of a large archive is CPU-bound.

Each worker process builds its own renderer once and renders whole files, so only file bytes go
in; the outputs are staged beside their targets by the worker that rendered them (once their
folder exists), as sending their bytes back would cost this process more than writing them.
Small batches stay in this process, where starting workers would cost more than it saves.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from newsletter.build.render import Nav, RenderedIssue, Renderer
from newsletter.build.staging import Staged
from newsletter.cores import available as cores
from newsletter.errors import Diagnostic
from newsletter.fsio import discard
from newsletter.project import Project

# below this many files per worker, starting the workers costs more than they save
MIN_FILES_PER_WORKER = 32
CHUNK = 4

Item = tuple[Path, bytes | None, str, Nav]
Result = tuple[list[Diagnostic], RenderedIssue | None]

_renderer: Renderer | None = None


def _start(root: Path, out: Path, layout: str | None) -> None:
    global _renderer
    _renderer = Renderer(Project(root), out, layout)


def _render(items: list[Item]) -> list[Result]:
    """Render a batch of issue files in a worker, staging what it can of their outputs."""
    assert _renderer is not None  # set by _start in every worker
    return [_staged(*_renderer.file(*item)) for item in items]


def _staged(errors: list[Diagnostic], rendered: RenderedIssue | None) -> Result:
    """The result with its files written beside their targets, where the folder exists."""
    if rendered is None:
        return errors, None
    # folders are made by the parent only, once it knows the build succeeds so far: a failed first build leaves none
    files = {path: Staged.write(path, data) if path.parent.is_dir() else data for path, data in rendered.files.items()}
    return errors, replace(rendered, files=files)


def render_files(renderer: Renderer, project: Project, items: list[Item]) -> Iterator[Result]:
    """What :meth:`Renderer.file` gives for each item, in order, on as many cores as pay off.

    A result handed out is the caller's to stage; those never handed out, when the caller stops
    early or a worker fails, have their staged files removed here.
    """
    workers = min(cores(), len(items) // MIN_FILES_PER_WORKER)
    if workers < 2:
        yield from (renderer.file(*item) for item in items)
        return
    with ProcessPoolExecutor(workers, initializer=_start, initargs=(project.root, renderer.out, renderer.layout)) as pool:
        jobs = deque(pool.submit(_render, items[i : i + CHUNK]) for i in range(0, len(items), CHUNK))
        ready: deque[Result] = deque()
        try:
            while jobs or ready:
                if not ready:
                    ready.extend(jobs.popleft().result())
                yield ready.popleft()
        finally:
            _discard([*ready, *_finished(jobs)])


def _finished(jobs: Iterable[Future[list[Result]]]) -> Iterator[Result]:
    """Cancel the jobs not started; the results of the others, once done (a failed one has none)."""
    for job in [job for job in jobs if not job.cancel()]:
        try:
            yield from job.result()
        except Exception:  # noqa: BLE001 — the build already stops for another reason
            continue


def _discard(results: Iterable[Result]) -> None:
    """Remove the files staged for results nobody will commit."""
    for _, rendered in results:
        for data in rendered.files.values() if rendered else ():
            if isinstance(data, Staged) and data.tmp:
                discard(data.tmp)
