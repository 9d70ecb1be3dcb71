"""Helpers of the hostile-input suites: run a command on a throwaway project and judge its output.

A command passes when it succeeds or reports every problem as ``file:line:col`` — never a
traceback, an ``internal error``, a crash, a hang or unbounded memory.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from newsletter.cli import main

HOSTILE = Path(__file__).parent / "data" / "hostile"
# a sibling file with one known problem: seeing its diagnostic proves the run went past the hostile file
SIBLING = "issues/2024/2024-02-W4.yaml"
SIBLING_TEXT = "date: 2024-02-22\nsibling_marker: 1\n"
LOCATED = re.compile(r"^(?:newsletter: )?(?P<file>[^\s:][^:\n]*):(?P<line>\d+):(?P<col>\d+): ", re.M)
MEMORY_CAP = 1536 * 2**20
TIMEOUT = 60


@dataclass
class Result:
    """What a command did: exit status and its two output streams."""

    status: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def write_project(root: Path, files: dict[str, str | bytes], toml: str = "") -> Path:
    """A project at ``root`` holding ``files`` (text is written as UTF-8, bytes as they are)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "newsletter.toml").write_text(toml, encoding="utf-8")
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return root


def run(root: Path, *args: str) -> Result:
    """``newsletter -C root ARGS`` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["-C", str(root), *args])
    return Result(status, out.getvalue(), err.getvalue())


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_capped(root: Path, *args: str, timeout: float = TIMEOUT) -> Result:
    """``newsletter -C root ARGS`` in a child process with an address-space cap and a time limit."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSLETTER_DEBUG"}
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", "-C", str(root), *args],
        capture_output=True, text=True, timeout=timeout, preexec_fn=_cap_memory, env=env,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def assert_graceful(result: Result) -> None:
    """Exit 0 or 1, and no sign of an unexpected exception."""
    assert result.status in (0, 1), f"exit status {result.status}:\n{result.text[-3000:]}"
    assert "internal error" not in result.text, result.text[-3000:]
    assert "Traceback" not in result.text, result.text[-3000:]


def located(result: Result) -> dict[str, list[tuple[int, int]]]:
    """(line, column) of every ``file:line:col:`` diagnostic in the output, by file name."""
    found: dict[str, list[tuple[int, int]]] = {}
    for m in LOCATED.finditer(result.text):
        found.setdefault(Path(m["file"]).name, []).append((int(m["line"]), int(m["col"])))
    return found


def assert_reported(result: Result, name: str, data: str | bytes, *, required: bool = True) -> None:
    """A graceful run whose diagnostics about file ``name`` (at least one if ``required``) point inside ``data``."""
    assert_graceful(result)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    lines = max(len(re.split(rb"\r\n?|\n", raw)), 1)
    places = located(result).get(name, [])
    if required:
        assert places, f"no file:line:col diagnostic for {name}:\n{result.text[-3000:]}"
    for line, col in places:
        assert 1 <= line <= lines and col >= 1, f"{name}:{line}:{col} is outside the file ({lines} lines)"
