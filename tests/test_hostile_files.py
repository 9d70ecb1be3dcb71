"""Hostile file systems: unreadable, looping and vanishing files, a full disk, concurrent writers, crashes."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile import (
    SIBLING, SIBLING_TEXT, assert_graceful, located, run, run_capped, write_project,
)
from newsletter import fsio
from newsletter.project import Project

ISSUE = "issues/2024/2024-02-W5.yaml"
GOOD = "date: 2024-02-29\nentries:\n  - type: news\n    title: First\n    url: https://reuters.com/a\n"


def project(root: Path, **extra: str) -> Path:
    """A project with a good issue, the marked sibling, and ``extra`` files."""
    return write_project(root, {ISSUE: GOOD, SIBLING: SIBLING_TEXT, **extra})


def reported_files(root: Path) -> set[str]:
    result = run(root, "check")
    assert_graceful(result)
    return set(located(result))


def test_a_folder_named_like_an_issue_is_reported(tmp_path: Path) -> None:
    project(tmp_path)
    (tmp_path / "issues/2024/2024-02-W1.yaml").mkdir()
    assert reported_files(tmp_path) >= {"2024-02-W1.yaml", Path(SIBLING).name}


def test_dangling_and_looping_symlinks_are_reported(tmp_path: Path) -> None:
    project(tmp_path)
    folder = tmp_path / "issues/2024"
    (folder / "2024-02-W1.yaml").symlink_to(folder / "nowhere.yaml")
    (folder / "2024-01-W1.yaml").symlink_to(folder / "2024-01-W2.yaml")
    (folder / "2024-01-W2.yaml").symlink_to(folder / "2024-01-W1.yaml")
    (folder / "loop").symlink_to(tmp_path / "issues")  # a folder cycle must not recurse forever
    result = run_capped(tmp_path, "check", timeout=30)
    assert_graceful(result)
    assert set(located(result)) >= {"2024-02-W1.yaml", "2024-01-W1.yaml", "2024-01-W2.yaml", Path(SIBLING).name}
    assert "too many levels of symbolic links" in result.text.lower()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_issue_is_reported(tmp_path: Path) -> None:
    project(tmp_path)
    (tmp_path / ISSUE).chmod(0)
    assert reported_files(tmp_path) >= {Path(ISSUE).name, Path(SIBLING).name}


@pytest.mark.parametrize("command", ["check", "build", "publish"])
def test_an_issue_deleted_between_listing_and_loading_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    write_project(tmp_path, {ISSUE: GOOD}, 'base_url = "https://news.example.org/"\n[email]\nfrom_address = "news@example.org"\n')
    vanished = tmp_path / "issues/2024/2024-02-W1.yaml"
    listed = Project.issue_files
    monkeypatch.setattr(Project, "issue_files", lambda self, paths=None: [*listed(self, paths), vanished])
    result = run(tmp_path, command)
    assert_graceful(result)
    assert result.status == 1 and "2024-02-W1.yaml" in located(result), result.text


# --- a full disk during build --------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the project but its sources and caches."""
    skip = ("issues", ".newsletter-cache")
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not str(p.relative_to(root)).startswith(skip)}


