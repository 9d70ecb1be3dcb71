"""Whether links still work: HEAD (GET where refused) with per-host and overall limits, arXiv in batches, a cache."""

from __future__ import annotations

import asyncio
import email.utils
import socket
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urljoin

import httpx

from newsletter import urls
from newsletter.config import Config
from newsletter.links import arxiv
from newsletter.links.fetch import client_options

Verdict = Literal["ok", "dead", "moved", "unavailable"]
_REDIRECTS = (301, 302, 303, 307, 308)
_PERMANENT = (301, 308)
# a server that answers these to HEAD may still serve the page to GET
_RETRY_WITH_GET = range(400, 600)


@dataclass(frozen=True)
class Health:
    """What a link does now; ``moved_to`` is the new address of a permanently moved page."""

    verdict: Verdict
    reason: str
    moved_to: str | None = None


class HealthCache:
    """Verdicts by URL in ``.newsletter-cache/links.sqlite3``; a damaged file reads as empty."""

    def __init__(self, folder: Path, ttl_hours: float) -> None:
        self.path = folder / "links.sqlite3"
        self.ttl = ttl_hours * 3600

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute("CREATE TABLE IF NOT EXISTS health (url TEXT PRIMARY KEY, checked REAL, verdict TEXT, reason TEXT, moved_to TEXT)")
        return db

    def get(self, links: Iterable[str]) -> dict[str, Health]:
        """The fresh verdicts among ``links``."""
        wanted, since = set(links), time.time() - self.ttl
        try:
            with self._connect() as db:
                rows = db.execute("SELECT url, verdict, reason, moved_to FROM health WHERE checked >= ?", (since,)).fetchall()
        except sqlite3.Error:
            return {}
        # a row of another shape (a damaged or hand-edited file) is a miss, as a missing one
        return {u: Health(v, r, m) for u, v, r, m in rows
                if u in wanted and v in get_args(Verdict) and isinstance(r, str) and isinstance(m, str | None)}

    def put(self, results: dict[str, Health]) -> None:
        """Record ``results``; an unavailable link is not recorded, so the next run asks again."""
        now = time.time()
        rows = [(u, now, h.verdict, h.reason, h.moved_to) for u, h in results.items() if h.verdict != "unavailable"]
        try:
            with self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO health VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.Error:
            pass  # a cache that cannot be written only costs the next run time


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status_reason(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


class Checker:
    """One run: an asynchronous client, the limits, and the time each host asked us to wait until."""

    def __init__(self, http: httpx.AsyncClient, config: Config) -> None:
        self.http, self.config, self.fetch = http, config, config.fetch
        self.overall = asyncio.Semaphore(self.fetch.concurrency)
        self.hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self.fetch.per_host))
        self.resume: dict[str, float] = {}

    async def _once(self, url: str) -> httpx.Response:
        """HEAD, and GET (headers only) when the server refuses HEAD or errs on it."""
        async with self.overall:
            r = await self.http.head(url)
            if r.status_code in _RETRY_WITH_GET and r.status_code != 429:
                async with self.http.stream("GET", url) as r:
                    pass  # the status and headers are all we need; the body is never read
            return r

    async def _request(self, url: str) -> httpx.Response:
        """One answer for ``url``, waiting once for a Retry-After the host asks for (up to the setting)."""
        host = urls.host(url)
        loop = asyncio.get_running_loop()
        async with self.hosts[host]:
            for attempt in range(2):
                if (wait := self.resume.get(host, 0) - loop.time()) > 0:
                    await asyncio.sleep(wait)
                r = await self._once(url)
                delay = _retry_after(r.headers.get("retry-after")) if r.status_code in (429, 503) else None
                if attempt or delay is None or delay > self.fetch.max_retry_after:
                    return r
                self.resume[host] = max(self.resume.get(host, 0), loop.time() + delay)
            return r

    async def _no_such_host(self, url: str) -> bool:
        try:
            await asyncio.get_running_loop().getaddrinfo(urls.split(url).hostname or "", None)
        except socket.gaierror as e:
            return e.errno == socket.EAI_NONAME
        return False

    async def link(self, url: str) -> Health:
        """Follow ``url``'s redirects by hand, so a permanent move is told from a temporary one."""
        seen, current, moved_to, permanent = [url], url, None, True
        try:
            for _ in range(self.fetch.max_redirects + 1):
                r = await self._request(current)
                location = r.headers.get("location")
                if r.status_code not in _REDIRECTS or not location:
                    break
                target = urljoin(current, location)
                if target in seen:
                    return Health("dead", "redirects in a loop")
                permanent = permanent and r.status_code in _PERMANENT
                moved_to = target if permanent else moved_to
                seen.append(target)
                current = target
            else:
                return Health("dead", f"more than {self.fetch.max_redirects} redirects")
        except httpx.TimeoutException:
            return Health("unavailable", f"no answer within {self.fetch.timeout:g} s")
        except httpx.ConnectError:
            if await self._no_such_host(current):
                return Health("dead", f"no such host {urls.split(current).hostname}")
            return Health("unavailable", "cannot connect")
        except httpx.HTTPError as e:
            return Health("unavailable", f"{type(e).__name__}")
        return _verdict(url, r.status_code, current, moved_to)

    async def arxiv_batch(self, ids: list[str]) -> dict[str, Health]:
        """Verdicts of arXiv ids from one API request: a paper the API does not return is dead."""
        api = httpx.URL(self.fetch.arxiv_api, params=arxiv.query_params(ids))
        try:
            async with self.hosts[api.host]:
                r = await self.http.get(api, headers={"Accept": "application/atom+xml"})
            papers = arxiv.parse_feed(r.content) if r.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            papers = None
        if papers is None:
            return {i: Health("unavailable", "arXiv's API did not answer") for i in ids}
        return {i: Health("ok", "") if arxiv.base_id(i) in papers else Health("dead", f"arXiv has no paper {i}") for i in ids}

    async def arxiv(self, ids: list[str]) -> dict[str, Health]:
        """Every id, a batch at a time, pausing between requests as arXiv asks."""
        out: dict[str, Health] = {}
        size = self.fetch.arxiv_batch
        for start in range(0, len(ids), size):
            if start:
                await asyncio.sleep(self.fetch.arxiv_delay)
            out |= await self.arxiv_batch(ids[start : start + size])
        return out


