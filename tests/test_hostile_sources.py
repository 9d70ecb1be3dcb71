"""Hostile project sources: symlinked folders, pipes and devices, comments that are not comments, invisible
line breaks, terminal escapes in names and keys, and inputs whose cost must stay linear."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostile import assert_graceful, assert_reported, located, run, run_capped, write_project

ISSUE = "issues/2024/2024-09-W3.yaml"
ENTRY = "  - type: paper\n    title: T\n    url: https://arxiv.org/abs/2409.12917\n"
WEEK = "date: 2024-09-16\nentries:\n" + ENTRY


def test_a_symlinked_year_folder_is_checked_built_and_never_overwritten(tmp_path: Path) -> None:
    elsewhere = tmp_path / "p" / "kept-elsewhere" / "2024"  # inside the project (a link leading out is refused)
    elsewhere.mkdir(parents=True)
    (elsewhere / "2024-09-W3.yaml").write_text(WEEK + "  - type: paper\n    title: U\n    url: javascript:alert(1)\n", encoding="utf-8")
    root = write_project(tmp_path / "p", {})
    (root / "issues").mkdir()
    (root / "issues" / "2024").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(elsewhere, target_is_directory=True)  # a loop ends
    result = run(root, "check")
    assert result.status == 1 and "link-invalid" in result.text, result.text
    before = (elsewhere / "2024-09-W3.yaml").read_bytes()
    result = run(root, "new-week", "--date", "2024-09-16")
    assert_graceful(result)
    assert result.status == 1 and "already exists" in result.text
    assert (elsewhere / "2024-09-W3.yaml").read_bytes() == before


def test_new_week_never_replaces_a_file_it_cannot_list(tmp_path: Path) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK})
    os.rename(root / ISSUE, root / "issues/2024/.2024-09-W3.yaml")
    (root / ISSUE).symlink_to(".2024-09-W3.yaml")  # a link to a dot-file: listed, but make sure of the path itself
    result = run(root, "new-week", "--date", "2024-09-16")
    assert result.status == 1 and (root / "issues/2024/.2024-09-W3.yaml").read_text(encoding="utf-8") == WEEK


@pytest.mark.parametrize("command", [("check",), ("build",)])
def test_a_fifo_or_a_device_in_issues_is_reported_not_read(tmp_path: Path, command: tuple[str, ...]) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK})
    os.mkfifo(root / "issues/2024/2024-09-W1.yaml")
    (root / "issues/2024/2024-09-W2.yaml").symlink_to("/dev/zero")
    result = run_capped(root, *command, timeout=60)
    assert_graceful(result)
    assert result.status == 1 and set(located(result)) & {"2024-09-W1.yaml", "2024-09-W2.yaml"}, result.text


NOQA_IN_TEXT = [
    'title: "Release # noqa"',
    "note: 'see # noqa'",
    "note: |\n      text\n      # noqa\n",
    "summary:\n      - 'a # noqa: link-invalid'",
    "tags: ['# noqa']",
]


@pytest.mark.parametrize("line", NOQA_IN_TEXT)
def test_noqa_inside_a_value_silences_nothing(tmp_path: Path, line: str) -> None:
    title = "" if line.startswith("title") else "    title: T\n"
    text = f"date: 2024-09-16\nentries:\n  - type: paper\n{title}    url: 'javascript:alert(1)'\n    {line}\n"
    write_project(tmp_path, {ISSUE: text})
    result = run(tmp_path, "check", "--select", "link-invalid")
    assert result.status == 1 and "link-invalid" in result.text, result.text


def test_noqa_in_a_comment_still_works_but_never_for_loader_errors(tmp_path: Path) -> None:
    write_project(tmp_path, {ISSUE: "date: 2024-09-16  # noqa\nentries:\n  - type: paper  # noqa\n    title: T\n    url: javascript:x\n    bogus: 1\n"})
    result = run(tmp_path, "check")
    assert result.status == 1 and "schema" in result.text and "link-invalid" not in result.text, result.text
    write_project(tmp_path, {ISSUE: "date: 2024-09-16\nentries:\n  - type: paper  # noqa: link-invalid\n    title: T\n    url: javascript:x\n"})
    assert run(tmp_path, "check").status == 0


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_an_invisible_line_break_cannot_hide_keys_in_a_comment(tmp_path: Path, sep: str) -> None:
    text = f"date: 2024-09-16\n# harmless comment{sep}published: 2024-09-20T09:00:00+09:00\nentries:\n{ENTRY}"
    write_project(tmp_path, {ISSUE: text})
    result = run(tmp_path, "check")
    assert_reported(result, Path(ISSUE).name, text)
    assert result.status == 1 and located(result)[Path(ISSUE).name] == [(2, 19)], result.text
    assert run(tmp_path, "build").status == 1


@pytest.mark.parametrize("where", ["key", "name"])
def test_terminal_escapes_from_a_project_are_shown_escaped(tmp_path: Path, where: str) -> None:
    evil = "\x1b]0;owned\x07\x1b[2J\u202e"
    if where == "key":
        files = {ISSUE: f'date: 2024-09-16\n"{evil.encode("unicode_escape").decode()}": 1\nentries:\n{ENTRY}'}
    else:
        files = {f"issues/2024/{evil}.yaml": WEEK + "    bogus: 1\n"}
    write_project(tmp_path, files)
    result = run(tmp_path, "check")
    assert_graceful(result)
    assert result.status == 1
    assert "\x1b" not in result.text and "\x07" not in result.text and "\u202e" not in result.text
    assert "\\x1b" in result.text


def test_a_huge_organisation_name_costs_linear_memory(tmp_path: Path) -> None:
    """60,000 characters took 3.45 GB (every one-letter deletion kept); the cap makes it fail fast if quadratic."""
    org = "Google DeepMind " * 4000
    write_project(tmp_path, {ISSUE: f"date: 2024-09-16\nentries:\n  - type: paper\n    org: {org}\n    title: T\n    url: https://arxiv.org/abs/2409.12917\n"})
    result = run_capped(tmp_path, "check", timeout=120)
    assert_graceful(result)


def test_a_long_run_of_open_brackets_in_a_summary_is_checked_and_built_in_linear_time(tmp_path: Path) -> None:
    bullet = "[" * 40000 + "](" + "[[[[](" * 8000
    text = f"date: 2024-09-16\npublished: 2024-09-20T09:00:00+09:00\nentries:\n{ENTRY}    summary:\n      - '{bullet}'\n"
    write_project(tmp_path, {ISSUE: text})
    for command in ("check", "build"):
        assert_graceful(run_capped(tmp_path, command, timeout=120))


def test_an_alias_bomb_in_a_post_front_matter_is_refused_at_its_alias(tmp_path: Path) -> None:
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'] + [
        f"{chr(98 + k)}: &{chr(98 + k)} [{','.join(['*' + chr(97 + k)] * 9)}]" for k in range(8)]
    post = tmp_path / "post.md"
    post.write_text("---\n" + "\n".join(levels) + "\n---\n# T\n", encoding="utf-8")
    root = write_project(tmp_path / "p", {})
    result = run_capped(root, "import", str(post), "--format", "post", "--dry-run", timeout=60)
    assert_graceful(result)
    assert result.status == 1 and located(result).get("post.md") == [(3, 8)], result.text


def test_a_reader_that_stops_early_does_not_hide_the_errors(tmp_path: Path) -> None:
    entries = "".join(f"  - type: paper\n    title: T{k}\n    url: javascript:alert({k})\n" for k in range(3000))
    write_project(tmp_path, {ISSUE: "date: 2024-09-16\nentries:\n" + entries})
    child = subprocess.Popen([sys.executable, "-m", "newsletter", "-C", str(tmp_path), "check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    child.stdout.readline()
    child.stdout.close()  # as `check | head -1` does
    assert child.wait(timeout=120) == 1
    assert b"Traceback" not in child.stderr.read()
