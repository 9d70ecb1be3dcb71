"""The manifest of a build: which source, by content key, made which outputs, as they were written.

A rebuild skips an issue whose key is unchanged while its outputs still have the size, mtime and
inode recorded here; any other file in their place (edited, replaced, deleted) is rebuilt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsletter.build.sources import Stat

Signature = tuple[int, int, int]


def signature(path: str | Path) -> Signature | None:
    """(size, mtime_ns, inode) of a file, or None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def intact(outputs: dict[str, Signature]) -> bool:
    """Whether every file in ``outputs`` is still the one recorded."""
    return all(signature(path) == sig for path, sig in outputs.items())


@dataclass
class IssueRecord:
    """One issue file's part of a build: its content key, its outputs and its warning."""

    key: str
    outputs: dict[str, Signature]
    warning: str | None = None


@dataclass
class Manifest:
    """Everything a build wrote into one output folder, and from what."""

    fingerprint: str = ""
    issues: dict[str, IssueRecord] = field(default_factory=dict)
    # the outputs made from the whole archive: the digest and the feeds
    archive: dict[str, Signature] = field(default_factory=dict)
    # each issue file's stat and digest, as the next build may trust them (see newsletter.build.sources)
    sources: dict[str, tuple[Stat, str]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Any) -> "Manifest":
        """The manifest stored as ``data``; an empty one when it is missing or malformed."""
        try:
            issues = {
                rel: IssueRecord(r["key"], _signatures(r["outputs"]), r["warning"]) for rel, r in data["issues"].items()
            }
            sources = {str(path): ((int(a), int(b), int(c), int(d)), str(h)) for path, ((a, b, c, d), h) in data["sources"].items()}
            return cls(str(data["fingerprint"]), issues, _signatures(data["archive"]), sources)
        except (KeyError, TypeError, ValueError, AttributeError):
            return cls()

    def to_data(self) -> dict:
        issues = {rel: {"key": r.key, "outputs": r.outputs, "warning": r.warning} for rel, r in self.issues.items()}
        return {"fingerprint": self.fingerprint, "issues": issues, "archive": self.archive, "sources": self.sources}

    def fresh(self, rel: str, key: str) -> bool:
        """Whether the issue file ``rel`` with content key ``key`` was built and its outputs are intact."""
        record = self.issues.get(rel)
        return record is not None and record.key == key and intact(record.outputs)

    def fresh_issues(self, fingerprint: str, keys: dict[str, str]) -> set[str]:
        """The issue files (content keys by file) whose outputs this build would not change."""
        if fingerprint != self.fingerprint:
            return set()
        return {rel for rel, key in keys.items() if self.fresh(rel, key)}

    def up_to_date(self, fingerprint: str, keys: dict[str, str], fresh: set[str]) -> bool:
        """Whether a build of these issue files, of which ``fresh`` are fresh, would write nothing."""
        return fingerprint == self.fingerprint and len(fresh) == len(keys) == len(self.issues) and intact(self.archive)


def _signatures(data: dict) -> dict[str, Signature]:
    return {str(path): (int(a), int(b), int(c)) for path, (a, b, c) in data.items()}
