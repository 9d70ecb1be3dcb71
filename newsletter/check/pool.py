"""Checking a large archive on every core: loading and the per-file rules are CPU-bound.

Forked workers each load a share of the files. The per-file rules need one archive-wide count
first (how often each organisation is named) and the duplicate rules need every file's facts
after, so each worker talks to this process twice: it sends its counts and facts, receives the
archive's counts, then sends its findings. Only those small results cross between processes; the
node trees and models stay in the worker that loaded them.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from newsletter import cores
from newsletter.check.runner import Levels, NoqaMap, check_archive, check_files, file_facts
from newsletter.errors import Diagnostic
from newsletter.load import load_issue
from newsletter.project import Project
from newsletter.rules import Context, FileFacts
from newsletter.rules.text import org_uses

# below this many files per worker, starting the workers costs more than they save
MIN_FILES_PER_WORKER = 100


def workers_for(files: int) -> int:
    """How many workers pay off for a check of ``files`` files (below 2: check in this process)."""
    return min(cores.available(), files // MIN_FILES_PER_WORKER)


def check(project: Project, files: list[Path], targets: set[Path], levels: Levels, workers: int) -> list[Diagnostic]:
    """Every finding in ``targets`` among ``files`` (the whole archive), checked by ``workers`` processes."""
    fork = multiprocessing.get_context("fork")
    conns: list[Connection] = []
    procs = []
    for k in range(workers):
        here, there = fork.Pipe()
        proc = fork.Process(target=_work, args=(there, project, files[k::workers], targets, levels), daemon=True)
        proc.start()
        there.close()
        conns.append(here)
        procs.append(proc)
    try:
        counted: list[tuple[Counter[str], list[FileFacts]]] = [_receive(c) for c in conns]
        uses = sum((u for u, _ in counted), Counter())
        for c in conns:
            c.send(uses)
        checked: list[tuple[list[Diagnostic], dict[Path, NoqaMap]]] = [_receive(c) for c in conns]
    finally:
        for proc in procs:
            proc.join(timeout=1)
            if proc.is_alive():
                proc.kill()
    diags = [d for found, _ in checked for d in found]
    maps = {path: noqa for _, found in checked for path, noqa in found.items()}
    facts = [f for _, found in counted for f in found]
    diags += check_archive(Context(project.config, uses), facts, targets, levels, maps)
    return sorted(diags, key=lambda d: d.sort_key)


def _receive(conn: Connection) -> Any:
    """The next message of a worker; its failure is raised here."""
    try:
        message = conn.recv()
    except EOFError:
        raise RuntimeError("a check worker stopped without a result") from None
    if isinstance(message, BaseException):
        raise message
    return message


def _work(conn: Connection, project: Project, paths: list[Path], targets: set[Path], levels: Levels) -> None:
    """Load ``paths``, send their counts and facts, receive the archive's counts, send the findings."""
    try:
        loaded = [load_issue(path, project.display(path), project.root) for path in paths]
        # what was loaded lives until the worker ends: the collector need not walk it again
        gc.freeze()
        valid = [doc for doc, _ in loaded if doc.issue is not None]
        conn.send((sum(map(org_uses, valid), Counter()), [file_facts(doc) for doc in valid]))
        ctx = Context(project.config, conn.recv())
        conn.send(check_files(ctx, [item for item in loaded if item[0].path in targets], levels))
    except BaseException as e:  # noqa: BLE001 — the parent raises it
        conn.send(e)
    finally:
        conn.close()
