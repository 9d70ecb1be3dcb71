"""Per-recipient messages made from an issue's built ``.eml``, which itself holds no one's data.

The built message's own headers (Subject, From, MIME-Version, Content-Type) are kept as built;
To, Date, Message-ID and the list headers are written per recipient, and the template's
unsubscribe placeholder in both parts becomes the recipient's signed link.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import re
import secrets
import time
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.render.html import site_host

# headers of the built message that every recipient gets their own of
_PER_RECIPIENT = {"to", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post", "list-id"}
_FIELD = re.compile(rb"^([!-9;-~]+):", re.M)


@dataclass(frozen=True)
class Recipient:
    address: str
    unsubscribe_url: str
    unsubscribe_mailto: str


@dataclass(frozen=True)
class Template:
    """An issue's built message, split into what every copy shares and the parts to personalise."""

    issue: str
    head: bytes  # the kept header fields, folded, each ending in CRLF
    boundary: str
    text: str
    html: str
    placeholder: str
    list_id: bytes
    host: str

    def render(self, to: Recipient) -> bytes:
        """The message for one recipient, with a new Message-ID and the current time as its Date.

        The address was validated (a dot-atom, no spaces or line breaks) and the URLs are checked
        printable ASCII, so these fields are written as they are; URLs must never become encoded words.
        """
        head = (
            self.head
            + (
                f"To: {to.address}\r\n"
                f"Date: {_date(int(time.time()))}\r\n"
                f"Message-ID: <{self.issue}.{secrets.token_hex(10)}@{self.host}>\r\n"
            ).encode()
            + self.list_id
            + f"List-Unsubscribe: <{to.unsubscribe_url}>,\r\n <{to.unsubscribe_mailto}>\r\n".encode()
            + b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            + f'Content-Type: multipart/alternative;\r\n boundary="{self.boundary}"\r\n\r\n'.encode()
        )
        delimiter = f"--{self.boundary}\r\n".encode()
        parts = [_part("plain", self.text, self.placeholder, to.unsubscribe_url), _part("html", self.html, self.placeholder, to.unsubscribe_url)]
        return head + delimiter + (b"\r\n" + delimiter).join(parts) + f"\r\n--{self.boundary}--\r\n".encode()


def message_id(message: bytes) -> str:
    """The Message-ID a rendered message carries, as the journal records it."""
    start = message.index(b"\r\nMessage-ID: ") + 14
    return message[start : message.index(b"\r\n", start)].decode()


def load_template(eml_path: Path, issue: str, config: Config) -> Template:
    """Read the built ``.eml`` of ``issue``; an absent one is an error that says to publish first."""
    try:
        raw = eml_path.read_bytes()
    except FileNotFoundError:
        raise NewsletterError(f"{issue} has no built email; publish it first with `newsletter publish {issue}`", str(eml_path)) from None
    head, _, _ = raw.partition(b"\r\n\r\n")
    parsed = email.message_from_bytes(raw, policy=policy.SMTP)
    parts = {p.get_content_subtype(): p.get_content() for p in parsed.walk() if p.get_content_maintype() == "text"}
    if set(parts) != {"plain", "html"} or parsed.get_boundary() is None:
        raise NewsletterError("not a message built by `newsletter build` (expected a text and an HTML part)", str(eml_path))
    placeholder = config.email.unsubscribe_url
    if not placeholder or not any(placeholder in part for part in parts.values()):
        raise NewsletterError(
            f"the built email of {issue} has no unsubscribe link: keep {{{{ links.unsubscribe }}}} in the email templates "
            "and set [email] unsubscribe_url to a placeholder, then build again", str(eml_path))
    kept = b"".join(f for f in _fields(head + b"\r\n") if f.split(b":", 1)[0].lower().decode() not in _PER_RECIPIENT | {"content-type"})
    return Template(
        issue=issue,
        head=kept,
        boundary=parsed.get_boundary(),
        text=_lines(parts["plain"]),
        html=_lines(parts["html"]),
        placeholder=placeholder,
        list_id=list_id_header(config),
        host=site_host(config),
    )


def list_id_header(config: Config) -> bytes:
    """The List-Id field (RFC 2919): the newsletter's title as its phrase, ``newsletter.<site host>`` as its id.

    The title is written as text, quoted when plain ASCII and else as encoded words made here: an "=?…?=" in it
    is never read as an encoded word (one could decode to a line break and a header of its own)."""
    title = re.sub(r'[\x00-\x1f\x7f<>"\\]', "", config.title).strip()
    ident = f"<newsletter.{site_host(config)}>"
    if not title:
        return f"List-Id: {ident}\r\n".encode()
    if title.isascii() and title.isprintable() and "=?" not in title:
        phrase = f'"{title}"'
    else:
        phrase = Header(title, "utf-8", header_name="List-Id").encode(linesep="\r\n")
    return f"List-Id: {phrase}\r\n {ident}\r\n".encode("ascii")


def mailto(address: str, token: str) -> str:
    """The ``mailto:`` unsubscribe of List-Unsubscribe: a message to ``address`` whose subject names the token."""
    return f"mailto:{address}?subject={quote('unsubscribe ' + token)}"


def _fields(head: bytes) -> list[bytes]:
    """The header fields of a header block, each with its folded continuation lines."""
    starts = [m.start() for m in _FIELD.finditer(head)]
    return [head[a:b] for a, b in zip(starts, starts[1:] + [len(head)])]


def _lines(content: str) -> str:
    """Content as the parser gives it (LF line ends) with CRLF, as the built parts had."""
    return "\r\n".join(content.splitlines()) + "\r\n"


def _part(subtype: str, content: str, placeholder: str, url: str) -> bytes:
    data = content.replace(placeholder, url).encode()
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'.encode()
    return head + base64.encodebytes(data).replace(b"\n", b"\r\n")


@lru_cache(maxsize=4)
def _date(second: int) -> str:
    return format_datetime(dt.datetime.fromtimestamp(second, dt.timezone.utc))


def header_url(url: str) -> str:
    """``url`` if it can stand in a header as it is (printable ASCII, no spaces or angle brackets), else an error."""
    if not re.fullmatch(r"[!#-;=?-~]+", url) or "=?" in url:
        raise NewsletterError(f"{url!r} cannot go into the List-Unsubscribe header: use a URL of printable ASCII without spaces "
                              "(percent-encode the rest)", "newsletter.toml")
    return url
