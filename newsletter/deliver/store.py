"""The subscriber store and the send journal: one SQLite database outside git and dist/."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from newsletter.errors import NewsletterError

State = Literal["pending", "active", "unsubscribed", "bounced"]
STATES: tuple[State, ...] = ("pending", "active", "unsubscribed", "bounced")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'unsubscribed', 'bounced')),
    changed TEXT NOT NULL,
    created TEXT NOT NULL,
    nonce TEXT
);
CREATE INDEX IF NOT EXISTS subscribers_state ON subscribers (state, id);
-- the journal: a row is written before a message's SMTP transaction ('sending') and after it
CREATE TABLE IF NOT EXISTS sends (
    issue TEXT NOT NULL,
    subscriber INTEGER NOT NULL REFERENCES subscribers (id),
    state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'bounced', 'failed')),
    message_id TEXT,
    changed TEXT NOT NULL,
    PRIMARY KEY (issue, subscriber)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Subscriber:
    id: int
    address: str
    state: State
    changed: str
    created: str


Outcome = Literal["added", "duplicate", "unsubscribed"]


def now() -> str:
    """The current time in UTC, to the second, as recorded in the store."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class Store:
    """An open store. Its methods may be called from several threads; each one is one transaction."""

    def __init__(self, path: Path):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # created readable by its owner only before SQLite opens it: its -wal and -shm files take its mode
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        try:
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            # WAL: a committed row survives the process being killed; NORMAL: no fsync per commit
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as e:
            raise NewsletterError(f"cannot open the subscriber store: {e}", str(path)) from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sql: str, *params: object) -> int:
        """Execute one statement; the number of rows it changed."""
        with self._lock:
            return self._db.execute(sql, params).rowcount

    def _rows(self, sql: str, *params: object) -> list[tuple]:
        # fetched under the lock: a connection shared by threads must not be stepped by two at once
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # --- subscribers ------------------------------------------------------------------------------

    def add(self, rows: Iterable[tuple[str, State]]) -> list[Outcome]:
        """Add normalised addresses, each in its state; a known address keeps its state and is a
        'duplicate', or 'unsubscribed' when it unsubscribed or bounced before (never undone here)."""
        found: list[Outcome] = []
        stamp = now()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for address, state in rows:
                    cur = self._db.execute(
                        "INSERT INTO subscribers (address, state, changed, created) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (address) DO NOTHING",
                        (address, state, stamp, stamp),
                    )
                    if cur.rowcount:
                        found.append("added")
                        continue
                    (known,) = self._db.execute("SELECT state FROM subscribers WHERE address = ?", (address,)).fetchone()
                    found.append("unsubscribed" if known in ("unsubscribed", "bounced") else "duplicate")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return found

    def find(self, address: str) -> Subscriber | None:
        rows = self._rows("SELECT id, address, state, changed, created FROM subscribers WHERE address = ?", address)
        return Subscriber(*rows[0]) if rows else None

    def get(self, subscriber: int) -> Subscriber | None:
        rows = self._rows("SELECT id, address, state, changed, created FROM subscribers WHERE id = ?", subscriber)
        return Subscriber(*rows[0]) if rows else None

    def subscribers(self, state: State | None = None) -> Iterator[Subscriber]:
        """Every subscriber (or those in ``state``), oldest first."""
        where, params = ("WHERE state = ?", (state,)) if state else ("", ())
        sql = f"SELECT id, address, state, changed, created FROM subscribers {where} ORDER BY id"
        return (Subscriber(*row) for row in self._rows(sql, *params))

    def counts(self) -> dict[str, int]:
        found = dict(self._rows("SELECT state, count(*) FROM subscribers GROUP BY state"))
        return {state: found.get(state, 0) for state in STATES}

    def set_state(self, subscriber: int, state: State) -> bool:
        """Move a subscriber to ``state``; False when it was already there."""
        return self._run(
            "UPDATE subscribers SET state = ?, changed = ?, nonce = NULL WHERE id = ? AND state != ?",
            state, now(), subscriber, state,
        ) > 0

    def request(self, address: str) -> tuple[int, str] | None:
        """A subscription asked for through the form: the id and a fresh confirmation nonce, or None when
        the address is already active. Until confirmed, an unsubscribed or bounced address stays so."""
        nonce = secrets.token_urlsafe(12)
        stamp = now()
        with self._lock:
            self._db.execute(
                "INSERT INTO subscribers (address, state, changed, created, nonce) VALUES (?, 'pending', ?, ?, ?) "
                "ON CONFLICT (address) DO UPDATE SET nonce = excluded.nonce WHERE state != 'active'",
                (address, stamp, stamp, nonce),
            )
            row = self._db.execute("SELECT id, state, nonce FROM subscribers WHERE address = ?", (address,)).fetchone()
        return None if row[1] == "active" else (row[0], nonce)

    def confirm(self, subscriber: int, nonce: str) -> bool:
        """Activate a subscriber whose confirmation nonce is ``nonce``; a used or superseded one does nothing."""
        return self._run(
            "UPDATE subscribers SET state = 'active', changed = ?, nonce = NULL WHERE id = ? AND nonce = ?",
            now(), subscriber, nonce,
        ) > 0

    # --- the send journal -------------------------------------------------------------------------

    def unsent(self, issue: str) -> list[tuple[int, str, bool]]:
        """Active subscribers who have not received ``issue``: (id, address, in doubt) in id order. In doubt:
        a transaction was started and never recorded as finished (the run was killed during it)."""
        sql = (
            "SELECT s.id, s.address, j.state = 'sending' FROM subscribers s "
            "LEFT JOIN sends j ON j.issue = ? AND j.subscriber = s.id "
            "WHERE s.state = 'active' AND (j.state IS NULL OR j.state IN ('sending', 'failed')) ORDER BY s.id"
        )
        return [(i, a, bool(d)) for i, a, d in self._rows(sql, issue)]

    def sent_count(self, issue: str) -> int:
        return self._rows("SELECT count(*) FROM sends WHERE issue = ? AND state = 'sent'", issue)[0][0]

    def journal(self, issue: str, subscriber: int, state: str, message_id: str | None = None) -> None:
        """Record a message's state; 'bounced' also marks the subscriber bounced, in the same transaction."""
        stamp = now()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO sends (issue, subscriber, state, message_id, changed) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (issue, subscriber) DO UPDATE SET state = excluded.state, "
                    "message_id = coalesce(excluded.message_id, message_id), changed = excluded.changed",
                    (issue, subscriber, state, message_id, stamp),
                )
                if state == "bounced":
                    self._db.execute(
                        "UPDATE subscribers SET state = 'bounced', changed = ?, nonce = NULL WHERE id = ? AND state = 'active'",
                        (stamp, subscriber),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
