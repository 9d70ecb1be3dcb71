"""The ready-to-send message: RFC 5322, multipart/alternative with the text and HTML parts.

Both parts are UTF-8 in base64: safe for any script and for MJML's lines of thousands of
characters (the line limit is 998). The email package parses, folds and encodes the headers; the
message is assembled here, as its generator, walking the parts line by line, would cost more
than everything else.
"""

from __future__ import annotations

import base64
import email
import hashlib
from email import policy
from email.errors import HeaderParseError
from email.header import Header
from email.utils import format_datetime
from functools import lru_cache

from newsletter.config import CONFIG_NAME, Config
from newsletter.errors import NewsletterError
from newsletter.model import Issue
from newsletter.render.html import send_time, site_host


def message_id(issue_id: str, config: Config) -> str:
    """A Message-ID that is the same on every build: the issue id at the site's host."""
    return f"<{issue_id}@{site_host(config)}>"


def eml(issue_id: str, issue: Issue, config: Config, subject: str, text: str, html: str) -> bytes:
    """The message as bytes with CRLF line ends, identical for identical input."""
    # a random boundary would change every build; one derived from the content cannot occur in it (base64 has no "_")
    boundary = "=_" + hashlib.sha256(f"{text}\0{html}".encode()).hexdigest()[:32]
    head = b"".join(_line(name, value) for name, value in _headers(issue_id, issue, config, subject).items())
    # folded before the boundary as the email package would, to keep within 78 columns
    head += f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n'.encode()
    delimiter = f"--{boundary}\r\n".encode()
    # a delimiter after a part follows a line break of its own (RFC 2046 §5.1.1), as the closing one does
    body = (b"\r\n" + delimiter).join([_text_part("plain", text), _text_part("html", html)])
    return head + delimiter + body + f"\r\n--{boundary}--\r\n".encode()


def _text_part(subtype: str, content: str) -> bytes:
    """A ``text/<subtype>`` body part with its headers: CRLF line breaks, UTF-8, base64 in lines of 76."""
    data = b"\r\n".join(content.encode().splitlines()) + b"\r\n"
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'.encode()
    return head + base64.encodebytes(data).replace(b"\n", b"\r\n")


def _headers(issue_id: str, issue: Issue, config: Config, subject: str) -> dict[str, str]:
    """The envelope headers by name, in the order they are written."""
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
    return headers


# headers made here of parts that need no checking, a date and an issue id at base_url's host (a web link's host:
# letters, digits, dots and hyphens): written as they are, as the sender writes them for each recipient
MADE_HEADERS = frozenset({"Date", "Message-ID"})


def _line(name: str, value: str) -> bytes:
    """One header line; those of :data:`MADE_HEADERS`, unlike the others, differ in every message: checking them
    as :func:`_header` does would cost a third of the message's time."""
    return f"{name}: {value}\r\n".encode() if name in MADE_HEADERS else _header(name, value)


# headers whose value is text from an issue file: written as text, never read as RFC 5322 (where "=?…?=" is an encoded word)
TEXT_HEADERS = frozenset({"Subject"})


# most headers are the config's and alike in every message; parsing and folding them once saves much of a message's time
@lru_cache(maxsize=256)
def _header(name: str, value: str) -> bytes:
    """One header line, folded and with encoded words where needed, that a reader parses back to exactly one
    header with the same meaning; an address in the config that cannot be written so is the user's to fix."""
    folded = _text_header(name, value) if name in TEXT_HEADERS else _parsed_header(name, value)
    if _read_back(name, folded) != _meaning(name, value):
        raise NewsletterError(f"email: {value!r} cannot be written as the {name} header; write it as plain text without '=?'", CONFIG_NAME)
    return folded


def _text_header(name: str, value: str) -> bytes:
    """``value`` as unstructured text: as it is when plain ASCII, else as encoded words, so that nothing in it
    (an encoded-word marker that decodes to a line break) is ever read as header syntax."""
    if value.isascii() and value.isprintable() and "=?" not in value:
        return _parsed_header(name, value)
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode(linesep=chr(13) + chr(10))}\r\n".encode("ascii")


def _parsed_header(name: str, value: str) -> bytes:
    try:
        _, header = policy.SMTP.header_store_parse(name, value)
    except (HeaderParseError, ValueError, IndexError) as e:
        raise NewsletterError(f"email: cannot use {value!r} as the {name} header: {e}", CONFIG_NAME) from None
    if name in ("From", "To") and header.defects:
        raise NewsletterError(f"email: {value!r} is not a valid address for {name}; write it as 'Name <user@host>'", CONFIG_NAME)
    return policy.SMTP.fold_binary(name, header)


def _meaning(name: str, value: str) -> object:
    """What a header says: its addresses, or its text (the text header's exactly as given)."""
    if name in TEXT_HEADERS:
        return value
    _, header = policy.SMTP.header_store_parse(name, value)
    return getattr(header, "addresses", None) or " ".join(str(header).split())


def _read_back(name: str, folded: bytes) -> object:
    """What a reader of the written header line(s) sees: the meaning of the one header, else the names it found."""
    msg = email.message_from_bytes(folded + b"\r\n", policy=policy.SMTP)
    if msg.keys() != [name] or msg.defects:
        return msg.keys()
    header = msg[name]
    return getattr(header, "addresses", None) or " ".join(str(header).split())
