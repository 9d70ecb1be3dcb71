"""The search index: Pagefind (its binary ships in the ``pagefind_bin_extended`` wheel) over the issue pages."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from newsletter.errors import NewsletterError
from newsletter.fsio import write_temp

INDEX_DIR = "pagefind"
ENTRY = "pagefind-entry.json"
# what is indexed: the issue pages (each entry a sub-result at its anchor); lists and home repeat them
PAGES = "issues/*.html"


def build_index(site: Path, language: str) -> list[Path]:
    """Index the issue pages of the site in ``site`` into ``site/pagefind/``; return the files that changed.

    The index is made in a temporary folder; a file whose bytes are already in place is not written,
    and files of an older index are removed."""
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=site.parent) as tmp:
        try:
            asyncio.run(_index(site, Path(tmp), language))
        except Exception as e:  # the service reports failures as plain exceptions of its own
            raise NewsletterError(f"search index: {e}; the pages are written, the search shows the previous index",
                                  str(site / INDEX_DIR)) from None
        try:
            return _sync(Path(tmp), site / INDEX_DIR)
        except OSError as e:
            raise NewsletterError(f"cannot write: {e.strerror or e}", e.filename or str(site / INDEX_DIR)) from None


async def _index(site: Path, out: Path, language: str) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(force_language=language, output_path=str(out))
    async with PagefindIndex(config) as index:
        # one page at a time, in order: indexing a folder reads the pages in parallel, and the index's
        # bytes then depend on their order
        for page in sorted(site.glob(PAGES)):
            url = "/" + page.relative_to(site).as_posix()
            await index.add_html_file(content=page.read_text(encoding="utf-8"), url=url)


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
