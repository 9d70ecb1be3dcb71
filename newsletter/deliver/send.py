"""Sending an issue to every active subscriber over SMTP, exactly once, recorded in the send journal."""

from __future__ import annotations

import os
import queue
import smtplib
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import TextIO

from newsletter.config import Config
from newsletter.deliver import tokens
from newsletter.deliver.message import Recipient, Template, header_url, mailto, message_id
from newsletter.deliver.store import Store
from newsletter.errors import NewsletterError

USER_ENV = "NEWSLETTER_SMTP_USER"
PASSWORD_ENV = "NEWSLETTER_SMTP_PASSWORD"


@dataclass
class Report:
    """What one run of ``send`` did."""

    to_send: int = 0
    already: int = 0
    sent: int = 0
    bounced: int = 0
    failed: int = 0
    in_doubt: int = 0
    retried: int = 0
    fatal: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def done(self) -> int:
        return self.sent + self.bounced + self.failed

    def count(self, what: str) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)


class Fatal(Exception):
    """A failure no retry mends (authentication, the sender refused): the run stops."""


def unsubscribe_link(config: Config, secret: bytes, subscriber: int, address: str) -> Recipient:
    """The recipient's signed one-click unsubscribe URL and the ``mailto:`` alternative."""
    token = tokens.sign(secret, "unsubscribe", subscriber, address)
    sender = parseaddr(config.email.from_address)[1]
    return Recipient(address, header_url(f"{config.serve_url}unsubscribe/{token}"), header_url(mailto(sender, token)))


