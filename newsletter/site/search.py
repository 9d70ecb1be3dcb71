"""The search index: Pagefind (its binary ships in the ``pagefind_bin_extended`` wheel) over the issue pages, one index per year."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from newsletter.errors import NewsletterError
from newsletter.fsio import write_temp

INDEX_DIR = "pagefind"
ENTRY = "pagefind-entry.json"
PAGES = "issues"


def shard(site: Path, year: int) -> Path:
    """The index of one year's issues: ``pagefind/<year>/``. One index per year keeps an edit's re-indexing
    to that year, and the memory of indexing to one year's pages; the search page merges them."""
    return site / INDEX_DIR / str(year)


def update_index(site: Path, language: str, changed: list[Path]) -> list[Path]:
    """Index again the years of the issue pages in ``changed`` (written or removed), and any year without an
    index; drop the indexes of years without pages. Return the files that changed."""
    years = {int(p.name[:4]) for p in (site / PAGES).glob("*.html")}
    stale = {int(p.name[:4]) for p in changed} | {y for y in years if not (shard(site, y) / ENTRY).is_file()}
    written = []
    for year in sorted(stale & years):
        written += _build(site, year, language)
    for folder in (site / INDEX_DIR).glob("*"):
        if folder.is_dir() and folder.name not in {str(y) for y in years}:
            shutil.rmtree(folder)
    return written


def _build(site: Path, year: int, language: str) -> list[Path]:
    """Index one year's issue pages into its folder, through a temporary one; the files that changed.

    Each issue is a result, each matching entry a sub-result at its heading's anchor."""
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=site.parent) as tmp:
        try:
            asyncio.run(_index(site, f"{PAGES}/{year}-*.html", Path(tmp), language))
        except Exception as e:  # the service reports failures as plain exceptions of its own
            raise NewsletterError(f"search index: {e}; the pages are written, the search shows the previous index",
                                  str(shard(site, year))) from None
        try:
            return _sync(Path(tmp), shard(site, year))
        except OSError as e:
            raise NewsletterError(f"cannot write: {e.strerror or e}", e.filename or str(shard(site, year))) from None


async def _index(site: Path, pages: str, out: Path, language: str) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(force_language=language, output_path=str(out))
    async with PagefindIndex(config) as index:
        await index.add_directory(str(site), glob=pages)


def _sync(new: Path, target: Path) -> list[Path]:
    """Make ``target`` hold exactly the files of ``new``, writing only those whose bytes differ.

    Every other file of the index is named by its content and read through the entry file, so writing
    the entry last and removing old files after it keeps the previous index whole until the new one is."""
    changed = []
    fresh = {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    for rel in sorted(fresh, key=lambda r: (r.name == ENTRY, r)):
        path, data = target / rel, (new / rel).read_bytes()
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        Path(write_temp(path, data, durable=False)).replace(path)
        changed.append(path)
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            rel = path.relative_to(target)
            if path.is_file() and rel not in fresh:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                shutil.rmtree(path)
    return changed
