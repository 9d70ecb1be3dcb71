"""``newsletter publish``: refuses on check errors, records the time once, builds the feeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import feedparser
import pytest

from checkutil import make_project
from newsletter.errors import NewsletterError
from newsletter.publish import publish

TOML = 'title = "AI 위클리"\nbase_url = "https://weekly.example.com/"\ntimezone = "Asia/Seoul"\n[digest]\npath = "dist/digest.md"\n'
W4 = """\
# yaml-language-server: $schema=../../issue.schema.json
date: 2024-02-22   # Thursday
label: 4th week
entries:
  - type: paper
    title: "DataDreamer: A Tool for Synthetic Data Generation"
    url: https://arxiv.org/abs/2402.10379
"""
W5 = """\
date: 2024-02-29
entries:
  - type: dev
    title: "Genie: Generative Interactive Environments"
    url: https://sites.google.com/view/genie-2024
"""
FILES = {"issues/2024/2024-02-W4.yaml": W4, "issues/2024/2024-02-W5.yaml": W5}
NOW = dt.datetime(2024, 3, 1, 0, 30, 15, 123456, tzinfo=dt.timezone.utc)


def clock() -> dt.datetime:
    return NOW


def run(root: Path, issue_id: str | None) -> int:
    return publish(make_project(root, {}, TOML), issue_id, root / "dist", clock)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    make_project(tmp_path, FILES, TOML)
    return tmp_path


def test_publish_records_the_time_after_date_keeping_everything_else(root, capsys):
    assert run(root, "2024-02-W4") == 0
    text = (root / "issues/2024/2024-02-W4.yaml").read_text(encoding="utf-8")
    assert text == W4.replace("# Thursday\n", "# Thursday\npublished: 2024-03-01T09:30:15+09:00\n")
    out = capsys.readouterr().out
    assert "published 2024-02-W4 at 2024-03-01T09:30:15+09:00" in out
    assert "2024-02-W4.eml" in out and "feed.xml" in out and "atom.xml" in out


def test_the_published_issue_is_in_the_feeds_with_its_time(root):
    run(root, "2024-02-W4")
    feed = feedparser.parse((root / "dist/atom.xml").read_bytes())
    assert feed.bozo == 0
    assert [(e.id, e.updated) for e in feed.entries] == [("tag:weekly.example.com,2024:2024-02-W4", "2024-03-01T09:30:15+09:00")]
    assert "Sat, 01 Mar 2024" not in (root / "dist/feed.xml").read_text(encoding="utf-8")
    assert "Fri, 01 Mar 2024 09:30:15 +0900" in (root / "dist/feed.xml").read_text(encoding="utf-8")


def test_publishing_again_changes_no_byte(root, capsys):
    run(root, "2024-02-W4")
    path = root / "issues/2024/2024-02-W4.yaml"
    before = path.read_bytes(), (root / "dist/feed.xml").read_bytes()
    assert run(root, "2024-02-W4") == 0
    assert (path.read_bytes(), (root / "dist/feed.xml").read_bytes()) == before
    assert "nothing to do" in capsys.readouterr().out


def test_without_an_id_the_latest_unpublished_issue_is_published(root):
    run(root, None)
    assert "published:" in (root / "issues/2024/2024-02-W5.yaml").read_text(encoding="utf-8")
    assert "published:" not in (root / "issues/2024/2024-02-W4.yaml").read_text(encoding="utf-8")
    run(root, None)
    assert "published:" in (root / "issues/2024/2024-02-W4.yaml").read_text(encoding="utf-8")
    with pytest.raises(NewsletterError, match="already published"):
        run(root, None)


def test_check_errors_refuse_and_are_listed(root, capsys):
    bad = W5.replace("    url: https://sites.google.com/view/genie-2024\n", "")
    (root / "issues/2024/2024-02-W5.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(NewsletterError, match="not published: .* in 2024-02-W5"):
        run(root, "2024-02-W5")
    assert "2024-02-W5.yaml:" in capsys.readouterr().err
    assert (root / "issues/2024/2024-02-W5.yaml").read_text(encoding="utf-8") == bad
    assert not (root / "dist").exists()


def test_an_unknown_id_is_an_error(root):
    with pytest.raises(NewsletterError, match="no issue 2024-02-W3"):
        run(root, "2024-02-W3")


def test_crlf_files_and_a_last_line_without_newline_are_respected(root):
    path = root / "issues/2024/2024-02-W5.yaml"
    path.write_bytes(b"entries: []\r\ndate: 2024-02-29")
    run(root, "2024-02-W5")
    assert path.read_bytes() == b"entries: []\r\ndate: 2024-02-29\r\npublished: 2024-03-01T09:30:15+09:00\r\n"


def test_an_empty_published_key_is_filled_in_place(root):
    path = root / "issues/2024/2024-02-W5.yaml"
    path.write_text(W5.replace("date: 2024-02-29\n", "date: 2024-02-29\nlabel: 5th week\npublished:\n"), encoding="utf-8")
    run(root, "2024-02-W5")
    assert "label: 5th week\npublished: 2024-03-01T09:30:15+09:00\nentries:" in path.read_text(encoding="utf-8")


def test_a_flow_style_file_is_refused_with_its_location(root):
    path = root / "issues/2024/2024-02-W5.yaml"
    path.write_text('{date: 2024-02-29, entries: [{type: dev, title: Genie, url: "https://example.com/genie"}]}\n', encoding="utf-8")
    with pytest.raises(NewsletterError, match="top-level line") as e:
        run(root, "2024-02-W5")
    assert e.value.line == 1
