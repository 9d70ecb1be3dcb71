"""`newsletter subscribers`: add, import exports of other services, list, remove, export; the store stays private."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from newsletter.cli import main
from newsletter.project import Project

DATA = Path(__file__).parent / "data" / "subscribers"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    assert main(["init", str(tmp_path / "letter")]) == 0
    return tmp_path / "letter"


def run(root: Path, *args: str) -> int:
    return main(["-C", str(root), "subscribers", *args])


def listing(root: Path, capsys, *args: str) -> dict[str, str]:
    capsys.readouterr()
    assert run(root, "list", *args) == 0
    return {line.split("\t")[0]: line.split("\t")[1] for line in capsys.readouterr().out.splitlines()}


def test_add_compares_domains_without_case_and_refuses_invalid_addresses(root, capsys):
    assert run(root, "add", "ada@example.org", "Grace@Example.ORG") == 0
    assert run(root, "add", "ada@EXAMPLE.org", "grace@example.org") == 0
    assert "1 added, 1 skipped as duplicates" in capsys.readouterr().out  # local parts keep their case
    assert run(root, "add", "alan@example.org", "not an address") == 1
    err = capsys.readouterr().err
    assert "address 2 of 2 is not a valid email address" in err and "not an address" not in err
    assert listing(root, capsys) == {"ada@example.org": "active", "Grace@example.org": "active", "grace@example.org": "active"}


def test_remove_unsubscribes_and_no_later_add_or_import_undoes_it(root, capsys):
    run(root, "add", "ada@example.org", "grace@example.org")
    assert run(root, "remove", "ada@example.org", "nobody@example.org") == 0
    assert "1 unsubscribed, 1 not on the list" in capsys.readouterr().out
    run(root, "add", "ada@example.org")
    assert "1 skipped as unsubscribed earlier" in capsys.readouterr().out
    shutil.copy(DATA / "substack.csv", root / "substack.csv")
    run(root, "import", str(root / "substack.csv"))
    assert listing(root, capsys, "--state", "unsubscribed") == {"ada@example.org": "unsubscribed", "left@example.org": "unsubscribed"}


@pytest.mark.parametrize(("export", "layout", "states", "report"), [
    ("substack.csv", "Substack",
     {"ada@example.org": "active", "grace@example.org": "active", "ADA@example.org": "active", "left@example.org": "unsubscribed"},
     {4: "refused", 7: "skipped"}),
    ("buttondown.csv", "Buttondown",
     {"ada@example.org": "active", "grace@example.org": "active", "edsger@example.net": "unsubscribed"}, {5: "refused"}),
    ("mailchimp.csv", "Mailchimp", {"ada@example.org": "active", "grace@example.org": "active"}, {4: "skipped"}),
    ("mailchimp-unsubscribed.csv", "Mailchimp", {"alan@example.org": "unsubscribed"}, {}),
    ("listmonk.csv", "listmonk",
     {"ada@example.org": "active", "barbara@example.org": "unsubscribed", "한글@example.org": "active"}, {}),
])
def test_import_recognises_each_services_export(root, capsys, export, layout, states, report):
    capsys.readouterr()
    assert run(root, "import", str(DATA / export)) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[-1].startswith(f"{layout} export")
    # one line per row not added: FILE:LINE:1: refused|skipped: why
    found = {int(line.split(":")[-4]): line.split(": ")[1] for line in lines[:-1]}
    assert found == report
    assert all(f"{export}:" in line for line in lines[:-1])
    assert listing(root, capsys) == states
    # the report names rows by line, never by address
    assert not any(a.lower() in out.lower() for a in states)


def test_import_of_an_unknown_layout_is_one_line(root, tmp_path, capsys):
    other = tmp_path / "other.csv"
    other.write_text("name,phone\nAda,123\n")
    assert run(root, "import", str(other)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "other.csv:1:1:" in err and "Substack" in err


def test_export_writes_every_subscriber_with_state_and_times(root, tmp_path, capsys):
    run(root, "add", "ada@example.org", "grace@example.org")
    run(root, "remove", "grace@example.org")
    target = tmp_path / "out.csv"
    assert run(root, "export", "--out", str(target)) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [(r["email"], r["state"]) for r in rows] == [("ada@example.org", "active"), ("grace@example.org", "unsubscribed")]
    assert all(r["changed"] and r["created"] for r in rows)
    assert target.stat().st_mode & 0o077 == 0  # readable by its owner only


def test_the_store_and_secret_stay_out_of_git_and_dist(root, capsys):
    run(root, "add", "ada@example.org")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    tracked = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True, check=True).stdout
    assert ".newsletter-private" not in tracked and "newsletter.toml" in tracked
    private = root / ".newsletter-private"
    assert {p.name for p in private.iterdir()} >= {"secret", "subscribers.sqlite3"}
    from newsletter.deliver.commands import open_store

    with open_store(Project(root)) as store:  # while open, SQLite's side files exist too
        store.add([("grace@example.org", "active")])
        for name in ("subscribers.sqlite3", "subscribers.sqlite3-wal", "subscribers.sqlite3-shm"):
            assert (private / name).stat().st_mode & 0o077 == 0, name
    assert (private / "secret").stat().st_mode & 0o077 == 0


def test_a_store_inside_dist_is_refused(root, capsys):
    with (root / "newsletter.toml").open("a") as f:
        f.write('\n[subscribers]\ndatabase = "dist/subscribers.sqlite3"\n')
    assert run(root, "add", "ada@example.org") == 1
    assert "must not be inside dist/" in capsys.readouterr().err
    assert not (root / "dist").exists()
