"""``newsletter build``: every output, parsed; deterministic, atomic and incremental."""

from __future__ import annotations

import email
import shutil
import xml.etree.ElementTree as ET
from email import policy
from pathlib import Path

import feedparser
import pytest

from checkutil import make_project
from newsletter.build import render_site
from newsletter.cache import CACHE_DIR
from newsletter.cli import main

TOML = 'title = "AI 위클리"\nbase_url = "https://weekly.example.com/"\nlanguage = "ko"\n[digest]\npath = "README.md"\n'
W4 = """\
date: 2024-02-22
entries:
  - type: paper
    title: "DataDreamer: A Tool for Synthetic Data Generation"
    url: https://arxiv.org/abs/2402.10379
    summary:
      - 합성 데이터 생성이 포함된 워크 플로우 재현
"""
W5 = """\
# the last week of February
date: 2024-02-29
published: 2024-03-01T09:00:00+09:00
entries:
  - type: dev
    org: Google DeepMind
    title: "Genie: Generative Interactive Environments"
    url: https://sites.google.com/view/genie-2024
"""
FILES = {"issues/2024/2024-02-W4.yaml": W4, "issues/2024/2024-02-W5.yaml": W5}


def build(root: Path, *args: str) -> int:
    return main(["-C", str(root), "build", *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    make_project(tmp_path, FILES, TOML)
    return tmp_path


def test_build_writes_every_output(root, capsys):
    assert build(root) == 0
    dist = root / "dist"
    names = set(snapshot(dist))
    assert names == {"feed.xml", "atom.xml", "issues/2024-02-W4.md", "issues/2024-02-W5.md",
                     *(f"email/2024-02-W{n}.{ext}" for n in (4, 5) for ext in ("html", "txt", "eml"))}
    assert "DataDreamer" in (root / "README.md").read_text(encoding="utf-8")
    assert "Genie" in (dist / "issues/2024-02-W5.md").read_text(encoding="utf-8")
    assert "built 11 files" in capsys.readouterr().out


def test_only_published_issues_are_in_the_feeds(root):
    build(root)
    for name in ("feed.xml", "atom.xml"):
        data = (root / "dist" / name).read_bytes()
        ET.fromstring(data)
        feed = feedparser.parse(data)
        assert feed.bozo == 0
        assert [e.id for e in feed.entries] == ["tag:weekly.example.com,2024:2024-02-W5"]
    assert "DataDreamer" in (root / "README.md").read_text(encoding="utf-8")  # unpublished: digest only


def test_eml_and_text_parts_are_written(root):
    build(root)
    msg = email.message_from_bytes((root / "dist/email/2024-02-W5.eml").read_bytes(), policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Date"] == "Fri, 01 Mar 2024 09:00:00 +0900"
    assert "Genie" in (root / "dist/email/2024-02-W5.txt").read_text(encoding="utf-8")


def test_rebuilds_are_byte_identical_with_or_without_the_cache(root, tmp_path_factory):
    build(root)
    first = snapshot(root / "dist")
    shutil.rmtree(root / CACHE_DIR)
    other = tmp_path_factory.mktemp("out")
    build(root, "--out", str(other))
    assert snapshot(other) == first


def test_unchanged_emails_come_from_the_cache_and_an_edit_recompiles_one(root):
    def site():
        return render_site(make_project(root, {}, TOML), root / "dist")

    assert site().compiled == 2
    warm = site()
    assert (warm.compiled, warm.cached) == (0, 2)
    path = root / "issues/2024/2024-02-W4.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("재현", "재현 가능"), encoding="utf-8")
    assert (site().compiled, len(list((root / CACHE_DIR / "email").iterdir()))) == (1, 2)


def test_a_failed_build_leaves_the_previous_output_intact(root, capsys):
    build(root)
    before = snapshot(root / "dist")
    (root / "templates").mkdir()
    (root / "templates/email.mjml.j2").write_text("<mjml>\n{{ no_such_thing }}\n</mjml>\n", encoding="utf-8")
    (root / "issues/2024/2024-02-W4.yaml").write_text(W4.replace("재현", "변경"), encoding="utf-8")
    assert build(root) == 1
    err = capsys.readouterr().err
    assert "email.mjml.j2:2" in err and "Traceback" not in err
    assert snapshot(root / "dist") == before


def test_an_invalid_issue_stops_the_build_with_its_location(root, capsys):
    (root / "issues/2024/2024-02-W4.yaml").write_text("date: 2024-02-22\nentries:\n  - type: paper\n    titel: x\n", encoding="utf-8")
    assert build(root) == 1
    err = capsys.readouterr().err
    assert "2024-02-W4.yaml:3:5: missing required key 'title'" in err and "1 more" in err
    assert not (root / "dist").exists()


def test_files_of_a_deleted_issue_are_removed(root):
    build(root)
    (root / "issues/2024/2024-02-W4.yaml").unlink()
    (root / "dist/email/notes.txt").write_text("mine", encoding="utf-8")
    build(root)
    assert not (root / "dist/email/2024-02-W4.html").exists()
    assert not (root / "dist/issues/2024-02-W4.md").exists()
    assert (root / "dist/email/notes.txt").exists()


def test_an_oversized_email_is_reported_on_stderr(root, capsys):
    (root / "newsletter.toml").write_text(TOML.replace("[digest]", "[email]\nsize_warning_kb = 1\n[digest]"), encoding="utf-8")
    assert build(root) == 0
    err = capsys.readouterr().err
    assert "2024-02-W4" in err and "Gmail" in err


def test_an_empty_archive_builds_empty_feeds(tmp_path):
    make_project(tmp_path, {}, TOML)
    assert build(tmp_path) == 0
    assert feedparser.parse((tmp_path / "dist/feed.xml").read_bytes()).bozo == 0
