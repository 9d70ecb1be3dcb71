"""The issue files' bytes and digests: read, or known from the last build while a file's size, times and inode
are those it had then (as git's index knows unchanged files), so an edit reads only the files it touched."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from newsletter.errors import NewsletterError
from newsletter.ledger import digest
from newsletter.load import source_bytes

# (size, mtime_ns, ctime_ns, inode): no editor, copy or checkout changes a file and keeps all four; ctime cannot
# be set back, as a copy that keeps times sets mtime
Stat = tuple[int, int, int, int]
# a file changed this close to when it was read could change again within the same tick of a coarse clock and
# keep its times: its stat is not trusted later (git calls such files "racily clean")
RACY_NS = 2 * 10**9


def file_stat(path: Path) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


class Sources:
    """Each issue file's digest (None: unreadable), and its bytes when a build needs them."""

    def __init__(self, root: Path, paths: list[Path], known: dict[str, tuple[Stat, str]], given: dict[Path, bytes] | None = None,
                 display: Callable[[Path], str] = str) -> None:
        self.root, self.display = root, display
        self.data: dict[Path, bytes | None] = {}
        self.digests: dict[Path, str | None] = {}
        # what the next build may trust: the stat and digest of each file read (or trusted) now
        self.stats: dict[str, tuple[Stat, str]] = {}
        now = time.time_ns()
        for path in paths:
            if given and path in given:
                self.data[path] = given[path]  # not on disk yet: its stat says nothing of these bytes
                self.digests[path] = digest(given[path])
                continue
            stat = file_stat(path)
            record = known.get(str(path))
            if stat is not None and record is not None and record[0] == stat:
                self.digests[path] = record[1]
            else:
                self.data[path] = data = _read(path, root)
                self.digests[path] = None if data is None else digest(data)
                if data is None or stat is None or max(stat[1], stat[2]) >= now - RACY_NS:
                    continue
            self.stats[str(path)] = (stat, self.digests[path])  # type: ignore[assignment]

    def bytes(self, path: Path) -> bytes | None:
        """The file's bytes, as its digest says (None: unreadable); a file changed since its digest was taken stops the build."""
        if path not in self.data:
            data = _read(path, self.root)
            if data is not None and digest(data) != self.digests[path]:
                raise NewsletterError("changed while the build was running; run it again", self.display(path))
            self.data[path] = data
        return self.data[path]


def _read(path: Path, root: Path) -> bytes | None:
    """The file's bytes; None when it cannot be read (loading it then says why)."""
    try:
        return source_bytes(path, root)
    except OSError:
        return None
