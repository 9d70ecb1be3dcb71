"""Every question asked of a URL, in one place: parsing, "is this a web link", host matching, the entry type
a link suggests, tracking parameters, https, arXiv forms and identity. ``add``, ``import``, the check rules
and the renderers all ask here, so they cannot disagree."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from newsletter.config import Config

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "ref_src", "lid", "_bhlid", "si",
    "igshid", "yclid", "_hsenc", "_hsmi", "mkt_tok", "vero_id", "oly_anon_id", "oly_enc_id", "rb_clickid",
})

# hosts (and their subdomains) known to serve every page over https
HTTPS_HOSTS = (
    "arxiv.org", "github.com", "github.io", "huggingface.co", "hf.co", "openai.com", "google.com",
    "blog.google", "youtube.com", "youtu.be", "microsoft.com", "meta.com", "facebook.com", "anthropic.com",
    "claude.ai", "mistral.ai", "nvidia.com", "apple.com", "amazon.com", "aws.amazon.com", "x.com",
    "twitter.com", "linkedin.com", "medium.com", "substack.com", "notion.site", "wikipedia.org",
    "openreview.net", "aclanthology.org", "paperswithcode.com", "kaggle.com", "pytorch.org",
    "deeplearning.ai", "stability.ai", "cohere.com", "ibm.com", "scale.ai", "groq.com", "lambdalabs.com",
    "theverge.com", "techcrunch.com", "reuters.com", "bloomberg.com", "cnbc.com", "wired.com", "nytimes.com",
)
# top-level domains on the browsers' HSTS preload list: https is the only way to reach them
HTTPS_TLDS = ("app", "dev", "page", "google", "new", "day", "foo", "bank", "insurance", "youtube")

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_WEB_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
# characters a reader cannot see: controls, bidi overrides, zero-width marks, line separators
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")
_BARE_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?(/|$)")
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


@lru_cache(maxsize=1 << 14)
def web_parts(url: str) -> SplitResult | None:
    """The parts of ``url`` when it is a web link every output may carry, else None: an absolute http(s)
    URL with a plausible host, no user name or password before the host, nothing invisible or deceptive.

    This is the one gate: the link rules accept exactly these links, and the generators link nothing else.
    """
    parts = split(url)
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not _WEB_HOST.match(host) or re.search(r"\s", url):
        return None
    return parts if ("." in host or host == "localhost") and deception(url) is None else None


def is_web_link(url: str | None) -> bool:
    """Whether ``url`` passes the gate of :func:`web_parts`."""
    return url is not None and web_parts(url) is not None


def deception(url: str) -> str | None:
    """What in ``url`` would make a link show one place and open another, or None."""
    if "\\" in url:
        return "a backslash, which browsers read as '/' (so the host is not the one shown)"
    found = _INVISIBLE.search(url)
    char = found[0] if found else None if url.isascii() else next((c for c in url if unicodedata.category(c) == "Cf"), None)
    if char:
        return f"the invisible character U+{ord(char):04X}"
    if "@" in split(url).netloc:
        return "a user name or password before the host (user@host), which hides where it goes"
    return None


def host(url: str) -> str:
    """The lower-case host of ``url`` without ``www.`` ('' if there is none)."""
    return (split(url).hostname or "").removeprefix("www.")


def scheme(url: str) -> str | None:
    """The scheme ``url`` starts with (``https``, ``javascript``…) as written, or None."""
    m = _SCHEME.match(url)
    return m[1] if m else None


def is_bare_host(url: str) -> bool:
    """Whether ``url`` is a link without its scheme, such as ``arxiv.org/abs/…``: a host, then a path or nothing."""
    return scheme(url) is None and _BARE_HOST.match(url) is not None and not re.search(r"\s", url)


def is_pdf(url: str) -> bool:
    """Whether ``url`` is a web link to a PDF file."""
    parts = web_parts(url)
    return parts is not None and parts.path.lower().endswith(".pdf")


def is_tracking_param(name: str, extra: frozenset[str] | set[str] = frozenset()) -> bool:
    n = name.lower()
    return n.startswith("utm_") or n in TRACKING_PARAMS or n in extra


def tracking_params(url: str, extra: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Names of the tracking parameters in ``url``'s query."""
    query = split(url).query
    return [k for k, _ in parse_qsl(query, keep_blank_values=True) if is_tracking_param(k, extra)]


def _without_tracking(query: str, extra: frozenset[str] | set[str] = frozenset()) -> str:
    """``query`` without tracking parameters; ``query`` itself when it has none."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not is_tracking_param(k, extra)]
    return query if len(kept) == len(pairs) else urlencode(kept, doseq=True, safe="/:@!$'()*,;")


def strip_tracking(url: str, extra: frozenset[str] | set[str] = frozenset()) -> str:
    """``url`` without tracking parameters; every other parameter is kept in order."""
    parts = split(url)
    query = _without_tracking(parts.query, extra)
    return url if query is parts.query else urlunsplit(parts._replace(query=query))


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


def _with_scheme(url: str) -> str:
    """``url`` stripped, with ``https://`` before a bare host such as ``arxiv.org/abs/…``."""
    url = url.strip()
    return "https://" + url if is_bare_host(url) else url


