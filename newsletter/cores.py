"""How many processes a command may usefully run at once."""

from __future__ import annotations

import os


def available() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
