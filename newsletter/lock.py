"""One writer at a time per project: commands that read, change and write files hold this lock.

Atomic writes keep every file whole, but two commands that each read a file, change it and
write it back would still lose one of the changes; holding the lock makes them take turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from newsletter.errors import NewsletterError

LOCK_NAME = ".newsletter.lock"
WAIT_SECONDS = 30.0
_POLL = 0.05


@contextlib.contextmanager
def project_lock(root: Path, wait: float = WAIT_SECONDS, name: str = LOCK_NAME) -> Iterator[None]:
    """Hold the project's write lock (or the lock file ``name``), waiting up to ``wait`` seconds for another command to finish."""
    path = root / name
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise NewsletterError(f"cannot create the lock file: {e.strerror or e}", str(path)) from None
    try:
        _acquire(fd, path, time.monotonic() + wait)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, path: Path, deadline: float) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise NewsletterError("another newsletter command is still writing this project; try again", str(path)) from None
            time.sleep(_POLL)