@lru_cache(maxsize=1 << 14)
def domains(host: str) -> frozenset[str]:
    """The host (lower-case, without ``www.``) and each parent domain: one set lookup each instead of a
    suffix test per domain."""
    labels = host.lower().removeprefix("www.").split(".")
    return frozenset(".".join(labels[n:]) for n in range(len(labels)))


def on_host(host: str, listed: Iterable[str]) -> bool:
    """Whether ``host`` is one of the ``listed`` domains or a subdomain of one."""
    return not domains(host).isdisjoint(listed)


def serves_https(host: str, also: Iterable[str] = ()) -> bool:
    """Whether ``host`` is known to serve every page over https: a listed domain (or ``also``), a subdomain
    of one, or a top-level domain browsers reach only over https."""
    return on_host(host, HTTPS_HOSTS) or on_host(host, also) or host.lower().rpartition(".")[2] in HTTPS_TLDS


def config_hosts(config: Config) -> frozenset[str]:
    """The domains of the configured entry types' typical hosts (``huggingface.co/papers`` → ``huggingface.co``)."""
    return frozenset(_pattern(p)[0] for t in config.types.values() for p in t.hosts)


@lru_cache(maxsize=1 << 10)
def _pattern(pattern: str) -> tuple[str, tuple[str, ...]]:
    """A host pattern (``huggingface.co/papers``) as its lower-case domain and its path segments."""
    domain, _, path = pattern.strip().partition("/")
    return domain.lower().removeprefix("www."), tuple(s for s in path.split("/") if s)


def _specificity(url: str, pattern: str) -> tuple[int, int] | None:
    """How specific ``pattern`` (``host`` or ``host/path``) is for ``url``: (domain labels, path segments),
    or None when it does not cover the link. The host matches as itself or a subdomain; the path on whole
    segments, so ``huggingface.co/papers`` covers ``/papers/2409.1`` but not ``/papersmith``."""
    parts = split(url)
    domain, segments = _pattern(pattern)
    if not domain or domain not in domains(parts.hostname or ""):
        return None
    if segments and tuple(s for s in parts.path.split("/") if s)[: len(segments)] != segments:
        return None
    return domain.count(".") + 1, len(segments)


class _HasHosts(Protocol):
    hosts: list[str]


def infer_type(url: str | None, types: Mapping[str, _HasHosts]) -> str | None:
    """The type whose most specific host pattern covers ``url`` (written with or without ``https://``),
    whatever the order of ``types``; None when none does. Of two equally specific patterns (the same
    pattern listed under two types) the first type's wins."""
    if not url:
        return None
    url = _with_scheme(url)  # a link written without https:// still names its host
    best: tuple[tuple[int, int], str] | None = None
    for name, entry_type in types.items():
        for pattern in entry_type.hosts:
            score = _specificity(url, pattern)
            if score is not None and (best is None or score > best[0]):
                best = (score, name)
    return best[1] if best else None


def normalize(url: str, extra: frozenset[str] | set[str] = frozenset(), https: Iterable[str] = ()) -> str:
    """The form ``add`` stores: https added to a bare host (or to http:// where the host serves it,
    see :func:`serves_https` with ``https``), tracking removed, arXiv canonical."""
    url = strip_tracking(_with_scheme(url), extra)
    parts = split(url)
    if parts.scheme.lower() == "http" and serves_https(parts.hostname or "", https):
        url = "https" + url[len(parts.scheme):]
    return canonical_arxiv(url) or url


@lru_cache(maxsize=1 << 14)
def identity(url: str) -> str:
    """A key under which two links to the same page compare equal (for duplicate detection).

    Scheme, ``www.``, a trailing slash, the fragment, tracking parameters and the arXiv
    version and form are ignored.
    """
    # one parse instead of normalize(): this runs for every link of the archive
    parts = split(_with_scheme(url))
    h = (parts.hostname or "").lower()
    if h in _ARXIV_HOSTS and (m := _ARXIV_PATH.match(parts.path)):
        return f"arxiv:{m[1]}"
    query = _without_tracking(parts.query)
    return f"{h.removeprefix('www.')}{parts.path.rstrip('/')}" + (f"?{query}" if query else "")


def issue_page(issue_id: str) -> str:
    """Where an issue's web page lives below ``base_url``: its stable URL, linked from the email and the feeds."""
    return f"issues/{issue_id}.html"
