"""The entries' anchors, and organisation names grouped as ``check`` groups them."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from newsletter.config import Config
from newsletter.rules.text import variant_key

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
        # an archive names the same few organisations over and over
        self._names: dict[str, tuple[str, str]] = {}

    def key(self, org: str) -> str:
        return variant_key(self.aliases.get(org, org))

    def name(self, org: str) -> str:
        """The name shown for ``org``: the known spelling of its group, else its alias target or itself."""
        return self.name_and_slug(org)[0]

    def slug(self, org: str) -> str:
        """The file name of the organisation's pages."""
        return self.name_and_slug(org)[1]

    def name_and_slug(self, org: str) -> tuple[str, str]:
        """Both at once, for the passes over every entry of an archive."""
        if org not in self._names:
            key = self.key(org)
            self._names[org] = (self.known.get(key, self.aliases.get(org, org)), slug(key))
        return self._names[org]