def full_disk_after(calls: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the ``calls``-th and every later write of an output file fail as a full disk does."""
    count = iter(range(1, 10**6))
    real = os.write

    def write(fd: int, data: bytes) -> int:
        if next(count) >= calls:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(fsio.os, "write", write)


def published_project(root: Path, title: str) -> Path:
    text = GOOD.replace("date: 2024-02-29\n", f"date: 2024-02-29\npublished: 2024-03-01T09:00:00+09:00\ntitle: {title}\n")
    return write_project(root, {ISSUE: text})


@pytest.fixture
def rebuilt(tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A built project whose issue then changed: (root, outputs before, outputs a full build would write)."""
    fresh = published_project(tmp_path / "fresh", "New")
    assert run(fresh, "build").status == 0
    root = published_project(tmp_path / "p", "Old")
    assert run(root, "build").status == 0
    before = snapshot(root)
    published_project(root, "New")
    return root, before, snapshot(fresh)


@pytest.mark.parametrize("calls", [1, 2, 4])
def test_full_disk_during_build_is_one_line_and_leaves_no_partial_file(rebuilt, monkeypatch: pytest.MonkeyPatch, calls: int) -> None:
    root, before, after = rebuilt
    full_disk_after(calls, monkeypatch)
    result = run(root, "build")
    assert_graceful(result)
    assert result.status == 1
    assert result.err.count("\n") == 1 and "No space left on device" in result.err, result.err
    now = snapshot(root)
    assert set(now) == set(before)
    # (the search index's files are named by their content: the new index has other names)
    assert all(now[name] in (before[name], after.get(name)) for name in now)
    assert not [p for p in root.rglob("*.tmp")]


def test_full_disk_during_build_leaves_the_previous_output_intact(rebuilt, monkeypatch: pytest.MonkeyPatch) -> None:
    root, before, _ = rebuilt
    full_disk_after(3, monkeypatch)
    assert run(root, "build").status == 1
    assert snapshot(root) == before


# --- crashes and concurrent writers ----------------------------------------------------------------


def test_a_failed_rename_keeps_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.yaml"
    target.write_text("old")

    def replace(src: str, dst: str) -> None:
        raise OSError(errno.EIO, "rename failed")

    monkeypatch.setattr(fsio.os, "replace", replace)
    with pytest.raises(OSError):
        fsio.atomic_write(target, "new " * 1000)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


WRITER = """
import sys
from pathlib import Path
from newsletter.fsio import atomic_write
target, a, b = Path(sys.argv[1]), b"a" * 2_000_000, b"b" * 3_000_000
print("ready", flush=True)
while True:
    atomic_write(target, a)
    atomic_write(target, b)
"""


def test_killing_a_writer_never_leaves_a_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    target.write_bytes(b"a" * 2_000_000)
    whole = {b"a" * 2_000_000, b"b" * 3_000_000}
    for delay in [0.01 * i for i in range(1, 16)]:
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE)
        writer.stdout.readline()
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        assert target.read_bytes() in whole
    # SIGKILL leaves no chance to clean up; what remains is hidden and never taken for an issue
    assert all(p.name.startswith(".f.bin.") for p in tmp_path.iterdir() if p != target)


def add_in_parallel(root: Path, count: int) -> list[subprocess.CompletedProcess]:
    """``count`` ``add`` commands started at once on the same week."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSLETTER_DEBUG"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "newsletter", "-C", str(root), "add", f"https://reuters.com/{i}", "--title", f"T{i}", "--week", "2024-02-W5"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for i in range(count)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    return [subprocess.CompletedProcess(p.args, p.returncode, *out) for p, out in zip(procs, outputs)]


def test_parallel_adds_keep_every_entry(tmp_path: Path) -> None:
    project(tmp_path)
    done = add_in_parallel(tmp_path, 6)
    assert [d.returncode for d in done] == [0] * 6, [d.stderr for d in done]
    text = (tmp_path / ISSUE).read_text(encoding="utf-8")
    assert all(f"https://reuters.com/{i}" in text for i in range(6)), text
    assert run(tmp_path, "check", str(tmp_path / ISSUE)).status == 0


def test_parallel_builds_leave_a_whole_output(tmp_path: Path) -> None:
    root = published_project(tmp_path, "Title")
    env = {k: v for k, v in os.environ.items() if k != "NEWSLETTER_DEBUG"}
    procs = [subprocess.Popen([sys.executable, "-m", "newsletter", "-C", str(root), "build"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    reference = snapshot(root)
    assert run(root, "build").status == 0
    assert snapshot(root) == reference
    assert not [p for p in root.rglob("*.tmp")]
