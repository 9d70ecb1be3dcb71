"""Subscriber addresses: checked for syntax only (no network) and written in one normal form."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def normalise(text: str) -> str | None:
    """The address in normal form (domain in lower case, as it compares without case), or None if invalid."""
    try:
        found = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return found.normalized
