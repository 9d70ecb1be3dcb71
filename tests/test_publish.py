"""``newsletter publish``: refuses on check errors, records the time once, builds the feeds."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections import Counter
from pathlib import Path

import feedparser
import pytest

from checkutil import make_project
from newsletter.build.command import build
from newsletter.errors import NewsletterError
from newsletter.cli import main
from newsletter.load import load_issue
from newsletter.publish import backfill, publish

TOML = ('title = "AI 위클리"\nbase_url = "https://weekly.example.com/"\ntimezone = "Asia/Seoul"\n[digest]\npath = "dist/digest.md"\n'
        '[email]\nfrom_address = "AI 위클리 <news@weekly.example.com>"\n')
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


def load(path: Path):
    return load_issue(path, str(path))[0].issue


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


def test_without_an_id_the_oldest_unpublished_issue_is_published(root, capsys):
    assert run(root, None) == 0
    assert "published:" in (root / "issues/2024/2024-02-W4.yaml").read_text(encoding="utf-8")
    assert "published:" not in (root / "issues/2024/2024-02-W5.yaml").read_text(encoding="utf-8")
    run(root, None)
    assert "published:" in (root / "issues/2024/2024-02-W5.yaml").read_text(encoding="utf-8")
    capsys.readouterr()
    assert run(root, None) == 0  # like publishing a published issue: nothing to do, said so
    assert "nothing to publish" in capsys.readouterr().out


def test_a_week_that_has_not_begun_waits_unless_named(root, capsys):
    for path in (root / "issues/2024").iterdir():
        path.unlink()
    december = "issues/2026/2026-12-W1.yaml"
    make_project(root, {december: "date: 2026-12-01\nentries:\n  - type: dev\n    title: minbpe\n    url: https://github.com/karpathy/minbpe\n"}, TOML)
    project = make_project(root, {}, TOML)
    november = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.timezone.utc)
    for _ in range(2):
        assert publish(project, None, root / "dist", lambda: november) == 0
    assert "published:" not in (root / december).read_text(encoding="utf-8")
    assert "nothing to publish" in capsys.readouterr().out
    assert publish(project, "2026-12-W1", root / "dist", lambda: november) == 0
    assert "begins on 2026-12-01" in capsys.readouterr().err
    assert "published: 2026-11-25T12:00:00+09:00" in (root / december).read_text(encoding="utf-8")


def test_warnings_are_shown(root, capsys):
    path = root / "issues/2024/2024-02-W5.yaml"
    path.write_text(W5.replace("genie-2024", "genie-2024?utm_source=x"), encoding="utf-8")
    assert run(root, "2024-02-W5") == 0
    assert "warning[link-tracking]" in capsys.readouterr().err


def test_an_issue_without_entries_is_refused(root):
    path = root / "issues/2024/2024-02-W5.yaml"
    path.write_text("date: 2024-02-29\nentries: []\n", encoding="utf-8")
    with pytest.raises(NewsletterError, match="2024-02-W5 has no entries"):
        run(root, "2024-02-W5")
    assert "published" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("toml, setting", [
    (TOML.replace("https://weekly.example.com/", "https://example.com/"), "base_url"),
    ('base_url = "https://weekly.example.com/"\n', "from_address"),
])
def test_placeholder_settings_are_refused(tmp_path, toml, setting):
    project = make_project(tmp_path, FILES, toml)
    with pytest.raises(NewsletterError, match=f"{setting}.*placeholder") as e:
        publish(project, "2024-02-W4", tmp_path / "dist", clock)
    assert str(e.value).startswith("newsletter.toml: ")
    assert "published" not in (tmp_path / "issues/2024/2024-02-W4.yaml").read_text(encoding="utf-8")


def test_at_records_a_past_time(root, capsys):
    assert main(["-C", str(root), "publish", "2024-02-W4", "--at", "2024-02-28T18:00"]) == 0
    assert "published: 2024-02-28T18:00:00+09:00" in (root / "issues/2024/2024-02-W4.yaml").read_text(encoding="utf-8")
    assert main(["-C", str(root), "publish", "2024-02-W5", "--at", "last tuesday"]) == 2


def test_backfill_dates_each_past_week_by_its_last_day(root, capsys):
    project = make_project(root, {"issues/2024/2024-03-W1.yaml": "date: 2024-03-01\nentries:\n  - type: dev\n    title: minbpe\n    url: https://github.com/karpathy/minbpe\n"}, TOML)
    assert backfill(project, root / "dist", 9, lambda: dt.datetime(2024, 3, 4, tzinfo=dt.timezone.utc)) == 0
    stamps = {p.stem: load(p).published.isoformat() if load(p).published else None for p in project.issue_files()}
    assert stamps == {"2024-02-W4": "2024-02-28T09:00:00+09:00", "2024-02-W5": "2024-02-29T09:00:00+09:00", "2024-03-W1": None}
    feed = feedparser.parse((root / "dist/atom.xml").read_bytes())
    assert [e.id.rsplit(":", 1)[1] for e in feed.entries] == ["2024-02-W5", "2024-02-W4"]


def test_a_change_after_publishing_is_recorded_as_updated_and_reaches_the_feeds(root, capsys):
    run(root, "2024-02-W4")
    path = root / "issues/2024/2024-02-W4.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("DataDreamer:", "DataDreamer 2:"), encoding="utf-8")
    assert main(["-C", str(root), "build"]) == 0
    assert "2024-02-W4 changed since it was published" in capsys.readouterr().err
    later = dt.datetime(2024, 3, 2, 1, 0, tzinfo=dt.timezone.utc)
    assert publish(make_project(root, {}, TOML), "2024-02-W4", root / "dist", lambda: later) == 0
    text = path.read_text(encoding="utf-8")
    assert "published: 2024-03-01T09:30:15+09:00\nupdated: 2024-03-02T10:00:00+09:00\n" in text
    atom = feedparser.parse((root / "dist/atom.xml").read_bytes()).entries[0]
    assert (atom.published, atom.updated) == ("2024-03-01T09:30:15+09:00", "2024-03-02T10:00:00+09:00")
    assert "2024-03-02T10:00:00+09:00" in (root / "dist/feed.xml").read_text(encoding="utf-8")
    before = path.read_bytes(), (root / "dist/feed.xml").read_bytes()
    assert publish(make_project(root, {}, TOML), "2024-02-W4", root / "dist", lambda: later) == 0
    assert (path.read_bytes(), (root / "dist/feed.xml").read_bytes()) == before
    capsys.readouterr()
    assert main(["-C", str(root), "build"]) == 0
    assert "changed since" not in capsys.readouterr().err


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
    path.write_bytes(b"intro: x\r\ndate: 2024-02-29")
    run(root, "2024-02-W5")
    assert path.read_bytes() == b"intro: x\r\ndate: 2024-02-29\r\npublished: 2024-03-01T09:30:15+09:00\r\n"


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


def test_a_named_issue_that_does_not_load_lists_its_errors(root, capsys):
    path = root / "issues/2024/2024-02-W5.yaml"
    path.write_text(W5.replace("    title:", "    titel:"), encoding="utf-8")
    with pytest.raises(NewsletterError, match="not published: .* in 2024-02-W5"):
        run(root, "2024-02-W5")
    assert "error[schema] unknown key 'titel'" in capsys.readouterr().err


class _Opens:
    """The files this process opens while recording, seen through the interpreter's audit hook."""

    recording: list[str] | None = None
    installed = False

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if event == "open" and cls.recording is not None and isinstance(args[0], (str, bytes, os.PathLike)):
            cls.recording.append(os.path.realpath(os.fsdecode(args[0])))

    @classmethod
    def during(cls, action) -> Counter:
        if not cls.installed:  # an audit hook stays for the life of the process: one, switched by `recording`
            sys.addaudithook(cls.hook)
            cls.installed = True
        cls.recording = []
        try:
            action()
            return Counter(cls.recording)
        finally:
            cls.recording = None


@pytest.mark.parametrize("issue_id", [None, "2024-02-W4"])  # the current issue (found in the archive) or a named one
def test_publish_loads_the_archive_once(root, capsys, issue_id):
    january = {f"issues/2024/2024-01-W{n}.yaml": f"date: 2024-01-{7 * n - 6:02d}\npublished: 2024-01-{7 * n:02d}T09:00:00+09:00\n"
               f"entries:\n  - type: dev\n    title: Tool {n}\n    url: https://github.com/a/tool-{n}\n" for n in range(1, 5)}
    project = make_project(root, {**FILES, **january}, TOML)
    build(project, root / "dist")
    opened = _Opens.during(lambda: publish(project, issue_id, root / "dist", clock))
    assert "published 2024-02-W4" in capsys.readouterr().out
    # each file the publish does not change: loaded once (found, checked against the others), then its
    # bytes read once more by the build to see that it did not change
    others = [root / name for name in [*january, "issues/2024/2024-02-W5.yaml"]]
    assert [opened[os.path.realpath(p)] for p in others] == [2] * len(others)
