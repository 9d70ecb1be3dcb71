"""What ``add`` learns from a link: title, organisations, authors, date, venue, from the best source for its site."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, urljoin

import httpx

from newsletter import urls
from newsletter.config import Config
from newsletter.links import arxiv
from newsletter.links.fetch import FetchError, client, get
from newsletter.links.page import page_meta

# name -> the spelling to write, or None when the name is not a known organisation
Orgs = Callable[[str], "str | None"]

_HF_PAPER = re.compile(r"^/papers/(\d{4}\.\d{4,5})(?:v\d+)?/?$")
# github.com/<these>/… are GitHub's own pages, not repositories
_GITHUB_RESERVED = {"orgs", "topics", "sponsors", "features", "marketplace", "settings", "collections", "trending", "about"}


@dataclass
class LinkInfo:
    """What a link says about itself; ``same_as`` is another address of the same page (for duplicates)."""

    url: str
    title: str
    orgs: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    submitted: str | None = None
    note: str | None = None
    summary: str | None = None
    same_as: str | None = None


def _json(http: httpx.Client, url: str, config: Config, what: str, params: dict | None = None,
          headers: dict[str, str] | None = None) -> Any | None:
    """The JSON answer of an API, None when it has no such thing (404)."""
    full = str(httpx.URL(url, params=params)) if params else url
    page = get(http, full, config, accept="application/json", headers=headers)
    if page.status == 404:
        return None
    if page.status != 200:
        raise FetchError(f"{what} answered {page.status}")
    try:
        return json.loads(page.body)
    except ValueError:
        raise FetchError(f"{what} answered something that is not JSON") from None


def arxiv_papers(http: httpx.Client, ids: list[str], config: Config) -> dict[str, arxiv.Paper]:
    """The papers arXiv knows among ``ids``, by id without version."""
    page = get(http, str(httpx.URL(config.fetch.arxiv_api, params=arxiv.query_params(ids))), config, accept="application/atom+xml")
    if page.status != 200:
        raise FetchError(f"arXiv's API answered {page.status}")
    try:
        return arxiv.parse_feed(page.body)
    except ValueError as e:
        raise FetchError(str(e)) from None


def _from_arxiv(http: httpx.Client, url: str, ident: str, config: Config, orgs: Orgs) -> LinkInfo:
    paper = arxiv_papers(http, [ident], config).get(arxiv.base_id(ident))
    if paper is None:
        raise FetchError(f"arXiv has no paper {ident}")
    known = [o for o in map(orgs, paper.affiliations) if o]
    return LinkInfo(url, paper.title, list(dict.fromkeys(known)), paper.authors, paper.submitted,
                    same_as=f"https://arxiv.org/abs/{paper.id}")


def _from_github(http: httpx.Client, url: str, owner: str, repo: str, config: Config, orgs: Orgs) -> LinkInfo | None:
    # with a token GitHub allows 5,000 requests an hour instead of 60 (httpx drops it on a redirect elsewhere)
    token = os.environ.get("GITHUB_TOKEN")
    auth = {"Authorization": f"Bearer {token}"} if token else None
    data = _json(http, f"{config.fetch.github_api.rstrip('/')}/repos/{owner}/{repo}", config, "GitHub's API", headers=auth)
    if not isinstance(data, dict) or not data.get("name"):
        return None
    owner_data = data.get("owner") or {}
    login = str(owner_data.get("login") or owner)
    org = [orgs(login) or login] if owner_data.get("type") == "Organization" else []
    # a renamed or moved repository: GitHub's API names where it lives now
    html_url = str(data.get("html_url") or "")
    moved = html_url if urls.split(url).path.strip("/").count("/") == 1 and html_url.startswith("https://") else url
    description = " ".join(str(data.get("description") or "").split()) or None
    return LinkInfo(moved, str(data["name"]), org, summary=description)


def _from_openreview(http: httpx.Client, url: str, note_id: str, config: Config) -> LinkInfo | None:
    data = _json(http, f"{config.fetch.openreview_api.rstrip('/')}/notes", config, "OpenReview's API", {"id": note_id})
    notes = data.get("notes") if isinstance(data, dict) else None
    if not notes:
        return None
    content = notes[0].get("content") or {}

    def value(key: str) -> str:
        v = content.get(key)
        # API v2 wraps every field as {"value": …}; v1 gives it bare
        v = v.get("value") if isinstance(v, dict) else v
        return " ".join(str(v or "").split())

    venue = value("venue")
    return LinkInfo(url, value("title"), note=f"({venue})" if venue else None) if value("title") else None


def _from_page(http: httpx.Client, url: str, config: Config, orgs: Orgs) -> LinkInfo:
    page = get(http, url, config)
    if page.status >= 400:
        raise FetchError(f"the page answered {page.status}")
    meta = page_meta(page.body, page.charset) if "html" in page.content_type or not page.content_type else None
    if meta is None or not meta.title:
        raise FetchError("the page gives no title")
    hint = orgs(meta.site_name) or meta.site_name if meta.site_name else orgs(_host_name(page.url))
    canonical = urljoin(page.url, meta.canonical) if meta.canonical else None
    return LinkInfo(page.url, meta.title, [hint] if hint else [], meta.authors,
                    same_as=canonical if canonical and canonical.startswith(("https://", "http://")) else None)


def _host_name(url: str) -> str:
    """The name part of a host: ``openai.com`` → ``openai``."""
    labels = urls.host(url).split(".")
    return labels[-2] if len(labels) >= 2 else labels[0]


def describe(http: httpx.Client, url: str, config: Config, orgs: Orgs) -> LinkInfo:
    """Ask the best source about ``url``; raises :class:`FetchError` when the network gives no answer."""
    host, parts = urls.host(url), urls.split(url)
    if ident := urls.arxiv_id(url):
        return _from_arxiv(http, url, ident, config, orgs)
    if host == "huggingface.co" and (m := _HF_PAPER.match(parts.path)):
        return _from_arxiv(http, url, m[1], config, orgs)
    segments = [s for s in parts.path.split("/") if s]
    if host == "github.com" and len(segments) >= 2 and segments[0] not in _GITHUB_RESERVED:
        if info := _from_github(http, url, segments[0], segments[1].removesuffix(".git"), config, orgs):
            return info
    if host == "openreview.net" and (note_id := parse_qs(parts.query).get("id", [""])[0]):
        if info := _from_openreview(http, url, note_id, config):
            return info
    return _from_page(http, url, config, orgs)


def lookup(config: Config, url: str, orgs: Orgs) -> LinkInfo:
    """:func:`describe` with a client of its own."""
    with client(config) as http:
        return describe(http, url, config, orgs)
