"""The search index: Pagefind (its binary ships in the ``pagefind_bin_extended`` wheel) over the issue pages, one index per year."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from newsletter.cores import available as cores
from newsletter.errors import NewsletterError
from newsletter.fsio import write_temp

INDEX_DIR = "pagefind"
ENTRY = "pagefind-entry.json"
PAGES = "issues"
# every data file of an index is gzipped CBOR after this signature
_SIGNATURE = b"pagefind_dcd"


def shard(site: Path, year: int) -> Path:
    """The index of one year's issues: ``pagefind/<year>/``. One index per year keeps an edit's re-indexing
    to that year, and the memory of indexing to one year's pages; the search page merges them."""
    return site / INDEX_DIR / str(year)


def update_index(site: Path, language: str, changed: list[Path]) -> list[Path]:
    """Index again the years of the issue pages in ``changed`` (written or removed), and any year without an
    index; drop the indexes of years without pages. Return the files that changed.

    Years are indexed at once, one Pagefind process per core (each is single-threaded)."""
    site = site.resolve()  # Pagefind runs in the site: every path it is given is absolute
    years = {int(p.name[:4]) for p in (site / PAGES).glob("*.html")}
    stale = {int(p.name[:4]) for p in changed} | {y for y in years if not (shard(site, y) / ENTRY).is_file()}
    written: list[Path] = []
    if stale & years:
        with ThreadPoolExecutor(min(cores(), len(stale & years))) as pool:
            for files in pool.map(lambda y: _build(site, y, language), sorted(stale & years)):
                written += files
    for folder in (site / INDEX_DIR).glob("*"):
        if folder.is_dir() and folder.name not in {str(y) for y in years}:
            shutil.rmtree(folder)
    return written


def _build(site: Path, year: int, language: str) -> list[Path]:
    """Index one year's issue pages into its folder, through a temporary one; the files that changed.

    Each issue is a result, each matching entry a sub-result at its heading's anchor. The Pagefind command
    is run rather than its Python API, whose client reads one answer per tenth of a second."""
    from pagefind.service import get_executable

    where = str(shard(site, year))
    exe = get_executable()
    if exe is None:
        raise NewsletterError("search index: the Pagefind binary is not installed; install the locked "
                              "requirements (pagefind[extended])", where)
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=site.parent) as tmp:
        command = [str(exe), "--site", str(site), "--glob", f"{PAGES}/{year}-*.html", "--output-path", tmp,
                   "--force-language", language]
        try:
            # run in the site, away from any Pagefind configuration file where the build was started
            run = subprocess.run(command, cwd=site, capture_output=True, text=True, errors="replace")
        except OSError as e:
            raise NewsletterError(f"search index: cannot run Pagefind: {e.strerror or e}", where) from None
        if run.returncode != 0 or not (Path(tmp) / ENTRY).is_file():
            said = (run.stderr.strip() or run.stdout.strip()).splitlines()
            raise NewsletterError(f"search index: Pagefind failed ({said[-1] if said else run.returncode}); "
                                  "the pages are written, the search shows the previous index", where)
        try:
            canonical(Path(tmp))
        except (ValueError, KeyError, IndexError) as e:
            raise NewsletterError(f"search index: Pagefind wrote an index this version cannot read ({e}); "
                                  "install the locked requirements", where) from None
        try:
            return _sync(Path(tmp), shard(site, year))
        except OSError as e:
            raise NewsletterError(f"cannot write: {e.strerror or e}", e.filename or where) from None


def canonical(index: Path) -> None:
    """Give the index the same bytes and names for the same pages.

    Pagefind writes the values of each filter, and the list of filters, in the order of a hash map seeded anew
    by each run (its issue #638), and names each file by a hash of its bytes. Sort them, then name the filter
    files and the metadata file again by their new bytes, and point the entry file at the new metadata."""
    renamed = {}
    for path in sorted((index / "filter").glob("*.pf_filter")):
        data = _read(path)
        # a filter file is [name, [[value, pages], …]]
        name, listed = _items(data, 0)
        values = _items(data, listed[0])
        body = data[slice(*name)] + _header(4, len(values)) + b"".join(sorted(data[slice(*v)] for v in values))
        new = _name(path.stem, _header(4, 2) + body, 7)
        renamed[path.stem] = new
        path.unlink()
        _write(index / "filter" / f"{new}.pf_filter", _header(4, 2) + body)
    text = (index / ENTRY).read_text(encoding="utf-8")
    for language in json.loads(text)["languages"].values():
        old = language["hash"]
        meta_path = index / f"pagefind.{old}.pf_meta"
        data = _read(meta_path)
        parts = _items(data, 0)
        # the metadata is [version, pages, word chunks, filters ([name, file], …), sorts, meta fields]
        filters = sorted((_text(data, _items(data, f[0])[0]), renamed[_text(data, _items(data, f[0])[1])])
                         for f in _items(data, parts[3][0]))
        encoded = _header(4, len(filters)) + b"".join(_header(4, 2) + _string(n) + _string(h) for n, h in filters)
        meta = _header(4, len(parts)) + b"".join(encoded if n == 3 else data[slice(*p)] for n, p in enumerate(parts))
        new = _name(old, meta, 10)
        meta_path.unlink()
        _write(index / f"pagefind.{new}.pf_meta", meta)
        text = text.replace(f'"{old}"', f'"{new}"')
    (index / ENTRY).write_text(text, encoding="utf-8")


def _read(path: Path) -> bytes:
    """The CBOR of one of the index's data files."""
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_SIGNATURE):
        raise ValueError(f"{path}: not a Pagefind data file")
    return data[len(_SIGNATURE):]


def _write(path: Path, cbor: bytes) -> None:
    path.write_bytes(gzip.compress(_SIGNATURE + cbor, mtime=0))


def _name(old: str, cbor: bytes, length: int) -> str:
    """``old``'s language prefix (``ko_``) and a hash of ``cbor``."""
    return f"{old.rpartition('_')[0]}_{hashlib.sha256(cbor).hexdigest()[:length]}"


def _argument(data: bytes, i: int) -> tuple[int, int, int]:
    """The major type and argument of the CBOR item at ``i``, and where its content starts."""
    major, info = data[i] >> 5, data[i] & 31
    if info < 24:
        return major, info, i + 1
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None:
        raise ValueError("indefinite CBOR lengths are not written by Pagefind")
    return major, int.from_bytes(data[i + 1 : i + 1 + size], "big"), i + 1 + size


def _end(data: bytes, i: int) -> int:
    """Where the CBOR item at ``i`` ends."""
    major, arg, i = _argument(data, i)
    if major in (2, 3):
        return i + arg
    for _ in range(arg if major == 4 else 2 * arg if major == 5 else 1 if major == 6 else 0):
        i = _end(data, i)
    return i


def _items(data: bytes, i: int) -> list[tuple[int, int]]:
    """The (start, end) of each item of the CBOR array at ``i``."""
    major, count, i = _argument(data, i)
    if major != 4:
        raise ValueError("expected a CBOR array")
    spans = []
    for _ in range(count):
        end = _end(data, i)
        spans.append((i, end))
        i = end
    return spans


def _text(data: bytes, span: tuple[int, int]) -> str:
    _, length, start = _argument(data, span[0])
    return data[start : start + length].decode("utf-8")


def _header(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    size = next(s for s in (1, 2, 4, 8) if arg < 1 << (8 * s))
    return bytes([major << 5 | {1: 24, 2: 25, 4: 26, 8: 27}[size]]) + arg.to_bytes(size, "big")


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return _header(3, len(raw)) + raw


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
