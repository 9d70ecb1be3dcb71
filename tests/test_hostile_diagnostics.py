"""Inputs that once ended in "internal error": each is now a one-line diagnostic naming the file (and its line
where there is one) and what to do; none exits 0 while it reports an error, none prints a traceback."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hostile import Result, assert_graceful, run, write_project

ISSUE = "issues/2024/2024-09-W3.yaml"
WEEK = "date: 2024-09-16\nentries:\n  - type: paper\n    title: T\n    url: https://arxiv.org/abs/2409.12917\n"
TOML = 'title = "N"\nbase_url = "https://news.example.org/"\n'
BIG = "1" * 4400
ARCHIVE = "# {year}\n## ☃ February\n<details>\n  <summary>{week}</summary>\n\n- 📜 [A paper](https://arxiv.org/abs/2402.07827)\n{more}</details>\n"
POST = "---\ntitle: T\ndate: {date}\n{more}---\n\n## Abstract\n\n### {section}\n\n- [**`A`**](https://arxiv.org/abs/2312.15166) : s\n"


@dataclass
class Case:
    """A project, a command, and what it must say: its exit status, the file named and the line."""

    args: tuple[str, ...]
    status: int
    where: str
    line: int | None = None
    files: dict[str, str | bytes] = field(default_factory=lambda: {ISSUE: WEEK})
    toml: str = TOML


def imported(md: str, *args: str, status: int = 1, line: int | None = None, files: dict | None = None,
             where: str = "in.md") -> Case:
    """``import in.md ARGS`` of a project holding ``md`` as in.md (and ``files``)."""
    return Case(("import", "{root}/in.md", *args), status, where, line, {"in.md": md, **(files or {})})


def archive(year: str = "2024", week: str = "1st week", more: str = "") -> str:
    return ARCHIVE.format(year=year, week=week, more=more)


def post(date: str = "2024-01-05T10:00:00Z", section: str = "12월 4주차", more: str = "") -> str:
    return POST.format(date=date, section=section, more=more)


def config(toml: str, status: int = 1, line: int | None = None) -> Case:
    return Case(("build",), status, "newsletter.toml", line, toml=toml)


def template(name: str, text: str | bytes) -> Case:
    return Case(("build",), 1, name, None, {ISSUE: WEEK, f"templates/{name}": text})


def issue_named(name: str) -> dict[str, str | bytes]:
    return {f"issues/2024/{name}.yaml": WEEK}


NESTED = "".join("    " * i + "- x\n" for i in range(1, 1001))
CASES = {
    # week labels and numbers longer than Python reads as an integer
    "week-label-4400-digits": imported(archive(week=f"{BIG}th week"), status=0, line=4),
    "post-week-4400-digits": imported(post(section=f"2월 {BIG}주차"), "--format", "post", line=8),
    "front-matter-number-4400-digits": imported(post(more=f"number: {BIG}\n"), "--format", "post", status=0, line=4),
    "toml-number-4400-digits": config(TOML + f"[feed]\nlimit = {BIG}\n", line=4),
    # publish times at the ends of the calendar
    "published-year-1-post-layout": Case(("build",), 1, "2024-09-W3.yaml", 6,
                                         {ISSUE: WEEK + "published: 0001-01-01T00:00:00+14:00\nlayout: post\n"}),
    "published-year-9999-post-layout": Case(("build",), 1, "2024-09-W3.yaml", 6,
                                            {ISSUE: WEEK + "published: 9999-12-31T23:59:59-12:00\nlayout: post\n"}),
    "date-year-1": Case(("check",), 1, "2024-09-W3.yaml", 1, {ISSUE: WEEK.replace("2024-09-16", "0001-01-01")}),
    "date-year-9999-build": Case(("build",), 1, "2024-09-W3.yaml", 1, {ISSUE: WEEK.replace("2024-09-16", "9999-12-31")}),
    "year-9999-file-name": Case(("build",), 1, "9999-12-W5.yaml", 1, {"issues/9999/9999-12-W5.yaml": WEEK.replace("2024-09-16", "9999-12-31")}),
    "updated-year-1-checked": Case(("check",), 1, "2024-09-W3.yaml", 6, {ISSUE: WEEK + "updated: 0001-01-01T00:00:00Z\n"}),
    # issue file names: an issue's name is its id, in check as in build
    "korean-file-name-check": Case(("check",), 1, "주간 뉴스.yaml", 1, issue_named("주간 뉴스")),
    "korean-file-name-build": Case(("build",), 1, "주간 뉴스.yaml", 1, issue_named("주간 뉴스")),
    "escape-in-file-name": Case(("build",), 1, "a\\x1b]0;x\\x07.yaml", 1, issue_named("a\x1b]0;x\x07")),
    "non-utf8-file-name": Case(("build",), 1, "\\udcff\\udcfe.yaml", 1, {os.fsdecode(b"issues/2024/\xff\xfe.yaml"): WEEK}),
    "fullwidth-digit-file-name": Case(("build",), 1, "２０２４-09-W3.yaml", 1, issue_named("２０２４-09-W3")),
    "copy-file-name": Case(("check",), 1, "2024-09-W3 copy.yaml", 1, issue_named("2024-09-W3 copy")),
    "year-0-file-name": Case(("build",), 1, "0000-01-01.yaml", 1, {"issues/0000/0000-01-01.yaml": WEEK}),
    # import
    "import-year-0000": imported(archive(year="0000"), line=1),
    "import-bullets-1000-deep": imported(archive(more=NESTED), status=0, line=23),
    "import-front-matter-bad-date": imported(post(date="2024-13-45"), "--format", "post", line=3),
    "import-front-matter-feb-30": imported(post(date="2024-02-30T10:00:00Z"), "--format", "post", line=3),
    "import-front-matter-bad-time": imported(post(date="2024-01-05T25:00:00Z"), "--format", "post", line=3),
    "import-front-matter-bad-offset": imported(post(date="2024-01-05T10:00:00+25:00"), "--format", "post", line=3),
    "import-front-matter-year-1-offset": imported(post(date="0001-01-01T00:00:00+14:00"), "--format", "post", line=3),
    "import-front-matter-year-0": imported(post(date="0000-01-01"), "--format", "post", line=3),
    "import-month-13": imported(post(section="13월 1주차"), "--format", "post", line=8),
    "import-month-0": imported(post(section="0월 1주차"), "--format", "post", line=8),
    "import-week-that-does-not-exist": imported(post(section="2월 6주차"), "--format", "post", line=8),
    "import-into-a-file": imported(archive(), "--into", "{root}/newsletter.toml", files={}, where="newsletter.toml"),
    "import-force-onto-a-directory": imported(archive(), "--force", files={"issues/2024/2024-02-W1.yaml/keep": "x"},
                                              where="2024-02-W1.yaml"),
    "import-report-to-a-directory": imported(archive(), "--report", "{root}/rep", files={"rep/keep": "x"}, where="rep"),
    # newsletter.toml
    "toml-empty-title": config('title = ""\n', line=1),
    "toml-escape-in-title": config('title = "A\\u001b]0;pwn\\u0007"\n', line=1),
    "toml-nonchar-in-title": config('title = "A\\uFFFE"\n', line=1),
    "toml-nul-in-description": config(TOML + 'description = "x\\u0000y"\n', line=3),
    "toml-c1-in-author": config(TOML + 'author = "x\\u0085y"\n', line=3),
    "toml-line-break-in-author": config(TOML + 'author = "x\\ny"\n', line=3),
    "toml-escape-in-a-table": config(TOML + '[email]\nunsubscribe_url = "\\u001b[2J"\n', line=4),
    "toml-unclosed-ipv6-base-url": config('title = "N"\nbase_url = "https://[::1"\n', line=2),
    "toml-posix-timezone": config(TOML + 'timezone = "ABC-25"\n', line=3),
    "toml-path-timezone": config(TOML + 'timezone = "../../etc/passwd"\n', line=3),
    "toml-nested-arrays": config(TOML + "x = " + "[" * 5000 + "]" * 5000 + "\n"),
    "toml-nested-tables": config(TOML + "x = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n"),
    "toml-script-subscribe-url": config(TOML + '[site]\nsubscribe_url = "javascript:alert(1)"\n', line=4),
    "toml-script-serve-url": config(TOML + '[serve]\nurl = "javascript:alert(1)"\n', line=4),
    # template overrides
    "template-includes-itself": template("issue.md.j2", '{% include "issue.md.j2" %}'),
    "template-extends-itself": template("digest.md.j2", '{% extends "digest.md.j2" %}'),
    "template-macro-recursion": template("email.mjml.j2", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"),
    "template-division-by-zero": template("site-issue.html.j2", "{{ 1 // 0 }}"),
    "template-pop-from-empty": template("issue.md.j2", "{{ [].pop() }}"),
    "template-not-utf8": template("issue.md.j2", b"\xff\xfe{{ issue }}"),
}


@pytest.mark.parametrize("args", [
    ("publish", "2024-09-W3", "--at", "0001-01-01T00:00+14:00"), ("publish", "2024-09-W3", "--at", "9999-12-31T23:59-12:00"),
    ("add", "https://github.com/a/b", "--title", "T", "--no-fetch", "--week", "9999-12-W5"),
    ("new", "--date", "9999-12-31"), ("new", "--date", "0001-01-01"), ("check", "--since", "0001-01-01"),
], ids=" ".join)
def test_a_time_at_the_ends_of_the_calendar_is_bad_usage(tmp_path: Path, args: tuple[str, ...]) -> None:
    root = write_project(tmp_path / "p", {ISSUE: WEEK}, TOML)
    result = run(root, *args)
    assert result.status == 2 and "Traceback" not in result.text and "internal error" not in result.text, result.text
    assert (root / ISSUE).read_text(encoding="utf-8") == WEEK


def test_an_issue_from_before_standard_time_zones_builds(tmp_path: Path) -> None:
    """Seoul kept its local mean time (+08:27:52) until 1908: the email's Date is then written in UTC."""
    root = write_project(tmp_path / "p", {"issues/1900/1900-01-W1.yaml": WEEK.replace("2024-09-16", "1900-01-01")},
                         TOML + 'timezone = "Asia/Seoul"\n')
    result = run(root, "build")
    assert_graceful(result)
    assert result.status == 0, result.text
    assert b"\r\nDate: Sun, 31 Dec 1899 15:32:08 +0000\r\n" in (root / "dist/email/1900-01-W1.eml").read_bytes()


