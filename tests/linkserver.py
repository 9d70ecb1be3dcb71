"""A real HTTP server on 127.0.0.1 (ephemeral port) serving canned pages and API answers to the link tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Route:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    # the status a HEAD request gets when it differs (405: HEAD refused)
    head_status: int | None = None
    # a body that never ends, and a server that never answers
    endless: bool = False
    hang: bool = False
    # a route answered differently after the first n requests (429 then 200)
    then: "Route | None" = None
    after: int = 1


class LinkServer:
    """Routes by path (query included when the route names one); records every request."""

    def __init__(self, delay: float = 0.0) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.released = threading.Event()
        self.delay = delay
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                server.answer(self, "HEAD")

            def do_GET(self) -> None:
                server.answer(self, "GET")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *args: object, **kwargs: object) -> str:
        self.routes[path] = Route(*args, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def hits(self, path: str, method: str | None = None) -> int:
        return sum(1 for m, p, _ in self.requests if p == path and method in (None, m))

    def _find(self, target: str) -> tuple[Route | None, int]:
        path = urlsplit(target).path
        route = self.routes.get(target) or self.routes.get(path)
        return route, self.hits(target if target in self.routes else path)

    def answer(self, h: BaseHTTPRequestHandler, method: str) -> None:
        with self._lock:
            self.requests.append((method, urlsplit(h.path).path, dict(h.headers)))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            self._answer(h, method)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, h: BaseHTTPRequestHandler, method: str) -> None:
        route, seen = self._find(h.path)
        while route is not None and route.then is not None and seen > route.after:
            seen -= route.after
            route = route.then
        if route is None:
            route = Route(404, "not found")
        if route.hang:
            self.released.wait(30)
            return
        status = route.head_status if method == "HEAD" and route.head_status else route.status
        body = route.body.encode() if isinstance(route.body, str) else route.body
        h.send_response(status)
        for k, v in route.headers.items():
            h.send_header(k, v)
        if "Content-Type" not in route.headers:
            h.send_header("Content-Type", "text/html; charset=utf-8")
        if route.endless:
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            if method == "GET":
                self._stream(h, body)
            return
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if method == "GET":
            h.wfile.write(body)

    def _stream(self, h: BaseHTTPRequestHandler, head: bytes) -> None:
        chunk = b"<p>" + b"x" * 65536 + b"</p>"
        try:
            for part in [head] + [chunk] * 10_000:  # 650 MB: far beyond any cap
                h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def __enter__(self) -> "LinkServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()
