"""A published project whose [smtp] points at a test SMTP server, and helpers to drive its commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from newsletter.cli import main

ISSUE = """\
date: 2024-09-16
title: Self-correcting models
published: 2024-09-20T09:00:00+09:00
entries:
  - type: paper
    org: Google DeepMind
    title: Training Language Models to Self-Correct via Reinforcement Learning
    url: https://arxiv.org/abs/2409.12917
"""
ISSUE_ID = "2024-09-W3"


def make_project(root: Path, smtp_port: int, *, extra: str = "", language: str = "en") -> Path:
    """A project with one published issue, built, sending to 127.0.0.1:``smtp_port``."""
    (root / "issues" / "2024").mkdir(parents=True)
    (root / "issues" / "2024" / f"{ISSUE_ID}.yaml").write_text(ISSUE, encoding="utf-8")
    (root / "newsletter.toml").write_text(
        f'title = "AI Weekly"\nbase_url = "https://news.example.org/"\nlanguage = "{language}"\n'
        f'[email]\nfrom_address = "AI Weekly <editor@news.example.org>"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nbackoff = 0.02\n{extra}',
        encoding="utf-8",
    )
    assert main(["-C", str(root), "build"]) == 0
    return root


def newsletter(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "newsletter", "-C", str(root), *args], capture_output=True, text=True, timeout=120)
