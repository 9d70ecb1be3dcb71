"""``published.json``: what each issue file held when it was last published, to tell later edits apart."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from newsletter.errors import NewsletterError
from newsletter.fsio import editable, rewrite

LEDGER_NAME = "published.json"


def digest(data: bytes) -> str:
    """The fingerprint of an issue file's bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def read(root: Path) -> dict[str, str]:
    """Issue id → digest of its file when last published; empty when nothing was recorded yet."""
    path = root / LEDGER_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise NewsletterError(f"cannot read the publish record: {e}; restore it from git", str(path)) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise NewsletterError("the publish record is not a mapping of issue ids to digests; restore it from git", str(path))
    return data


def record(root: Path, files: dict[str, bytes]) -> None:
    """Remember the bytes of the issue files just published (id → bytes written)."""
    ledger = read(root) | {issue_id: digest(data) for issue_id, data in files.items()}
    text = json.dumps(dict(sorted(ledger.items())), indent=2) + "\n"
    rewrite(writable(root), text.encode("utf-8"), root, LEDGER_NAME)


def writable(root: Path) -> Path:
    """The record's path, once sure that writing it replaces no other file of the project (through a link)."""
    from newsletter.outputs import source_hit

    path = root / LEDGER_NAME
    if (hit := source_hit(root, path)) != LEDGER_NAME:
        raise NewsletterError(f"is a link to the project's {hit}; make it a file of its own (or remove it)", LEDGER_NAME)
    return editable(path, root, LEDGER_NAME)


def changed(root: Path, digests: dict[str, str | None]) -> list[str]:
    """Ids of the recorded issues whose file's digest (``digests``: id → digest, None when unreadable) differs from
    what was published."""
    return sorted(i for i, recorded in read(root).items() if digests.get(i) not in (None, recorded))