class Relay:
    """One SMTP connection to the configured relay, opened on first use and opened again after a drop."""

    def __init__(self, config: Config):
        self.settings = config.smtp
        self.sender = parseaddr(config.email.from_address)[1]
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=context)
            user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
            if user:
                smtp.login(user, password or "")
        except smtplib.SMTPAuthenticationError as e:
            raise Fatal(f"the relay refused the login of {USER_ENV} ({e.smtp_code}); check the user and password") from None
        except smtplib.SMTPNotSupportedError as e:
            raise Fatal(f"the relay does not support what [smtp] asks for: {e}; check security and port") from None
        except ssl.SSLError as e:
            raise Fatal(f"TLS with the relay failed ({e.reason}); check [smtp] security and port") from None
        return smtp

    def send(self, to: str, message: bytes) -> None:
        """Hand one message to the relay; raises smtplib's errors, or OSError when the connection fails."""
        if self._smtp is None:
            self._smtp = self._connect()
        options = ["SMTPUTF8"] if not to.isascii() else []
        try:
            self._smtp.sendmail(self.sender, [to], message, mail_options=options)
        except smtplib.SMTPSenderRefused as e:
            if e.smtp_code >= 500:
                raise Fatal(f"the relay refused the sender {self.sender} ({e.smtp_code}); check [email] from_address") from None
            raise
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as e:
            if reply_code(e) == 421:  # the relay is closing the connection (smtplib already closed its end)
                self.close()
            raise
        except OSError:  # dropped, timed out, or in a state no one can tell: start afresh
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def reply_code(error: Exception) -> int | None:
    """The relay's reply code in an smtplib error; None when the connection failed without a reply."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return next(iter(error.recipients.values()))[0]
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


class Throttle:
    """At most ``rate`` messages per second across every connection (0: no limit)."""

    def __init__(self, rate: float):
        self.interval = 1 / rate if rate else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            at = max(self._next, time.monotonic())
            self._next = at + self.interval
        time.sleep(max(0.0, at - time.monotonic()))


def send_issue(store: Store, template: Template, config: Config, secret: bytes, out: TextIO | None = None) -> Report:
    """Send the issue to every active subscriber who has not received it yet; a second run sends nothing."""
    work = store.unsent(template.issue)
    report = Report(to_send=len(work), in_doubt=sum(1 for *_, doubt in work if doubt))
    report.already = store.sent_count(template.issue)
    if not work:
        return report
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in work:
        todo.put(item)
    stop = threading.Event()
    throttle = Throttle(config.smtp.max_per_second)
    progress = Progress(len(work), out or sys.stderr)
    workers = [
        threading.Thread(target=_worker, args=(todo, store, template, config, secret, throttle, report, stop), daemon=True)
        for _ in range(min(config.smtp.connections, len(work)))
    ]
    for w in workers:
        w.start()
    try:
        while any(w.is_alive() for w in workers):
            for w in workers:
                w.join(0.2)
            progress.show(report.done)
    finally:
        # on an interrupt each connection finishes its message, so the journal knows what was sent
        stop.set()
        for w in workers:
            w.join()
    progress.finish(report.done)
    if report.fatal:
        raise NewsletterError(f"sending stopped: {report.fatal}; {report.sent} sent, `newsletter send` again continues")
    return report


def _worker(todo: queue.SimpleQueue, store: Store, template: Template, config: Config, secret: bytes,
            throttle: Throttle, report: Report, stop: threading.Event) -> None:
    relay = Relay(config)
    try:
        while not stop.is_set():
            try:
                subscriber, address, _ = todo.get_nowait()
            except queue.Empty:
                return
            message = template.render(unsubscribe_link(config, secret, subscriber, address))
            store.journal(template.issue, subscriber, "sending", message_id(message))
            state = _deliver(relay, address, message, config, throttle, report, stop)
            store.journal(template.issue, subscriber, state)
            report.count(state)
    except Fatal as e:
        report.fatal = str(e)
        stop.set()
    except Exception as e:  # a bug: stop every connection rather than lose track of what was sent
        report.fatal = f"internal error: {type(e).__name__}"
        stop.set()
    finally:
        relay.close()


def _deliver(relay: Relay, address: str, message: bytes, config: Config, throttle: Throttle,
             report: Report, stop: threading.Event) -> str:
    """Try one message until it is sent, bounced or out of retries: 'sent', 'bounced' or 'failed'."""
    for attempt in range(config.smtp.retries + 1):
        throttle.wait()
        try:
            relay.send(address, message)
            return "sent"
        except Fatal:
            raise
        except OSError as e:  # smtplib's errors among them
            code = reply_code(e)
            if code is not None and code >= 500:
                # refused at RCPT: this address is bad; after DATA: this message is, not the subscriber
                return "bounced" if isinstance(e, smtplib.SMTPRecipientsRefused) else "failed"
            if attempt == config.smtp.retries or stop.is_set():
                if code is None:
                    s = config.smtp
                    raise Fatal(f"cannot reach the relay at {s.host}:{s.port} ({type(e).__name__}); check [smtp]") from None
                return "failed"
            report.count("retried")
            stop.wait(config.smtp.backoff * 2**attempt)  # an interrupt cuts the wait short
    return "failed"


class Progress:
    """A progress bar with the rate and an ETA on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, total: int, out: TextIO):
        self.total, self.out = total, out
        self.start = self._last = time.monotonic()
        self.tty = out.isatty()

    def show(self, done: int) -> None:
        now = time.monotonic()
        if now - self._last < (0.2 if self.tty else 10):
            return
        self._last = now
        self._write(done, now, "\r" if self.tty else "", "" if self.tty else "\n")

    def finish(self, done: int) -> None:
        if self.tty or time.monotonic() - self.start >= 10:
            self._write(done, time.monotonic(), "\r" if self.tty else "", "\n")

    def _write(self, done: int, now: float, start: str, end: str) -> None:
        rate = done / max(now - self.start, 1e-9)
        eta = (self.total - done) / rate if rate else 0
        bar = ("#" * int(30 * done / self.total)).ljust(30) if self.tty else ""
        self.out.write(f"{start}{bar} {done}/{self.total} sent, {rate:.0f}/s, {eta:.0f}s left{end}".lstrip())
        self.out.flush()
