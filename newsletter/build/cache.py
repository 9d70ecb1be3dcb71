"""The build cache under ``.newsletter-cache/`` (safe to delete): one SQLite file.

It holds each issue's fragment (what the digest and the feeds need of it) under a key that
hashes everything the fragment depends on, so a stale fragment is never read: changing an issue,
the config, a template or the package yields a new key. It also holds the manifest of the last
build into each output folder. A damaged database or entry reads as missing, never as an error.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

from newsletter import __version__

CACHE_DIR = ".newsletter-cache"
DATABASE = "build.sqlite3"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS fragments (key TEXT PRIMARY KEY, meta BLOB NOT NULL, body BLOB)",
    "CREATE TABLE IF NOT EXISTS manifests (out TEXT PRIMARY KEY, data BLOB NOT NULL)",
    # a fragment's parts of the web archive's list pages and search index: large, and read only for those made again
    "CREATE TABLE IF NOT EXISTS parts (key TEXT PRIMARY KEY, data BLOB NOT NULL)",
    # what earlier versions kept there
    "DROP TABLE IF EXISTS items",
)
# SQLite's smallest limit on the parameters of one statement
_BATCH = 900


def content_key(*parts: bytes | str) -> str:
    """A hash of ``parts`` and the package version, the key of anything made from them."""
    h = hashlib.sha256(__version__.encode())
    for part in parts:
        h.update(b"\0" + (part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part))
    return h.hexdigest()


def folder_fingerprint(folders: Iterable[Path]) -> str:
    """A hash of the names and contents of every file in ``folders``."""
    h = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


# a stored value starts with the digest of the rest: a row this program did not write (edited by hand, made by
# another version, damaged) reads as a miss, whatever its shape
_SEAL = 16


def _seal(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=_SEAL, key=__version__.encode()).digest()


def seal(data: bytes) -> bytes:
    """``data`` behind its seal."""
    return _seal(data) + data


def unseal(data: Any) -> memoryview:
    """The bytes :func:`seal` stored, not copied (a build reads tens of megabytes of them); raises ValueError on
    anything else."""
    if not isinstance(data, bytes) or data[:_SEAL] != _seal(body := memoryview(data)[_SEAL:]):
        raise ValueError("not a value this cache stored")
    return body


def _text(data: bytes | memoryview) -> str:
    return str(data, "utf-8", "surrogatepass")


def encode(value: Any) -> bytes:
    """JSON bytes behind their seal; lone surrogates (which YAML escapes can produce) survive the round trip."""
    return seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def decode(data: Any) -> Any:
    """The value :func:`encode` stored; raises ValueError on anything else."""
    return json.loads(_text(unseal(data)))


def pack(head: Any, texts: Sequence[str | bytes]) -> bytes:
    """``head`` (JSON) and ``texts`` as one value: the texts in UTF-8 one after another, behind a line with the head
    and their lengths. As JSON strings, each quote and line break of a long text would be escaped and read back."""
    data = [t if isinstance(t, bytes) else t.encode("utf-8", "surrogatepass") for t in texts]
    line = json.dumps([head, [len(t) for t in data]], ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return line + b"\n" + b"".join(data)


_LINE_END = re.compile(b"\n")


def unpack(data: bytes | memoryview) -> tuple[Any, list[memoryview]]:
    """The head and texts :func:`pack` gave, the texts still in UTF-8 (see :func:`texts`); raises ValueError when they
    are malformed."""
    view = memoryview(data)
    end = _LINE_END.search(view)  # a memoryview has no find(), and copying one to bytes would cost what it saves
    if end is None:
        raise ValueError("malformed value: no head")
    try:
        head, lengths = json.loads(_text(view[: end.start()]))
        ends = list(accumulate(lengths, initial=end.end()))
    except (TypeError, UnicodeDecodeError) as e:  # a JSON error is a ValueError already
        raise ValueError(f"malformed value: {e}") from None
    if ends[-1] != len(view) or any(n < 0 for n in lengths):
        raise ValueError("malformed value: its texts are not as long as its lengths")
    return head, [view[start:stop] for start, stop in pairwise(ends)]


def texts(data: list[memoryview]) -> list[str]:
    """The texts :func:`unpack` gave, decoded; raises ValueError when one is not UTF-8."""
    try:
        return [_text(t) for t in data]
    except UnicodeDecodeError as e:
        raise ValueError(f"malformed value: {e}") from None


class Store:
    """The cache database; every failure to read or write it is treated as a cache miss."""

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_DIR / DATABASE
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        """The open database, created when absent; a file that is not a usable database is replaced."""
        if self._db is not None:
            return self._db
        for attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, isolation_level=None)
                for statement in _SCHEMA:
                    db.execute(statement)
                self._db = db
                return db
            except sqlite3.DatabaseError:
                if attempt == 0:
                    self.path.unlink(missing_ok=True)
            except OSError:
                break
        return None

    def _run(self, sql: str, params: Iterable = ()) -> list[tuple]:
        """Rows of ``sql``, or none when the cache cannot be used."""
        db = self._connect()
        if db is None:
            return []
        try:
            return db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error:
            return []

    def fragments(self, keys: list[str]) -> dict[str, memoryview]:
        """The stored fragments among ``keys``, as :meth:`put` was given them; damaged ones are left out."""
        return self._values("SELECT key, meta FROM fragments", keys)

    def _values(self, select: str, keys: list[str]) -> dict[str, memoryview]:
        """The sealed values of ``select`` (key, value) among ``keys``, unsealed; damaged ones are left out."""
        found: dict[str, memoryview] = {}
        for i in range(0, len(keys), _BATCH):
            batch = keys[i : i + _BATCH]
            for key, data in self._run(f"{select} WHERE key IN ({','.join('?' * len(batch))})", batch):
                try:
                    found[key] = unseal(data)
                except ValueError:
                    continue
        return found

    def body(self, key: str) -> str | None:
        """The stored body of a fragment, or None."""
        rows = self._run("SELECT body FROM fragments WHERE key = ?", (key,))
        try:
            return decode(rows[0][0]) if rows and rows[0][0] is not None else None
        except ValueError:
            return None

    def put(self, key: str, fragment: bytes, body: str | None, parts: bytes) -> None:
        """Store a fragment, its body and its site parts (long texts, read only when needed)."""
        self._run("INSERT OR REPLACE INTO fragments VALUES (?, ?, ?)", (key, seal(fragment), None if body is None else encode(body)))
        self._run("INSERT OR REPLACE INTO parts VALUES (?, ?)", (key, seal(parts)))

    def parts(self, keys: list[str]) -> dict[str, memoryview]:
        """The stored site parts among ``keys``, as :meth:`put` was given them; damaged ones are left out."""
        return self._values("SELECT key, data FROM parts", keys)

    def keep_only(self, keys: Iterable[str]) -> None:
        """Drop the fragments not in ``keys``, so the cache does not grow without bound."""
        keep = set(keys)
        for table in ("fragments", "parts"):
            for key in {row[0] for row in self._run(f"SELECT key FROM {table}")} - keep:
                self._run(f"DELETE FROM {table} WHERE key = ?", (key,))

    def manifest(self, out: Path) -> Any:
        """The manifest of the last build into ``out``, or None."""
        rows = self._run("SELECT data FROM manifests WHERE out = ?", (str(out),))
        try:
            return decode(rows[0][0]) if rows else None
        except ValueError:
            return None

    def put_manifest(self, out: Path, data: Any) -> None:
        self._run("INSERT OR REPLACE INTO manifests VALUES (?, ?)", (str(out), encode(data)))

    def transaction(self) -> "_Transaction":
        """Group writes, which SQLite makes much cheaper than one commit each."""
        return _Transaction(self)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class _Transaction:
    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> None:
        self.store._run("BEGIN")

    def __exit__(self, *exc: object) -> None:
        self.store._run("COMMIT")
