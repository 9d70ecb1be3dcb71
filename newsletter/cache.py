"""A content-addressed cache of compiled emails under ``.newsletter-cache/`` (safe to delete).

An entry's key hashes everything its output depends on, so a stale entry is never read:
changing an issue, the config, a template or the package simply yields a new key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from newsletter import __version__
from newsletter.fsio import atomic_write

CACHE_DIR = ".newsletter-cache"


def template_fingerprint(folders: Iterable[Path]) -> str:
    """A hash of the names and contents of every file in the template folders."""
    h = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


class Cache:
    """Text outputs stored by key in one folder; entries not used by a run can be pruned after it."""

    def __init__(self, root: Path, kind: str) -> None:
        self.folder = root / CACHE_DIR / kind
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(*parts: str) -> str:
        """The key of an output made from ``parts`` by this version of the package."""
        h = hashlib.sha256(__version__.encode())
        for part in parts:
            h.update(b"\0" + part.encode())
        return h.hexdigest()

    def get(self, key: str, make: Callable[[], str]) -> str:
        """The stored output for ``key``, or ``make()`` stored under it."""
        self.used.add(key)
        path = self.folder / key
        try:
            text = path.read_text(encoding="utf-8")
            self.hits += 1
            return text
        except (OSError, UnicodeDecodeError):
            pass
        text = make()
        self.misses += 1
        try:
            atomic_write(path, text)
        except OSError:
            pass  # a read-only project still builds, only slower
        return text

    def prune(self) -> None:
        """Delete entries this run did not use, so the cache does not grow without bound."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in self.used:
                path.unlink(missing_ok=True)
