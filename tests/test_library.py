"""Every command is a library function with plain arguments: a program calls it without a command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from newsletter.authoring import add, init, new
from newsletter.build.command import build
from newsletter.check.command import check, rules
from newsletter.cli import main
from newsletter.deliver.commands import add as add_subscribers
from newsletter.deliver.commands import list_, open_store, remove
from newsletter.importer import import_file
from newsletter.load import load_issue
from newsletter.project import Project
from newsletter.publish import publish_and_send

SEPTEMBER = dt.date(2024, 9, 16)
SEEDS = Path(__file__).parent / "data" / "seeds"


def _project(tmp_path: Path) -> Project:
    root = tmp_path / "digest"
    assert init(root, language="en") == 0
    config = root / "newsletter.toml"
    text = config.read_text(encoding="utf-8").replace("https://example.com/", "https://news.test/")
    config.write_text(text + '\n[email]\nfrom_address = "news@news.test"\n', encoding="utf-8")
    return Project(root)


def test_write_check_build_and_publish_an_issue_without_a_command_line(tmp_path, capsys):
    project = _project(tmp_path)
    assert new(project, date=SEPTEMBER) == 0
    assert add(project, "https://github.com/karpathy/minbpe?utm_source=x", title="minbpe", orgs=["OpenAI"],
               summary=["BPE, minimal"], issue="2024-09-W3", fetch=False) == 0
    path = project.issue_path("2024-09-W3")
    loaded, _ = load_issue(path, "x.yaml")
    (entry,) = loaded.issue.entries
    assert (entry.type, entry.title, entry.url, entry.org) == ("dev", "minbpe", "https://github.com/karpathy/minbpe", ["OpenAI"])
    assert check(project, [path], strict=True) == 0
    done = build(project, tmp_path / "out")
    assert done.outputs > 0 and (tmp_path / "out" / "issues" / "2024-09-W3.md").is_file()
    at = dt.datetime(2024, 9, 20, 9, tzinfo=dt.timezone.utc)
    assert publish_and_send(project, "2024-09-W3", tmp_path / "out", at=at) == 0
    assert load_issue(path, "x.yaml")[0].issue.published == at
    capsys.readouterr()


def test_check_returns_the_status_and_fixes_given_as_flags(tmp_path, capsys):
    project = _project(tmp_path)
    new(project, date=SEPTEMBER)
    path = project.issue_path("2024-09-W3")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "entries: []", "entries:\n  - type: dev\n    title: T\n    url: https://github.com/a/b?utm_source=x\n"), encoding="utf-8")
    assert check(project, select=["schema"]) == 0
    capsys.readouterr()
    assert check(project, select=["link-tracking"], format="json", strict=True) == 1
    assert [d["rule"] for d in json.loads(capsys.readouterr().out)] == ["link-tracking"]
    assert check(project, fix=True) == 0
    assert "utm_source" not in path.read_text(encoding="utf-8")
    assert rules(project, "link-tracking") == 0 and "link-tracking" in capsys.readouterr().out


def test_import_and_subscribers_take_paths_and_lists(tmp_path, capsys):
    project = _project(tmp_path)
    assert import_file(project, SEEDS / "archive-2024.md", dry_run=True, report_path=tmp_path / "report.json") == 0
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["issues"]
    assert not list(project.issues_dir.rglob("*.yaml"))  # a dry run writes no issue
    with open_store(project) as store:
        assert add_subscribers(store, ["Ada@Example.org", "grace@example.org"]) == 0
        assert remove(store, ["grace@example.org"]) == 0
        capsys.readouterr()
        assert list_(store, "active") == 0
    assert capsys.readouterr().out.split("\t")[0] == "Ada@example.org"  # the local part keeps its case


def test_a_bad_command_line_is_status_2_not_an_exit(tmp_path, capsys):
    project = _project(tmp_path)
    assert main(["-C", str(project.root), "new", "--date", "2024-02-30"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["-C", str(project.root), "publish", "--backfill", "--at", "2024-09-20T09:00"]) == 2
    assert "--backfill" in capsys.readouterr().err
    assert main(["-C", str(project.root), "subscribers"]) == 2
