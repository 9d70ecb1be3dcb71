"""Every file a build writes and where, in one list: the build, ``publish`` and any new output read it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Config
from newsletter.urls import issue_page

DEFAULT_OUT = "dist"
# the web archive's folder below the output: the folder a static host serves
SITE = "site"


@dataclass(frozen=True)
class Output:
    """One kind of file: its name and its path below the output folder, ``{id}`` standing for the issue id."""

    name: str
    path: str
    what: str


# one of each per issue, rendered from that issue alone
ISSUE = (
    Output("page", "issues/{id}.md", "the issue's Markdown page"),
    Output("email", "email/{id}.html", "the HTML email"),
    Output("text", "email/{id}.txt", "the plain-text email"),
    Output("message", "email/{id}.eml", "the ready-to-send message"),
    Output("site-page", f"{SITE}/{issue_page('{id}')}", "the issue's page in the web archive"),
)
# one of each for the whole archive; the digest's path is the config's, from the project's root
ARCHIVE = (
    Output("digest", "", "the Markdown archive of every issue"),
    Output("rss", "feed.xml", "the RSS feed"),
    Output("atom", "atom.xml", "the Atom feed"),
    # the web archive serves the feeds too
    Output("site-rss", f"{SITE}/feed.xml", "the RSS feed in the web archive"),
    Output("site-atom", f"{SITE}/atom.xml", "the Atom feed in the web archive"),
)
# the web archive's other pages (lists by organisation and type, the index, the search index) are made
# by newsletter.site from the whole archive, all below SITE


def output_dir(root: Path, out: str | None) -> Path:
    """``--out`` relative to the current folder, else ``dist/`` in the project at ``root``."""
    return Path(out).resolve() if out else root / DEFAULT_OUT


def issue_paths(out: Path, issue_id: str) -> dict[str, Path]:
    """Where each file made from the issue ``issue_id`` goes, by output name."""
    return {o.name: out / o.path.format(id=issue_id) for o in ISSUE}


def archive_paths(root: Path, out: Path, config: Config) -> dict[str, Path]:
    """Where each file made from the whole archive goes, by output name."""
    return {o.name: out / o.path if o.path else root / config.digest.path for o in ARCHIVE}


def per_issue_files(out: Path) -> Iterable[tuple[Path, str]]:
    """Every file in the output folder shaped like an issue's output: (path, the id it would belong to)."""
    for o in ISSUE:
        folder, _, name = o.path.rpartition("/")
        prefix, _, suffix = name.partition("{id}")
        for path in (out / folder).glob(f"{prefix}*{suffix}"):
            yield path, path.name[len(prefix) : len(path.name) - len(suffix)]
