"""Hostile projects that must lose nothing: links in and out of the project, read-only and oddly encoded
files, outputs aimed at sources, imports and builds cut short, files the listing does not take."""

from __future__ import annotations

import codecs
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hostile import assert_graceful, located, run, run_capped, write_project

ISSUE = "issues/2024/2024-09-W3.yaml"
ENTRY = "  - type: paper\n    title: T\n    url: https://arxiv.org/abs/2409.12917\n"
WEEK = "date: 2024-09-16\nentries:\n" + ENTRY
TOML = ('title = "Weekly"\nbase_url = "https://weekly.example.org/"\ntimezone = "UTC"\n'
        '[email]\nfrom_address = "Weekly <news@weekly.example.org>"\n')
SECRET = "secret-line-from-outside"


def files_under(root: Path) -> dict[str, bytes]:
    """Every regular file below ``root`` (links not followed) and its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink() and p.name != ".newsletter.lock"}


# --- symlinked year folders and issue files ---------------------------------------------------------


def test_a_year_folder_linked_inside_the_project_is_checked_built_and_kept(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"archive/2024/2024-09-W3.yaml": WEEK + "    bogus: 1\n"}, TOML)
    (root / "issues").mkdir()
    (root / "issues/2024").symlink_to("../archive/2024", target_is_directory=True)
    result = run(root, "check")
    assert result.status == 1 and "2024-09-W3.yaml" in located(result), result.text
    (root / "archive/2024/2024-09-W3.yaml").write_text(WEEK, encoding="utf-8")
    assert run(root, "check").status == 0
    assert run(root, "build").status == 0 and (root / "dist/issues/2024-09-W3.md").is_file()
    result = run(root, "new-week", "--date", "2024-09-16")
    assert result.status == 1 and "already exists" in result.text
    assert (root / "archive/2024/2024-09-W3.yaml").read_text(encoding="utf-8") == WEEK
    result = run(root, "add", "https://github.com/a/b", "--title", "B", "--issue", "2024-09-W3", "--no-fetch")
    assert result.status == 0, result.text
    text = (root / "archive/2024/2024-09-W3.yaml").read_text(encoding="utf-8")
    assert text.startswith(WEEK) and "https://github.com/a/b" in text
    assert (root / "issues/2024").is_symlink()


@pytest.mark.parametrize("command", [("check",), ("build",)])
def test_a_year_folder_linked_outside_the_project_is_refused_naming_it(tmp_path: Path, command: tuple[str, ...]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "2024-09-W3.yaml").write_text(f"date: 2024-09-16\n{SECRET}: [\n", encoding="utf-8")
    root = write_project(tmp_path / "p", {"issues/2024/2024-09-W2.yaml": "date: 2024-09-09\nentries:\n" + ENTRY}, TOML)
    (root / "issues/2023").symlink_to(elsewhere, target_is_directory=True)
    result = run(root, *command)
    assert_graceful(result)
    assert result.status == 1, result.text
    assert "issues/2023" in result.text and "outside the project" in result.text, result.text
    assert SECRET not in result.text


def test_an_issue_file_linked_outside_the_project_is_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "notes.yaml"
    outside.write_text(f"date: 2024-09-16\n{SECRET}: [\n", encoding="utf-8")
    root = write_project(tmp_path / "p", {}, TOML)
    (root / "issues/2024").mkdir(parents=True)
    (root / ISSUE).symlink_to(outside)
    for command in (("check",), ("build",), ("check", "--fix"), ("check", str(root / ISSUE))):
        result = run(root, *command)
        assert_graceful(result)
        assert result.status == 1 and SECRET not in result.text, result.text
        assert "outside the project" in result.text and "copy" in result.text, result.text
    result = run(root, "add", "https://github.com/a/b", "--title", "B", "--issue", "2024-09-W3", "--no-fetch")
    assert result.status == 1 and SECRET not in result.text, result.text
    assert outside.read_text(encoding="utf-8").startswith("date: 2024-09-16\n" + SECRET)
    assert (root / ISSUE).is_symlink()


@pytest.mark.parametrize("ident", ["../../notes", "../newsletter", "..", "2024-09-W3/../../x", "/etc/passwd"])
def test_preview_serves_only_an_issue_of_the_output_folder(tmp_path: Path, ident: str) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK, "notes.html": SECRET, "newsletter.html": SECRET}, TOML)
    result = run_capped(root, "preview", ident, "--port", "0", timeout=60)
    assert result.status == 2 and "not the id" in result.err and "serving" not in result.text, result.text


# --- build --out ------------------------------------------------------------------------------------


def test_build_out_deletes_only_what_it_wrote(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {ISSUE: WEEK, "issues/2024/2024-09-W2.yaml": "date: 2024-09-09\nentries:\n" + ENTRY}, TOML)
    out = tmp_path / "public"
    hand = {"issues/2023-01-W1.md": "mine", "email/2023-01-W1.html": "mine", "site/issues/2023-01-W1.html": "<html><body><p>mine</p></body></html>",
            "issues/2024-09-W3.md.bak": "mine"}
    for name, text in hand.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    assert run(root, "build", "--out", str(out)).status == 0
    (root / "issues/2024/2024-09-W2.yaml").unlink()
    assert run(root, "build", "--out", str(out)).status == 0
    assert not (out / "issues/2024-09-W2.md").exists()  # the build's own file of a deleted issue goes
    assert (out / "issues/2024-09-W3.md").is_file()
    for name, text in hand.items():
        assert (out / name).read_text(encoding="utf-8") == text, name


# --- configured output paths -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [ISSUE, "newsletter.toml", "templates/digest.md.j2", "../outside.md", "/tmp/x.md", "",
                                  ".", "issues", "dist", "  ", "a\\u0000b.md", "dist/../../x.md"])
def test_the_digest_path_cannot_replace_a_source_or_leave_the_project(tmp_path: Path, path: str) -> None:
    root = write_project(tmp_path / "p", {ISSUE: WEEK, "templates/digest.md.j2": "{{ x }}"}, TOML + f'[digest]\npath = "{path}"\n')
    before = files_under(tmp_path)
    result = run(root, "build")
    assert_graceful(result)
    assert result.status == 1 and "newsletter.toml" in result.text and "digest" in result.text, result.text
    assert len(result.err.strip().splitlines()) == 1, result.err
    after = files_under(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_the_digest_path_may_be_any_other_file_of_the_project(tmp_path: Path) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK}, TOML + '[digest]\npath = "README.md"\n')
    assert run(root, "build").status == 0
    assert "2024" in (root / "README.md").read_text(encoding="utf-8")


# --- editing a linked, read-only or oddly encoded issue file ----------------------------------------


def _edit(root: Path, how: str) -> object:
    """Run one of the commands that rewrite an issue file."""
    if how == "fix":
        return run(root, "check", "--fix")
    if how == "add":
        return run(root, "add", "https://github.com/a/b", "--title", "B", "--issue", "2024-09-W3", "--no-fetch")
    if how == "publish":
        return run(root, "publish", "2024-09-W3", "--at", "2024-09-20T09:00:00+00:00")
    archive = root.parent / "archive.md"
    archive.write_text(
        "# 2024\n\n## September\n\n<details>\n<summary>3rd week</summary>\n\n"
        "- 📜 [T](https://arxiv.org/abs/2409.12917)\n\n</details>\n", encoding="utf-8")
    return run(root, "import", str(archive), "--force")


FIXABLE = WEEK.replace("https://arxiv.org/abs/2409.12917", "https://arxiv.org/abs/2409.12917?utm_source=x")
EDITS = ["fix", "add", "publish", "import"]


@pytest.mark.parametrize("how", EDITS)
def test_an_edit_through_a_link_inside_the_project_updates_the_real_file(tmp_path: Path, how: str) -> None:
    root = write_project(tmp_path / "p", {"drafts/w3.yaml": FIXABLE}, TOML)
    (root / "issues/2024").mkdir(parents=True)
    (root / ISSUE).symlink_to("../../drafts/w3.yaml")
    result = _edit(root, how)
    assert result.status == 0, result.text
    assert (root / ISSUE).is_symlink() and os.readlink(root / ISSUE) == "../../drafts/w3.yaml"
    assert (root / "drafts/w3.yaml").read_text(encoding="utf-8") != FIXABLE
    assert not [p for p in root.rglob("*.tmp")]


@pytest.mark.parametrize("how", EDITS)
def test_a_read_only_issue_file_is_never_rewritten(tmp_path: Path, how: str) -> None:
    root = write_project(tmp_path / "p", {ISSUE: FIXABLE}, TOML)
    (root / ISSUE).chmod(0o444)
    result = _edit(root, how)
    assert_graceful(result)
    assert result.status == 1 and "read-only" in result.text and "2024-09-W3.yaml" in result.text, result.text
    assert (root / ISSUE).read_text(encoding="utf-8") == FIXABLE
    assert stat.S_IMODE((root / ISSUE).stat().st_mode) == 0o444
    assert not [p for p in root.rglob("*.tmp")]


def test_fix_keeps_a_byte_order_mark(tmp_path: Path) -> None:
    root = write_project(tmp_path, {ISSUE: codecs.BOM_UTF8 + FIXABLE.encode()}, TOML)
    assert run(root, "check", "--fix").status == 0
    data = (root / ISSUE).read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and b"utm_source" not in data


def test_fix_keeps_the_comment_of_a_bullet_it_removes(tmp_path: Path) -> None:
    text = WEEK + '    summary:\n      - first\n      - ""  # TODO: the second point\n      - third\n'
    root = write_project(tmp_path, {ISSUE: text}, TOML)
    run(root, "check", "--fix")
    fixed = (root / ISSUE).read_text(encoding="utf-8")
    assert '""' not in fixed and "# TODO: the second point" in fixed, fixed
    assert run(root, "check").status == 0


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
@pytest.mark.parametrize("how", ["add", "publish", "fix"])
def test_line_endings_are_kept(tmp_path: Path, newline: str, how: str) -> None:
    text = FIXABLE.replace("\n", newline)
    root = write_project(tmp_path / "p", {ISSUE: text}, TOML)
    result = _edit(root, how)
    assert result.status == 0, result.text
    data = (root / ISSUE).read_bytes().decode("utf-8")
    assert data != text
    other = {"\r": "\n", "\r\n": "\n"}[newline]
    assert data.replace(newline, "").count(other) == 0 if newline == "\r" else "\n" not in data.replace("\r\n", ""), repr(data)
    assert run(root, "check").status in (0, 1) and "yaml-syntax" not in run(root, "check").text


def test_add_keeps_the_trailing_lines_of_a_final_keep_block(tmp_path: Path) -> None:
    text = WEEK + "    note: |+\n      kept\n\n\n"
    root = write_project(tmp_path, {ISSUE: text}, TOML)
    result = _edit(root, "add")
    assert result.status == 0, result.text
    from newsletter.load import load_issue

    issue = load_issue(root / ISSUE, ISSUE)[0].issue
    assert issue is not None and issue.entries[0].note == "kept\n\n\n" and len(issue.entries) == 2


# --- import: what check rejects, a directory in the way, a full disk --------------------------------


def _archive(tmp_path: Path, bullet: str, title: str = "T") -> Path:
    path = tmp_path / "archive.md"
    path.write_text("# 2024\n\n## September\n\n<details>\n<summary>3rd week</summary>\n\n"
                    f"- 📜 [{title}](https://arxiv.org/abs/2409.12917)\n{bullet}\n</details>\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("bullet,title", [
    ("    - a \x1b[31m red\n", "T"), ("    - nul \x00 here\n", "T"), ("", "bell\x07title"),
    ("".join("    " * k + "- deep\n" for k in range(1, 90)), "T"),
])
def test_import_never_writes_a_file_check_rejects(tmp_path: Path, bullet: str, title: str) -> None:
    root = write_project(tmp_path / "p", {}, TOML)
    result = run(root, "import", str(_archive(tmp_path, bullet, title)))
    assert_graceful(result)
    if result.status == 0:
        check = run(root, "check", "--select", "yaml-syntax,schema")
        assert check.status == 0, check.text
    else:
        assert not (root / "issues").exists() or not list((root / "issues").rglob("*.yaml"))


def test_import_with_a_folder_in_the_way_writes_nothing_and_can_be_run_again(tmp_path: Path) -> None:
    archive = tmp_path / "archive.md"
    archive.write_text("# 2024\n\n## September\n\n" + "".join(
        f"<details>\n<summary>{n} week</summary>\n\n- 📜 [T{n}](https://arxiv.org/abs/2409.1291{k})\n\n</details>\n\n"
        for k, n in enumerate(["1st", "2nd", "3rd"])), encoding="utf-8")
    root = write_project(tmp_path / "p", {}, TOML)
    (root / "issues/2024/2024-09-W2.yaml").mkdir(parents=True)
    for force in ([], ["--force"]):
        result = run(root, "import", str(archive), *force)
        assert_graceful(result)
        assert result.status == 1 and "2024-09-W2.yaml" in result.text, result.text
        assert sorted(p.name for p in (root / "issues/2024").iterdir()) == ["2024-09-W2.yaml"]
        assert not [p for p in root.rglob("*.tmp")]
    (root / "issues/2024/2024-09-W2.yaml").rmdir()
    assert run(root, "import", str(archive)).status == 0
    assert len(list((root / "issues/2024").iterdir())) == 3


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 300 KB tmpfs (root only)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_import_on_a_full_disk_leaves_nothing_and_can_be_run_again(tmp_path: Path, small_disk: Path) -> None:
    archive = tmp_path / "archive.md"
    week = "<details>\n<summary>{n} week</summary>\n\n" + "".join(
        f"- 📜 [T{{n}}{k}](https://arxiv.org/abs/2409.{10000 + k})\n    - {'요약 ' * 200}\n" for k in range(20)) + "\n</details>\n\n"
    archive.write_text("# 2024\n\n## September\n\n" + "".join(week.format(n=n) for n in ["1st", "2nd", "3rd", "4th"]), encoding="utf-8")
    root = write_project(small_disk / "p", {}, TOML)
    filler = small_disk / "filler"
    filler.write_bytes(b"x" * (300 * 1024 - 100 * 1024))
    result = run(root, "import", str(archive))
    assert_graceful(result)
    assert result.status == 1 and "No space left" in result.text, result.text
    assert not list(root.rglob("*.yaml")) and not list(root.rglob("*.tmp"))
    assert (root / "newsletter.toml").read_text(encoding="utf-8") == TOML
    filler.unlink()
    assert run(root, "import", str(archive)).status == 0
    assert len(list(root.rglob("*.yaml"))) == 4


def test_a_failed_init_leaves_no_half_project(tmp_path: Path, small_disk: Path) -> None:
    filler = small_disk / "filler"
    filler.write_bytes(b"x" * (300 * 1024 - 12 * 1024))
    result = run(small_disk, "init", "blog")
    assert_graceful(result)
    assert result.status == 1 and "No space left" in result.text, result.text
    assert not (small_disk / "blog").exists()
    filler.unlink()
    assert run(small_disk, "init", "blog").status == 0


def test_a_build_removes_the_temporary_files_a_killed_build_left(tmp_path: Path) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK}, TOML)
    assert run(root, "build").status == 0
    left = [root / "dist/.digest.md.a1b2c3d4.tmp", root / "dist/email/.2024-09-W3.html.k_9zzq0x.tmp",
            root / "dist/site/issues/.2024-09-W3.html.abcd1234.tmp"]
    mine = [root / "dist/.notes.tmp", root / "dist/notes.tmp", root / "dist/email/.x.y.tmp", root / "dist/.a.b.c.toolong99.tmp"]
    for p in left + mine:
        p.write_text("partial", encoding="utf-8")
    (root / "issues/2024/.2024-09-W3.yaml.ab_12345.tmp").write_text("partial", encoding="utf-8")
    left.append(root / "issues/2024/.2024-09-W3.yaml.ab_12345.tmp")
    # a killed build recorded no manifest: the next one renders
    (root / ISSUE).write_text(WEEK.replace("title: T", "title: U"), encoding="utf-8")
    assert run(root, "build").status == 0
    assert not any(p.exists() for p in left)
    assert all(p.exists() for p in mine)


def test_a_build_killed_mid_write_is_cleaned_by_the_next(tmp_path: Path) -> None:
    root = write_project(tmp_path, {f"issues/2024/2024-{m:02d}-W{w}.yaml": f"date: 2024-{m:02d}-{7 * w - 3:02d}\nentries:\n" + ENTRY.replace("T\n", f"T{m}{w}\n").replace("12917", f"1{m:02d}{w}")
                                    for m in range(1, 13) for w in range(1, 5)}, TOML)
    child = subprocess.Popen([sys.executable, "-m", "newsletter", "-C", str(root), "build"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import time

    deadline = time.monotonic() + 60
    while child.poll() is None and time.monotonic() < deadline and not list(root.rglob("*.tmp")):
        time.sleep(0.005)
    child.kill()
    child.wait()
    assert run(root, "build").status == 0
    assert not list(root.rglob("*.tmp"))


# --- files the listing does not take ---------------------------------------------------------------


@pytest.mark.parametrize("name,should", [("2024-09-W2.yml", "2024-09-W2.yaml"), ("2024-09-W2.YAML", "2024-09-W2.yaml"),
                                         (".2024-09-W2.yaml", "2024-09-W2.yaml"), ("2024-09-W2.yaml.orig", None)])
@pytest.mark.parametrize("command", ["check", "build"])
def test_issue_files_with_another_name_are_named_not_ignored(tmp_path: Path, name: str, should: str | None, command: str) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK, f"issues/2024/{name}": "date: 2024-09-09\nentries:\n" + ENTRY}, TOML)
    result = run(root, command)
    assert_graceful(result)
    if should is None:
        assert name not in result.text
        return
    assert result.status == 0, result.text
    assert name in result.text and should in result.text and "warning" in result.text, result.text


def test_a_fifo_named_like_an_issue_does_not_hang(tmp_path: Path) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK}, TOML)
    os.mkfifo(root / "issues/2024/2024-09-W2.yaml")
    (root / "issues/2024/2024-09-W1.yaml").symlink_to("/dev/zero")
    for command in ("check", "build"):
        result = run_capped(root, command, timeout=60)
        assert_graceful(result)
        named = {"2024-09-W1.yaml", "2024-09-W2.yaml"} & set(located(result))
        assert result.status == 1 and (named if command == "build" else len(named) == 2), result.text
        assert "regular file" in result.text or "outside the project" in result.text


@pytest.mark.parametrize("path", ["dist/feed.xml", "dist/site/index.html", "dist/issues/x.md", "dist/email/x.html",
                                  ".newsletter-private/x", ".newsletter.lock", "published.json", "issue.schema.json", ".gitignore",
                                  "./newsletter.toml", "issues/../newsletter.toml", "subscribers.db", "link-to-config.md"])
def test_the_digest_path_cannot_replace_another_output_or_a_secret(tmp_path: Path, path: str) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK}, TOML + f'\n\n[digest]\npath = "{path}"\n[subscribers]\ndatabase = "subscribers.db"\n')
    (root / "link-to-config.md").symlink_to("newsletter.toml")
    result = run(root, "build")
    assert result.status == 1 and "newsletter.toml:9:1: digest.path" in result.err, result.text


@pytest.mark.parametrize("out", [".", "issues", "templates", "issues/2024", ".newsletter-private"])
def test_build_out_cannot_write_into_the_sources(tmp_path: Path, out: str) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK}, TOML)
    (root / "templates").mkdir(exist_ok=True)
    before = files_under(root)
    result = run(root, "build", "--out", str(root / out))
    assert_graceful(result)
    assert result.status == 1 and "output folder" in result.err, result.text
    assert files_under(root) == before


@pytest.mark.parametrize("command", [("new-week", "--date", "2024-09-16"),
                                     ("add", "https://github.com/a/b", "--title", "B", "--issue", "2024-09-W3", "--no-fetch")])
def test_no_new_issue_file_is_made_through_a_link_leading_out(tmp_path: Path, command: tuple[str, ...]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = write_project(tmp_path / "p", {}, TOML)
    (root / "issues").mkdir()
    (root / "issues/2024").symlink_to(elsewhere, target_is_directory=True)
    result = run(root, *command)
    assert_graceful(result)
    assert result.status == 1 and "outside the project" in result.text, result.text
    assert not list(elsewhere.iterdir())


@pytest.mark.parametrize("name", ["published.json", "dist"])
def test_publish_and_build_never_write_through_a_link_to_a_source(tmp_path: Path, name: str) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK}, TOML)
    target = "newsletter.toml" if name == "published.json" else "issues"
    (root / name).symlink_to(target)
    before = files_under(root)
    result = run(root, "publish", "2024-09-W3", "--at", "2024-09-20T09:00:00+00:00")
    assert_graceful(result)
    assert result.status == 1 and name in result.err, result.text
    assert files_under(root) == before


def test_import_with_a_file_where_a_year_folder_goes_writes_nothing(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"issues/2024": "not a folder"}, TOML)
    result = run(root, "import", str(_archive(tmp_path, "")))
    assert_graceful(result)
    assert result.status == 1 and "2024" in result.err and "nothing was imported" in result.err, result.text
    assert (root / "issues/2024").read_text(encoding="utf-8") == "not a folder"
    assert (root / "newsletter.toml").read_text(encoding="utf-8") == TOML
    (root / "issues/2024").unlink()
    assert run(root, "import", str(_archive(tmp_path, ""))).status == 0


def test_import_report_never_replaces_a_source(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {ISSUE: WEEK}, TOML)
    result = run(root, "import", str(_archive(tmp_path, "")), "--into", str(tmp_path / "out"), "--report", str(root / ISSUE))
    assert result.status == 1 and "--report" in result.err, result.text
    assert (root / ISSUE).read_text(encoding="utf-8") == WEEK and not (tmp_path / "out").exists()


def test_fix_on_a_full_disk_leaves_the_file_whole(tmp_path: Path, small_disk: Path) -> None:
    root = write_project(small_disk / "p", {ISSUE: FIXABLE}, TOML)
    filler = small_disk / "filler"
    filler.write_bytes(b"x" * (300 * 1024 - 8 * 1024))
    fd = os.open(small_disk / "last", os.O_WRONLY | os.O_CREAT)  # fill the last blocks exactly
    try:
        while os.write(fd, b"x" * 512):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    for how in ("fix", "add", "publish"):
        result = _edit(root, how)
        assert_graceful(result)
        assert result.status == 1 and "No space left" in result.text, (how, result.text)
        assert (root / ISSUE).read_text(encoding="utf-8") == FIXABLE
        assert not list(root.rglob("*.tmp"))


def test_a_build_removes_only_the_leftovers_of_the_files_it_writes_at_the_root(tmp_path: Path) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK}, TOML + '[digest]\npath = "README.md"\n')
    ours = [root / ".newsletter.toml.abcd1234.tmp", root / ".published.json.abcd1234.tmp", root / ".README.md.abcd1234.tmp"]
    other = [root / ".subscribers.csv.abcd1234.tmp", root / "notes/.x.md.abcd1234.tmp"]
    for p in ours + other:
        p.parent.mkdir(exist_ok=True)
        p.write_text("partial", encoding="utf-8")
    assert run(root, "build").status == 0
    assert not any(p.exists() for p in ours) and all(p.exists() for p in other)


def test_subscribers_export_never_replaces_a_source(tmp_path: Path) -> None:
    root = write_project(tmp_path, {ISSUE: WEEK}, TOML)
    result = run(root, "subscribers", "export", "--out", str(root / "newsletter.toml"))
    assert result.status == 1 and "--out" in result.err, result.text
    assert (root / "newsletter.toml").read_text(encoding="utf-8") == TOML
