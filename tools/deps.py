"""Dependency upkeep: ``lock`` writes requirements.lock, ``drift`` tests the newest allowed versions.

    python3 tools/deps.py lock    # resolve pyproject.toml's ranges afresh and pin every package
    python3 tools/deps.py drift   # install the newest allowed versions in a throw-away venv, run the tests
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
HEADER = "# Exact versions of every dependency, direct and indirect. Written by `python3 tools/deps.py lock`.\n"


def fresh_venv(where: Path) -> Path:
    """A new venv at ``where`` with the project and its test extra at the newest allowed versions."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    pip = [str(python), "-m", "pip", "--no-cache-dir", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "--upgrade", "-e", f"{ROOT}[test]"], check=True)
    return python


def lock() -> int:
    """Pin what a fresh resolution installs into requirements.lock."""
    with tempfile.TemporaryDirectory() as tmp:
        python = fresh_venv(Path(tmp) / "venv")
        frozen = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"],
                                check=True, capture_output=True, text=True).stdout
    LOCK.write_text(HEADER + frozen, encoding="utf-8")
    print(f"{LOCK.name}: {len(frozen.splitlines())} packages")
    return 0


def drift() -> int:
    """Run the test suite against the newest allowed versions; print what differs from the lock."""
    pinned = dict(line.split("==") for line in LOCK.read_text().splitlines() if "==" in line)
    with tempfile.TemporaryDirectory() as tmp:
        python = fresh_venv(Path(tmp) / "venv")
        frozen = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"],
                                check=True, capture_output=True, text=True).stdout
        for name, version in (line.split("==") for line in frozen.splitlines() if "==" in line):
            if pinned.get(name) != version:
                print(f"{name}: locked {pinned.get(name, '-')}, newest {version}")
        return subprocess.run([str(python), "-m", "pytest", "-q"], cwd=ROOT).returncode


if __name__ == "__main__":
    commands = {"lock": lock, "drift": drift}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]]())
