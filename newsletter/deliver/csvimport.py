"""Subscriber lists exported from other services, recognised by their CSV header."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newsletter.deliver.addresses import normalise
from newsletter.deliver.store import State
from newsletter.errors import NewsletterError


@dataclass(frozen=True)
class Layout:
    """One service's export: the columns that recognise it, the address column, and how it marks who left."""

    name: str
    signature: frozenset[str]  # lower-cased header names that must all be present
    address: tuple[str, ...]  # the address column: the first of these names present
    left: tuple[tuple[str, str, State], ...] = ()  # (column, value (or "*" for any non-empty), state)


# the most specific first: a generic "email" column matches last
LAYOUTS = (
    Layout("listmonk", frozenset({"uuid", "email", "status"}), ("email",), (("status", "blocklisted", "unsubscribed"),)),
    Layout("Buttondown", frozenset({"subscriber_type"}), ("email", "email_address"),
           (("subscriber_type", "unsubscribed", "unsubscribed"), ("subscriber_type", "removed", "unsubscribed"))),
    Layout("Substack", frozenset({"email", "active_subscription"}), ("email",), (("email_disabled", "true", "unsubscribed"),)),
    Layout("Mailchimp", frozenset({"email address"}), ("email address",),
           (("unsub_time", "*", "unsubscribed"), ("clean_time", "*", "bounced"))),
    Layout("plain", frozenset({"email"}), ("email",)),
)


@dataclass(frozen=True)
class Row:
    """One data row: its line in the file, its address in normal form (None if invalid), and its state."""

    line: int
    address: str | None
    state: State


def read_rows(path: Path) -> tuple[Layout, Iterator[Row]]:
    """The layout of the export at ``path`` and its rows; an unknown header is an error naming the file."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise NewsletterError(f"cannot read: {e.strerror}", str(path)) from None
    except UnicodeDecodeError as e:
        raise NewsletterError(f"not UTF-8 text (byte {e.start}); save the export as UTF-8 CSV", str(path)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    layout = next((k for k in LAYOUTS if k.signature <= set(header)), None)
    if layout is None:
        names = ", ".join(k.name for k in LAYOUTS[:-1])
        raise NewsletterError(f"no email column in the header; expected an export of {names}, or a column named 'email'", str(path), 1, 1)
    column = header.index(next(name for name in layout.address if name in header))
    return layout, _rows(reader, header, column, layout)


def _rows(reader: Iterator[list[str]], header: list[str], column: int, layout: Layout) -> Iterator[Row]:
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        cells = dict(zip(header, (cell.strip() for cell in record)))
        state: State = "active"
        for name, value, left in layout.left:
            cell = cells.get(name, "")
            if cell and (value == "*" or cell.lower() == value):
                state = left
        address = normalise(record[column]) if column < len(record) else None
        yield Row(reader.line_num, address, state)  # type: ignore[attr-defined]
