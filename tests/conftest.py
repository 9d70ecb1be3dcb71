"""Shared fixtures: the seed files and a project whose newsletter.toml matches the 2024 archive."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from newsletter.project import Project
from newsletter.render.templates import environment
from tests.linkserver import LinkServer

SEEDS = Path(__file__).parent / "data" / "seeds"

# the archive's own spelling: the dev emoji without the zero-width joiner, a no-break space after the emoji
ARCHIVE_TOML = """\
language = "ko"
label_language = "en"

[types.paper]
emoji = "📜"
label = "Paper link"
hosts = ["arxiv.org", "openreview.net", "nature.com"]

[types.dev]
emoji = "🧑🏻💻"
label = "Developer blog & Github link"
hosts = ["github.com", "huggingface.co"]
aliases = ["🧑🏻‍💻"]

[types.news]
emoji = "🗞️"
label = "News"
aliases = ["🗞"]

[digest]
separator = "\\u00a0"
"""


@pytest.fixture
def archive_project(tmp_path: Path) -> Project:
    """An empty project configured like the seed archive."""
    (tmp_path / "newsletter.toml").write_text(ARCHIVE_TOML, encoding="utf-8")
    return Project(tmp_path)


@pytest.fixture
def server():
    """A web server on 127.0.0.1 serving the pages and APIs a test routes (see tests/linkserver.py)."""
    with LinkServer() as s:
        yield s


@pytest.fixture
def env() -> jinja2.Environment:
    """The package templates only."""
    return environment(None)


CHROMIUM = "/usr/bin/chromium"  # Debian's; a test never downloads a browser
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, for one test module (its event loop ends with the module)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()
