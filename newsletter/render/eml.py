"""The ready-to-send message: RFC 5322, multipart/alternative with the text and HTML parts."""

from __future__ import annotations

import hashlib
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from newsletter.config import CONFIG_NAME, Config
from newsletter.errors import NewsletterError
from newsletter.model import Issue
from newsletter.render.html import send_time


def message_id(issue_id: str, config: Config) -> str:
    """A Message-ID that is the same on every build: the issue id at the site's host."""
    host = urlsplit(config.base_url).hostname or "localhost"
    return f"<{issue_id}@{host}>"


def eml(issue_id: str, issue: Issue, config: Config, subject: str, text: str, html: str) -> bytes:
    """The message as bytes with CRLF line ends, identical for identical input."""
    msg = EmailMessage(policy=policy.SMTP)
    _headers(msg, issue_id, issue, config, subject)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    # the default boundary is random; derive it from the content so rebuilds are byte-identical
    digest = hashlib.sha256(f"{text}\0{html}".encode()).hexdigest()[:32]
    msg.set_boundary(f"=_{digest}")
    return msg.as_bytes()


def _headers(msg: EmailMessage, issue_id: str, issue: Issue, config: Config, subject: str) -> None:
    """Set the envelope headers; an address in the config that cannot be parsed is the user's to fix."""
    headers = {
        "Subject": " ".join(subject.split()),  # a header is one line, whatever the title holds
        "From": config.email.from_address,
        "To": config.email.to_address,
        "Date": format_datetime(send_time(issue, config)),
        "Message-ID": message_id(issue_id, config),
        "MIME-Version": "1.0",
    }
    if config.email.list_unsubscribe:
        headers["List-Unsubscribe"] = config.email.list_unsubscribe
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in headers.items():
        try:
            msg[name] = value
        except (HeaderParseError, ValueError, IndexError) as e:
            raise NewsletterError(f"email: cannot use {value!r} as the {name} header: {e}", CONFIG_NAME) from None
        if name in ("From", "To") and msg[name].defects:
            raise NewsletterError(f"email: {value!r} is not a valid address for {name}; write it as 'Name <user@host>'", CONFIG_NAME)
