"""One polite HTTP client: an identifying User-Agent, a timeout, a size cap and a redirect limit."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from newsletter import __version__
from newsletter.config import Config


class FetchError(Exception):
    """The network did not give an answer; the message says why in a few words."""


@dataclass
class Page:
    """A fetched page: the URL after redirects, the status, and at most ``max_bytes`` of its body."""

    url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes


def user_agent(config: Config) -> str:
    """The one User-Agent of every request: the configured one, else the package and the newsletter's address."""
    return config.fetch.user_agent or f"newsletter/{__version__} (+{config.base_url})"


def client_options(config: Config) -> dict:
    """Settings shared by the blocking client of ``add`` and the asynchronous one of ``check --online``."""
    return {
        "headers": {"User-Agent": user_agent(config)},
        "timeout": httpx.Timeout(config.fetch.timeout),
        "max_redirects": config.fetch.max_redirects,
    }


def client(config: Config) -> httpx.Client:
    return httpx.Client(follow_redirects=True, **client_options(config))


def failure(e: httpx.HTTPError, config: Config) -> FetchError:
    """A short reason for a failed request."""
    if isinstance(e, httpx.TooManyRedirects):
        return FetchError(f"more than {config.fetch.max_redirects} redirects")
    if isinstance(e, httpx.TimeoutException):
        return FetchError(f"no answer within {config.fetch.timeout:g} s")
    if isinstance(e, httpx.TransportError):
        return FetchError(f"cannot connect ({type(e).__name__})")
    return FetchError(type(e).__name__)


def get(http: httpx.Client, url: str, config: Config, *, accept: str = "text/html,*/*;q=0.8",
        headers: dict[str, str] | None = None) -> Page:
    """GET ``url`` following redirects; the body is cut at ``max_bytes`` and the whole read at the timeout."""
    limit, deadline = config.fetch.max_bytes, time.monotonic() + config.fetch.timeout
    try:
        with http.stream("GET", url, headers={"Accept": accept, **(headers or {})}) as r:
            body = bytearray()
            for chunk in r.iter_bytes():
                body += chunk
                # a page that never ends, or trickles, must not hold the command
                if len(body) >= limit or time.monotonic() > deadline:
                    break
            content_type = r.headers.get("content-type", "").partition(";")[0].strip().lower()
            return Page(str(r.url), r.status_code, content_type, r.charset_encoding, bytes(body[:limit]))
    except httpx.HTTPError as e:
        raise failure(e, config) from None
