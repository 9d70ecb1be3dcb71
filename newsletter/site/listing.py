"""What the site's lists know of an entry, the entries' anchors, and organisation names grouped as ``check`` groups them."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from newsletter.config import Config
from newsletter.model import Issue
from newsletter.render.html import heading
from newsletter.rules.text import variant_key
from newsletter.urls import is_web_link

_WORD = re.compile(r"[^\W_]+")
_ASCII_SLUG = re.compile(r"[a-z0-9]+")
ANCHOR_WORDS = 8


def anchors(titles: Iterable[str]) -> list[str]:
    """A stable, unique fragment id per entry, made of its title's first words (``self-correct-via-rl``)."""
    seen: Counter[str] = Counter()
    out = []
    for n, title in enumerate(titles, 1):
        words = _WORD.findall(unicodedata.normalize("NFKC", title).casefold())[:ANCHOR_WORDS]
        base = "-".join(words) or f"entry-{n}"
        seen[base] += 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


def slug(name: str) -> str:
    """A file name for ``name``: its ASCII letters and digits, plus a short hash when that loses anything."""
    ascii_part = "-".join(_ASCII_SLUG.findall(name.casefold()))
    if ascii_part == name:
        return name
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{ascii_part}-{digest}" if ascii_part else digest


class OrgNames:
    """Organisation identity as ``check`` sees it: ``org_aliases`` applied, then case, spaces, dots and
    hyphens ignored; a known spelling (built-in list, ``[check] orgs``) names the group."""

    def __init__(self, config: Config, known: Iterable[str]) -> None:
        self.aliases = config.check.org_aliases
        self.known = {variant_key(n): n for n in sorted({*known, *config.check.orgs, *self.aliases.values()})}

    def key(self, org: str) -> str:
        return variant_key(self.aliases.get(org, org))

    def name(self, org: str) -> str:
        """The name shown for ``org``: the known spelling of its group, else its alias target or itself."""
        return self.known.get(self.key(org), self.aliases.get(org, org))

    def slug(self, org: str) -> str:
        return slug(self.key(org))


@dataclass(frozen=True)
class Listed:
    """One entry as the organisation and type pages list it."""

    issue: str
    date: str
    anchor: str
    type: str
    title: str
    url: str | None
    orgs: tuple[str, ...]
    note: str | None


def listing(issue: Issue, config: Config) -> dict:
    """The issue's part of the site's lists (its heading and entries), as plain data the build cache can store."""
    entries = [
        {"anchor": a, "type": e.type, "title": e.title, "url": e.url if is_web_link(e.url) else None, "orgs": e.org, "note": e.note}
        for a, e in zip(anchors(e.title for e in issue.entries), issue.entries)
    ]
    return {"heading": heading(issue, config), "entries": entries}


def listed(issue_id: str, date: str, data: dict) -> list[Listed]:
    """The entries of one issue's listing data."""
    return [Listed(issue_id, date, e["anchor"], e["type"], e["title"], e["url"], tuple(e["orgs"]), e["note"]) for e in data["entries"]]