def assert_diagnosed(result: Result, case: Case) -> None:
    """The case's exit status, no crash, and its file (at its line) named in the output."""
    assert_graceful(result)
    assert result.status == case.status, result.text[-2000:]
    pattern = re.escape(case.where) + (rf":{case.line}\b" if case.line else r"\b")
    assert re.search(pattern, result.text), f"{case.where}:{case.line} not named in:\n{result.text[-2000:]}"


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_input_is_a_diagnostic(tmp_path: Path, case: Case) -> None:
    root = write_project(tmp_path / "p", case.files, case.toml)
    args = [a.format(root=root) for a in case.args]
    assert_diagnosed(run(root, *args), case)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
@pytest.mark.parametrize("args", [("build",), ("new", "--date", "2024-09-09"), ("import", "in.md")], ids=" ".join)
def test_a_folder_that_cannot_be_written_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int,
                                                     args: tuple[str, ...]) -> None:
    from newsletter import fsio

    root = write_project(tmp_path / "p", {ISSUE: WEEK, "in.md": archive()}, TOML)
    monkeypatch.chdir(root)

    def refused(*_: object, **__: object) -> None:
        raise OSError(code, os.strerror(code), str(root / "issues"))

    # files are written through fsio (atomic replacement) or the build's staging, both by mkstemp
    monkeypatch.setattr(fsio.tempfile, "mkstemp", refused)
    result = run(root, *args)
    assert_graceful(result)
    assert result.status == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and os.strerror(code) in lines[0] and "issues" in lines[0], result.err


