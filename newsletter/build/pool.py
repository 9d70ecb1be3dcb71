"""Rendering on every core: a cold build of a large archive is CPU-bound.

Each worker process builds its own renderer once and renders whole files, so only file bytes go
in; the outputs are staged beside their targets by the worker that rendered them (once their
folder exists), as sending their bytes back would cost this process more than writing them. Then
the same workers make the web archive's list pages, a year at a time. Small builds stay in this
process, where starting workers would cost more than it saves.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from newsletter.build.render import Nav, RenderedIssue, Renderer
from newsletter.build.staging import Staged
from newsletter.cores import available as cores
from newsletter.errors import Diagnostic
from newsletter.fsio import discard
from newsletter.project import Project
from newsletter.site.pages import YearLists

# below this many files per worker, starting the workers costs more than they save
MIN_FILES_PER_WORKER = 32
CHUNK = 4

Item = tuple[Path, bytes | None, str, Nav]
Result = tuple[list[Diagnostic], RenderedIssue | None]
Files = dict[Path, bytes | Staged]
T = TypeVar("T")

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
    return errors, replace(rendered, files=_stage(rendered.files))


def _stage(files: dict[Path, bytes]) -> Files:
    # folders are made by the parent only, once it knows the build succeeds so far: a failed first build leaves none
    return {path: Staged.write(path, data) if path.parent.is_dir() else data for path, data in files.items()}


def _site_year(job: YearLists, parts: dict[str, bytes]) -> Files:
    """Make a year's list pages in a worker, staging them."""
    assert _renderer is not None
    return _stage(_renderer.site_year(job, parts))


class Workers:
    """The worker processes of one build, when it renders enough issue files to pay for them; else this process."""

    def __init__(self, renderer: Renderer, project: Project, files: int) -> None:
        self.renderer = renderer
        count = min(cores(), files // MIN_FILES_PER_WORKER)
        self._pool = ProcessPoolExecutor(count, initializer=_start, initargs=(project.root, renderer.out, renderer.layout)) \
            if count >= 2 else None

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def render(self, items: list[Item]) -> Iterator[Result]:
        """What :meth:`Renderer.file` gives for each item, in order.

        A result handed out is the caller's to stage; those never handed out, when the caller stops
        early or a worker fails, have their staged files removed here.
        """
        if self._pool is None:
            yield from (self.renderer.file(*item) for item in items)
            return
        batches = _in_order([self._pool.submit(_render, items[i : i + CHUNK]) for i in range(0, len(items), CHUNK)], list)
        ready: deque[Result] = deque()
        try:
            for results in batches:
                ready.extend(results)
                while ready:
                    yield ready.popleft()
        finally:
            batches.close()
            _discard(ready)

    def site_years(self, jobs: Iterable[tuple[YearLists, dict[str, bytes]]]) -> Iterator[Files]:
        """The pages of each year's lists (see :meth:`Renderer.site_year`), in order; handed out as :meth:`render`'s."""
        if self._pool is None:
            yield from (self.renderer.site_year(*job) for job in jobs)
            return
        yield from _in_order([self._pool.submit(_site_year, *job) for job in jobs], lambda files: [(None, files)])


def _in_order(jobs: list[Future[T]], outputs: Callable[[T], list[Any]]) -> Iterator[T]:
    """The results of ``jobs`` in order; when the caller stops early or a job fails, the files staged for those
    never handed out (``outputs`` gives a result's (errors, rendered issue or files) pairs) are removed."""
    waiting = deque(jobs)
    try:
        while waiting:
            yield waiting.popleft().result()
    finally:
        for result in _finished(waiting):
            _discard(outputs(result))


def _finished(jobs: Iterable[Future[T]]) -> Iterator[T]:
    """Cancel the jobs not started; the results of the others, once done (a failed one has none)."""
    for job in [job for job in jobs if not job.cancel()]:
        try:
            yield job.result()
        except Exception:  # noqa: BLE001 — the build already stops for another reason
            continue


def _discard(outputs: Iterable[tuple[Any, RenderedIssue | Files | None]]) -> None:
    """Remove the files staged for results nobody will commit."""
    for _, made in outputs:
        files = made.files if isinstance(made, RenderedIssue) else made or {}
        for data in files.values():
            if isinstance(data, Staged) and data.tmp:
                discard(data.tmp)
