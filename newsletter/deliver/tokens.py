"""Signed links: HMAC-SHA256 over the purpose, the subscriber and their address, so a token acts on no one else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from newsletter.errors import NewsletterError

SECRET_ENV = "NEWSLETTER_SECRET"
_MAC_CHARS = 22  # 132 bits of the MAC, in URL-safe base64


def load_secret(path: Path) -> bytes:
    """The signing secret: ``NEWSLETTER_SECRET``, else the file at ``path``, created (readable by its owner only) if absent."""
    if env := os.environ.get(SECRET_ENV):
        return env.encode()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    except OSError as e:
        raise NewsletterError(f"cannot read the signing secret: {e.strerror}; or set {SECRET_ENV}", str(path)) from None
    secret = secrets.token_urlsafe(32).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another command created it meanwhile
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(secret + b"\n")
        f.flush()
        os.fsync(f.fileno())
    return secret


def _mac(secret: bytes, *parts: str) -> str:
    digest = hmac.new(secret, "\0".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]


def sign(secret: bytes, purpose: str, subscriber: int, address: str, *extra: str) -> str:
    """A token naming ``subscriber`` (and ``extra`` fields, e.g. an expiry) that only the secret's holder can make."""
    fields = [str(subscriber), *extra]
    return ".".join([*fields, _mac(secret, purpose, address, *fields)])


def fields(token: str) -> list[str]:
    """The fields of a token before its MAC: the subscriber id first; empty when malformed."""
    parts = token.split(".")
    if len(parts) < 2 or not parts[0].isdigit() or len(parts[0]) > 18:
        return []
    return parts[:-1]


def verify(secret: bytes, purpose: str, token: str, address: str) -> bool:
    """Whether ``token`` was signed for ``purpose`` and the subscriber with ``address``."""
    found = fields(token)
    if not found:
        return False
    return hmac.compare_digest(token.rsplit(".", 1)[1].encode(), _mac(secret, purpose, address, *found).encode())
