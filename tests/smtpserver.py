"""A real SMTP server (aiosmtpd) on 127.0.0.1 at an ephemeral port, with scripted replies per recipient."""

from __future__ import annotations

import asyncio
import email
import threading
from collections import Counter
from email import policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP


class Mailbox:
    """Keeps every accepted message; ``script[address]`` lists replies to give at RCPT before accepting."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.script: dict[str, list[str]] = {}
        self.received: list[tuple[str, bytes]] = []
        self.rcpt_attempts: Counter[str] = Counter()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_attempts[address] += 1
        replies = self.script.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for address in envelope.rcpt_tos:
            self.received.append((address, envelope.original_content))
        return "250 Message accepted"

    def count(self) -> Counter[str]:
        """Messages received per address."""
        return Counter(address for address, _ in self.received)

    def messages(self, address: str) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=policy.SMTP) for a, raw in self.received if a == address]


class SMTPServer:
    """``with SMTPServer() as server:`` serves ``server.mailbox`` on ``server.port`` until the block ends."""

    def __init__(self, mailbox: Mailbox | None = None):
        self.mailbox = mailbox or Mailbox()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> "SMTPServer":
        factory = lambda: SMTP(self.mailbox, enable_SMTPUTF8=True, hostname="127.0.0.1", loop=self.loop)  # noqa: E731
        self.server = self.loop.run_until_complete(self.loop.create_server(factory, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
