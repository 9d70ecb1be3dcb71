"""Link-health benchmark: ``check --online`` over 5,000 links on a local server that answers after 50 ms.

    python benchmarks/online.py                    # 5,000 links, 50 ms, 32 at once
    python benchmarks/online.py --links 1000 --json benchmarks/results/online.json

The floor is fetching the same URLs (HEAD) with the same concurrency and nothing else, measured in
the same run; ``check --online`` runs as a whole process, a first time (every link asked) and a
second time within the cache's time to live (no request at all).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from newsletter.weeks import issue_id, issue_path  # noqa: E402

PER_ISSUE = 50


def _serve(sock: socket.socket, delay: float) -> None:
    """A Starlette app answering every path with 200 after ``delay`` seconds (in its own process)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def page(request):
        await asyncio.sleep(delay)
        return PlainTextResponse("fine")

    app = Starlette(routes=[Route("/{path:path}", page, methods=["GET", "HEAD"])])
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, backlog=4096)).run(sockets=[sock])


def write_project(root: Path, base: str, links: int, concurrency: int) -> list[str]:
    """A project with ``links`` entries, 50 per weekly issue, every link on the local server."""
    (root / "newsletter.toml").write_text(
        f"[fetch]\nconcurrency = {concurrency}\nper_host = {concurrency}\ntimeout = 30\n", encoding="utf-8"
    )
    urls = [f"{base}/page/{n}" for n in range(links)]
    day = dt.date(2000, 1, 3)
    for start in range(0, links, PER_ISSUE):
        path = issue_path(root / "issues", issue_id(day))
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"date: {day}", "entries:"]
        for n, url in enumerate(urls[start : start + PER_ISSUE], start):
            lines += ["  - type: news", f"    title: Page {n}", f"    url: {url}"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        day += dt.timedelta(days=7)
    return urls


async def _floor(urls: list[str], concurrency: int) -> None:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def one(url: str) -> None:
            async with gate:
                (await http.head(url)).raise_for_status()

        await asyncio.gather(*(one(u) for u in urls))


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def check(root: Path) -> None:
    command = [sys.executable, "-m", "newsletter", "-C", str(root), "check", "--online",
               "--select", "link-dead,link-moved,link-unavailable", "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or json.loads(done.stdout):
        raise SystemExit(f"check --online failed: {done.stderr or done.stdout[:500]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=int, default=5000)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds the server takes to answer")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(sock, args.delay), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            urls = write_project(root, base, args.links, args.concurrency)
            asyncio.run(_floor(urls[:50], args.concurrency))  # the server warmed up
            floor = timed(lambda: asyncio.run(_floor(urls, args.concurrency)))
            first = timed(lambda: check(root))
            second = timed(lambda: check(root))
    finally:
        server.terminate()
    ideal = args.links / args.concurrency * args.delay
    figures = {
        "links": args.links, "delay_s": args.delay, "concurrency": args.concurrency, "ideal_s": round(ideal, 2),
        "floor_s": round(floor, 2), "first_s": round(first, 2), "first_x_floor": round(first / floor, 2),
        "cached_s": round(second, 2), "cached_x_first": round(second / first, 3),
    }
    print(f"{args.links} links, {args.delay * 1000:g} ms each, {args.concurrency} at once (ideal {ideal:.2f} s)")
    print(f"floor (HEAD each, same concurrency): {floor:.2f} s")
    print(f"check --online, first run:           {first:.2f} s ({first / floor:.2f}× floor)")
    print(f"check --online, from the cache:      {second:.2f} s ({second / first:.3f}× first run)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
