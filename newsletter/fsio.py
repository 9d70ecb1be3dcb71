"""Atomic file writes: a reader sees the old file or the new one, never a partial one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it over ``path``."""
    tmp = write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise


def write_temp(path: Path, data: str | bytes, *, durable: bool = True) -> str:
    """Write ``data`` to a new temporary file beside ``path`` with ``path``'s permissions; its name.

    ``durable`` fsyncs it first, so that even a power cut cannot leave an empty file after the
    rename: wanted for the editor's own files, not for outputs a build can always write again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = memoryview(data.encode("utf-8") if isinstance(data, str) else data)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            while raw:
                raw = raw[os.write(fd, raw):]
            if durable:
                os.fsync(fd)
            os.fchmod(fd, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        finally:
            os.close(fd)
    except BaseException:
        discard(tmp)
        raise
    return tmp


def discard(tmp: str) -> None:
    """Remove a temporary file that will not be renamed into place."""
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
