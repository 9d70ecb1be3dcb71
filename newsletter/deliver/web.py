"""``newsletter serve``: subscribe (double opt-in), confirm and one-click unsubscribe, as a Starlette application."""

from __future__ import annotations

import hashlib
import sys
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import jinja2
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsletter.config import Config
from newsletter.deliver import tokens
from newsletter.deliver.addresses import normalise
from newsletter.deliver.send import Fatal, Relay
from newsletter.deliver.store import Store, now
from newsletter.render.html import site_host
from newsletter.render.templates import render

PAGE_TEMPLATE = "list-page.html.j2"
CONFIRM_MAIL_TEMPLATE = "confirm-email.txt.j2"
_HOUR = 3600.0


class RateLimit:
    """At most ``limit`` events per key in any hour; keys are kept in memory only."""

    def __init__(self, limit: int):
        self.limit = limit
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        at = time.monotonic()
        if len(self._seen) > 10_000:  # forget keys quiet for an hour, so memory stays bounded
            self._seen = defaultdict(deque, {k: v for k, v in self._seen.items() if v and v[-1] > at - _HOUR})
        seen = self._seen[key]
        while seen and seen[0] <= at - _HOUR:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(at)
        return True


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuses (413) a request whose body is over ``limit`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            return await PlainTextResponse("Request too large", 413)(scope, receive, send)
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await PlainTextResponse("Request too large", 413)(scope, receive, send)


@dataclass
class Endpoint:
    """What the pages need: the settings, the store, the secret and the templates."""

    config: Config
    store: Store
    secret: bytes
    env: jinja2.Environment

    def __post_init__(self) -> None:
        self.per_client = RateLimit(self.config.serve.per_client_per_hour)
        self.per_address = RateLimit(self.config.serve.per_address_per_hour)

    def page(self, page: str, status: int = 200, **context: object) -> HTMLResponse:
        html = render(self.env, PAGE_TEMPLATE, page=page, config=self.config, **context)
        return HTMLResponse(html, status, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def form(self, request: Request) -> HTMLResponse:
        return self.page("subscribe")

    async def subscribe(self, request: Request) -> HTMLResponse:
        if not self.per_client.allow(request.client.host if request.client else ""):
            return self.page("limited", 429)
        async with request.form(max_files=0, max_fields=8) as form:
            address = normalise(str(form.get("email", "")))
        if address is None:
            return self.page("subscribe", 400, invalid=True)
        # one answer for everyone: whether the address is known, active or limited shows nowhere
        answer = self.page("check-inbox")
        key = hashlib.sha256(address.encode()).hexdigest()
        if self.per_address.allow(key) and (pending := self.store.request(address)) is not None:
            answer.background = BackgroundTask(self.send_confirmation, address, *pending)
        return answer

    def send_confirmation(self, address: str, subscriber: int, nonce: str) -> None:
        """Mail the double opt-in link; a relay failure is logged without the address."""
        expires = str(int(time.time() + self.config.serve.confirm_hours * _HOUR))
        token = tokens.sign(self.secret, "confirm", subscriber, address, expires, nonce)
        text = render(self.env, CONFIRM_MAIL_TEMPLATE, config=self.config, url=f"{self.config.serve_url}confirm/{token}",
                      hours=round(self.config.serve.confirm_hours))
        subject, _, body = text.partition("\n\n")
        message = EmailMessage()
        message["Subject"] = subject.removeprefix("Subject:").strip()
        message["From"] = self.config.email.from_address
        message["To"] = address
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid("confirm", site_host(self.config))
        message.set_content(body)
        relay = Relay(self.config)
        try:
            relay.send(address, message.as_bytes())
        except (Fatal, OSError) as e:
            print(f"newsletter serve: {now()}: a confirmation mail was not sent: {type(e).__name__} {getattr(e, 'smtp_code', '')}",
                  file=sys.stderr)
        finally:
            relay.close()

    def _subscriber(self, purpose: str, token: str) -> tuple[int, list[str]] | None:
        """The id and token fields of the subscriber a genuine token names, else None."""
        found = tokens.fields(token)
        if not found:
            return None
        subscriber = self.store.get(int(found[0]))
        if subscriber is None or not tokens.verify(self.secret, purpose, token, subscriber.address):
            return None
        return subscriber.id, found

    async def confirm(self, request: Request) -> HTMLResponse:
        token = request.path_params["token"]
        found = self._subscriber("confirm", token)
        if found is None or len(found[1]) != 3 or not found[1][1].isdigit() or int(found[1][1]) < time.time():
            return self.page("invalid", 400)
        if request.method == "GET":  # a mail scanner opening the link confirms nothing
            return self.page("confirm")
        if not self.store.confirm(found[0], found[1][2]):
            return self.page("invalid", 400)
        return self.page("confirmed")

    async def unsubscribe(self, request: Request) -> HTMLResponse:
        found = self._subscriber("unsubscribe", request.path_params["token"])
        if found is None or len(found[1]) != 1:
            return self.page("invalid", 400)
        if request.method == "GET":
            return self.page("unsubscribe")
        # RFC 8058: a POST (body List-Unsubscribe=One-Click, or the page's button) unsubscribes at once
        self.store.set_state(found[0], "unsubscribed")
        return self.page("unsubscribed")


def application(config: Config, store: Store, secret: bytes, env: jinja2.Environment) -> Starlette:
    """The ASGI application of ``newsletter serve``."""
    e = Endpoint(config, store, secret, env)
    routes = [
        Route("/", e.form, methods=["GET"]),
        Route("/subscribe", e.subscribe, methods=["POST"]),
        Route("/confirm/{token}", e.confirm, methods=["GET", "POST"]),
        Route("/unsubscribe/{token}", e.unsubscribe, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(BodyLimit, limit=config.serve.max_body_bytes)])
