"""URL normalisation shared by ``add`` and the link rules: tracking parameters, arXiv forms, identity."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "ref_src", "lid", "_bhlid", "si",
    "igshid", "yclid", "_hsenc", "_hsmi", "mkt_tok", "vero_id", "oly_anon_id", "oly_enc_id", "rb_clickid",
})

_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
_ARXIV_PATH = re.compile(r"^/(?:abs|pdf|html|format)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?(?:\.pdf)?/?$")


# the rules ask about the same few URLs many times over (every rule parses each link again)
@lru_cache(maxsize=1 << 14)
def split(url: str) -> SplitResult:
    """``url`` split into its parts; one that does not parse (``http://[::1``) is all path."""
    try:
        parts = urlsplit(url)
        parts.port  # raises for a port out of range or not a number
        return parts
    except ValueError:
        return SplitResult("", "", url, "", "")


def host(url: str) -> str:
    """The lower-case host of ``url`` without ``www.`` ('' if there is none)."""
    return (split(url).hostname or "").removeprefix("www.")


def is_tracking_param(name: str, extra: frozenset[str] | set[str] = frozenset()) -> bool:
    n = name.lower()
    return n.startswith("utm_") or n in TRACKING_PARAMS or n in extra


def tracking_params(url: str, extra: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Names of the tracking parameters in ``url``'s query."""
    query = split(url).query
    return [k for k, _ in parse_qsl(query, keep_blank_values=True) if is_tracking_param(k, extra)]


def strip_tracking(url: str, extra: frozenset[str] | set[str] = frozenset()) -> str:
    """``url`` without tracking parameters; every other parameter is kept in order."""
    parts = split(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k, extra)]
    if len(kept) == len(parse_qsl(parts.query, keep_blank_values=True)):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept, doseq=True, safe="/:@!$'()*,;")))


def arxiv_id(url: str, *, keep_version: bool = True) -> str | None:
    """The arXiv identifier in an arxiv.org link (``2402.07827v2``), or None."""
    parts = split(url)
    if (parts.hostname or "").lower() not in _ARXIV_HOSTS:
        return None
    m = _ARXIV_PATH.match(parts.path)
    if not m:
        return None
    return m[1] + (m[2] or "") if keep_version else m[1]


def canonical_arxiv(url: str) -> str | None:
    """``https://arxiv.org/abs/<id>`` for any arXiv abstract/PDF/HTML link (version kept), else None."""
    ident = arxiv_id(url)
    return f"https://arxiv.org/abs/{ident}" if ident else None


def normalize(url: str, extra: frozenset[str] | set[str] = frozenset()) -> str:
    """The form ``add`` stores: https added to a bare host, tracking removed, arXiv canonical."""
    url = url.strip()
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) and re.match(r"^[\w-]+(\.[\w-]+)+(/|$)", url):
        url = "https://" + url
    url = strip_tracking(url, extra)
    return canonical_arxiv(url) or url


@lru_cache(maxsize=1 << 14)
def identity(url: str) -> str:
    """A key under which two links to the same page compare equal (for duplicate detection).

    Scheme, ``www.``, a trailing slash, the fragment, tracking parameters and the arXiv
    version and form are ignored.
    """
    url = normalize(url)
    if ident := arxiv_id(url, keep_version=False):
        return f"arxiv:{ident}"
    parts = split(url)
    h = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/") or ""
    return f"{h}{path}" + (f"?{parts.query}" if parts.query else "")