def test_a_damaged_cache_row_is_a_miss(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {ISSUE: WEEK + "published: 2024-09-20T09:00:00+09:00\n"}, TOML)
    assert run(root, "build").status == 0
    expected = (root / "dist/digest.md").read_bytes()
    shapes = ["[1,2]", '{"id":1,"date":"2024-09-16","published":null,"updated":null,"week":5,"feed":7,"site":"x"}', "null"]
    for shape in shapes:
        with sqlite3.connect(root / ".newsletter-cache/build.sqlite3") as db:
            db.execute("UPDATE fragments SET meta = CAST(? AS BLOB), body = CAST(? AS BLOB)", (shape, shape))
            db.execute("UPDATE manifests SET data = CAST(? AS BLOB)", (shape,))
        (root / "dist/digest.md").unlink()
        result = run(root, "build")
        assert_graceful(result)
        assert result.status == 0 and (root / "dist/digest.md").read_bytes() == expected


def test_a_damaged_link_cache_row_is_a_miss(tmp_path: Path) -> None:
    from newsletter.links.health import HealthCache

    cache = HealthCache(tmp_path, ttl_hours=1)
    cache.get([])  # creates the table
    with sqlite3.connect(tmp_path / "links.sqlite3") as db:
        db.execute("INSERT INTO health VALUES ('https://a.example/', 1e18, 'bogus', 42, 7)")
        db.execute("INSERT INTO health VALUES ('https://b.example/', 1e18, 'dead', ?, NULL)", (b"\0",))
    assert cache.get(["https://a.example/", "https://b.example/"]) == {}


def _shell(root: Path, command: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NEWSLETTER_DEBUG"}
    newsletter = f"{sys.executable} -m newsletter"
    return subprocess.run(["bash", "-c", command.format(newsletter=newsletter)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A project whose check reports many errors (more than a pipe holds)."""
    bad = "".join(f"  - type: dev\n    title: t{i}\n    url: javascript:x{i}\n" for i in range(2000))
    return write_project(tmp_path / "p", {ISSUE: WEEK + bad}, TOML)


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_reader_that_stops_early_keeps_the_exit_status(broken: Path, fmt: str) -> None:
    done = _shell(broken, "{newsletter} check --format " + fmt + " | head -c 10 > /dev/null; echo ${{PIPESTATUS[0]}}")
    assert done.stdout.strip() == "1", done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr and "Exception" not in done.stderr


@pytest.mark.parametrize("command", ["check", "build", "rules", "schema"])
def test_output_to_a_full_device_is_reported(broken: Path, command: str) -> None:
    (broken / ISSUE).write_text(WEEK, encoding="utf-8")
    done = _shell(broken, "{newsletter} " + command + " > /dev/full; echo $?")
    assert done.stdout.strip() == "1", done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "No space left on device" in done.stderr, done.stderr
