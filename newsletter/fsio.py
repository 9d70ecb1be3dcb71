"""Files on disk: atomic writes (a reader sees the old file or the new one, never a partial one), and the
project's boundary, which neither a read nor a write crosses through a link."""

from __future__ import annotations

import codecs
import glob
import os
import re
import stat
import tempfile
from pathlib import Path

from newsletter.errors import NewsletterError

# the names write_temp gives: "." + the file's name + "." + mkstemp's 8 random characters + ".tmp"
TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, every link on the way followed, is ``root`` or below it."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def outside_message(path: Path) -> str:
    """What to say of a link leading out of the project."""
    return (f"it leads through a link to {os.path.realpath(path)}, outside the project, which is never read or written; "
            "move or copy that into the project (a link may point anywhere inside it)")


def editable(path: Path, root: Path, display: str) -> Path:
    """The real file to write for ``path``: through a link that stays inside ``root``; refuse a link leading out
    of it, a folder, and a read-only file (an editor's way of saying "do not touch")."""
    if not inside(root, path):
        raise NewsletterError(outside_message(path), display)
    real = Path(os.path.realpath(path))
    try:
        mode = real.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return real  # a new file (a file in the way of its folder stops the write itself)
    if not stat.S_ISREG(mode):
        raise NewsletterError("is not a regular file (a folder, a pipe or a device); move it away, nothing was written", display)
    if not mode & 0o222:
        raise NewsletterError(f"is read-only, so it was left as it is; make it writable (chmod u+w {display}) and run again",
                              display)
    return real


def with_bom(path: Path, text: str) -> bytes:
    """``text`` as UTF-8, with a byte-order mark when the file at ``path`` starts with one (an editor's choice)."""
    try:
        with open(path, "rb") as f:
            bom = f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    except OSError:
        bom = False
    return (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")


def rewrite(path: Path, data: str | bytes, root: Path, display: str) -> None:
    """Replace an editor's file atomically, writing the real file behind a link (see :func:`editable`)."""
    atomic_write(editable(path, root, display), data)


def remove_leftovers(folder: Path, names: set[str] | None = None) -> None:
    """Delete the temporary files that an interrupted write (``kill -9``) left below ``folder`` (only beside the
    files ``names``, in ``folder`` itself, when given), and only those."""
    found = folder.rglob(".*.tmp") if names is None else (p for name in names for p in folder.glob(f".{glob.escape(name)}.*.tmp"))
    for path in found:
        if TEMP_NAME.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            discard(str(path))


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
    except BaseException as e:
        discard(tmp)
        if isinstance(e, OSError) and e.filename is None:
            e.filename = str(path)  # os.write names no file
        raise
    return tmp


def discard(tmp: str) -> None:
    """Remove a temporary file that will not be renamed into place."""
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
