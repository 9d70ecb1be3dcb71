"""Every file a build writes and where, in one list: the build, ``publish`` and any new output read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsletter.config import CONFIG_NAME, Config, setting_line
from newsletter.errors import NewsletterError
from newsletter.fsio import inside
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
# what an editor writes or a command keeps, below the project's root: never the target of an output
SOURCES = (CONFIG_NAME, "issues", "templates", "published.json", "issue.schema.json", ".newsletter-private",
           ".newsletter-cache", ".newsletter.lock", ".gitignore", ".git")

# the web archive's other pages (lists by organisation and type, the index, the search index) are made
# by newsletter.site from the whole archive, all below SITE


def source_hit(root: Path, path: Path, *, folder: bool = False) -> str | None:
    """The source of the project at ``root`` that writing ``path`` (a ``folder`` to write into) would replace or
    write into, or None; links are followed."""
    for name in SOURCES:
        if inside(root / name, path) or folder and inside(path, root / name):
            return name
    return None


def refuse_source(root: Path, path: Path, option: str) -> None:
    """Stop when the file ``option`` names would replace a source of the project at ``root``."""
    if hit := source_hit(root, path.resolve()):
        raise NewsletterError(f"{option} would write over the project's {hit}; name another file", str(path))


def output_dir(root: Path, out: str | None) -> Path:
    """``--out`` relative to the current folder, else ``dist/`` in the project at ``root``; never a source folder."""
    folder = Path(out).resolve() if out else root / DEFAULT_OUT
    if hit := source_hit(root, folder, folder=True):
        raise NewsletterError(f"the output folder would write over the project's {hit}; choose another folder, such as dist/",
                              out or DEFAULT_OUT)
    return folder


def digest_path(root: Path, out: Path, config: Config) -> Path:
    """Where ``[digest] path`` puts the Markdown archive: a file of the project at ``root`` that is no source,
    no folder and no other output, else an error at that line of ``newsletter.toml``."""
    given = config.digest.path
    path = root / given
    if not given.strip() or "\x00" in given:
        why = "is empty" if not given.strip() else "holds a NUL character"
    elif Path(given).is_absolute() or not inside(root, path):
        why = "leads out of the project"
    elif hit := source_hit(root, path) or next((p for p in (config.subscribers.database, config.subscribers.secret_file)
                                                if inside(root / p, path)), None):
        why = f"would write over the project's {hit}"
    elif path.is_dir() or inside(path, out):
        why = "is a folder"
    elif any(inside(out / o.path.partition("/")[0], path) for o in (*ISSUE, *ARCHIVE) if o.path):
        why = "is where the build writes other files"
    else:
        return path
    raise NewsletterError(f"digest.path {why}; give a file name inside the project, such as dist/digest.md",
                          str(root / CONFIG_NAME), setting_line(root / CONFIG_NAME, ["digest", "path"]), 1)


def issue_paths(out: Path, issue_id: str) -> dict[str, Path]:
    """Where each file made from the issue ``issue_id`` goes, by output name."""
    return {o.name: out / o.path.format(id=issue_id) for o in ISSUE}


def archive_paths(root: Path, out: Path, config: Config) -> dict[str, Path]:
    """Where each file made from the whole archive goes, by output name."""
    digest = digest_path(root, out, config)
    return {o.name: out / o.path if o.path else digest for o in ARCHIVE}