def _verdict(url: str, status: int, final: str, moved_to: str | None) -> Health:
    via = f" (after redirects to {final})" if final != url else ""
    if 200 <= status < 300:
        # http→https, www. or a trailing slash is the same page, not a move
        if moved_to and urls.identity(moved_to) != urls.identity(url):
            return Health("moved", "moved permanently", moved_to)
        return Health("ok", "")
    if status in (404, 410):
        return Health("dead", _status_reason(status) + via)
    return Health("unavailable", _status_reason(status) + via)


async def _check(links: list[str], config: Config) -> dict[str, Health]:
    ids = {u: i for u in links if (i := urls.arxiv_id(u))}
    limits = httpx.Limits(max_connections=config.fetch.concurrency, max_keepalive_connections=config.fetch.concurrency)
    async with httpx.AsyncClient(follow_redirects=False, limits=limits, **client_options(config)) as http:
        checker = Checker(http, config)
        others = [u for u in links if u not in ids]
        results, by_id = await asyncio.gather(
            asyncio.gather(*(checker.link(u) for u in others)), checker.arxiv(sorted(set(ids.values()))),
        )
    return dict(zip(others, results)) | {u: by_id[i] for u, i in ids.items()}


def check_links(links: Iterable[str], config: Config, cache: HealthCache | None = None, refresh: bool = False) -> dict[str, Health]:
    """The health of every link, from the cache where fresh (unless ``refresh``), else from the network."""
    wanted = sorted(set(links))
    known = cache.get(wanted) if cache and not refresh else {}
    todo = [u for u in wanted if u not in known]
    found = asyncio.run(_check(todo, config)) if todo else {}
    if cache:
        cache.put(found)
    return known | found
