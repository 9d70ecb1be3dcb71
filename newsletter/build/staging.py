"""Output files written while a build still renders, and put in place only once it has succeeded.

Each file goes to a temporary file beside its target on a few threads, so the disk works while
Python renders (or, in a worker process, where it was rendered: see :class:`Staged`); a file whose
bytes are already there is not written at all. Nothing replaces an output before
:meth:`Staging.commit`, so a failed build leaves the previous output untouched.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import NewsletterError
from newsletter.fsio import discard, write_temp

# writing is waiting on the disk, not computing: a few threads keep it busy
WRITERS = 4


def _prepare(path: Path, data: bytes) -> str | None:
    """A temporary file holding ``data`` for ``path``, or None when ``path`` already holds it."""
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return None
    except OSError:
        pass  # unreadable: write it anew
    return write_temp(path, data, durable=False)


@dataclass(frozen=True)
class Staged:
    """A file a worker process prepared beside its target (``tmp`` None: the target holds its bytes
    already), or the error that stopped it."""

    tmp: str | None
    error: OSError | None = None

    @classmethod
    def write(cls, path: Path, data: bytes) -> "Staged":
        """Prepare ``data`` for ``path`` here and now; a failure is kept for the build to report."""
        try:
            return cls(_prepare(path, data))
        except OSError as e:
            return cls(None, e)


class Staging:
    """Files staged for writing; :meth:`commit` renames them into place, :meth:`abort` drops them."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: dict[Path, Future[str | None]] = {}

    def stage(self, path: Path, data: bytes | Staged) -> None:
        """Start writing ``data`` for ``path``, or take the file already written for it."""
        if isinstance(data, Staged):
            self._jobs[path] = job = Future()
            if data.error:
                job.set_exception(data.error)
            else:
                job.set_result(data.tmp)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(WRITERS)
        self._jobs[path] = self._pool.submit(_prepare, path, data)

    def commit(self) -> list[Path]:
        """Rename every staged file into place; return those whose bytes changed."""
        temps = self._finish()
        written = []
        for path, tmp in temps.items():
            if tmp is not None:
                os.replace(tmp, path)
                written.append(path)
        return written

    def abort(self) -> None:
        """Remove the staged temporary files; the outputs stay as they were."""
        try:
            temps = self._finish()
        except NewsletterError:
            return
        for tmp in temps.values():
            if tmp is not None:
                discard(tmp)

    def _finish(self) -> dict[Path, str | None]:
        """Wait for every write; the first failure becomes an error naming its file (the others are removed)."""
        temps: dict[Path, str | None] = {}
        failed: tuple[Path, OSError] | None = None
        for path, job in self._jobs.items():
            try:
                temps[path] = job.result()
            except OSError as e:
                failed = failed or (path, e)
        self._jobs = {}
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if failed:
            for tmp in temps.values():
                if tmp is not None:
                    discard(tmp)
            path, e = failed
            raise NewsletterError(f"cannot write: {e.strerror or e}", str(path))
        return temps
