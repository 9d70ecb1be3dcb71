"""``init``, ``new-week`` and ``add`` through the real command line, on real files."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from dateutil import tz

from newsletter.authoring import package_templates
from newsletter.cli import main
from newsletter.config import Config, load_config
from newsletter.load import load_issue
from newsletter.weeks import issue_id

ISSUE = "issues/2024/2024-09-W3.yaml"


@pytest.fixture
def cli(capsys):
    """Run ``newsletter ARGS`` in-process: (exit status, stdout, stderr)."""
    def run(*args: str) -> tuple[int, str, str]:
        status = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return status, out, err
    return run


@pytest.fixture
def root(tmp_path, cli) -> Path:
    """A fresh project made by ``newsletter init``."""
    path = tmp_path / "digest"
    assert cli("init", path)[0] == 0
    return path


def write_issue(root: Path, text: str | bytes, name: str = ISSUE) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def loaded_entries(path: Path) -> list:
    loaded, diags = load_issue(path, str(path))
    assert [d for d in diags if d.severity == "error"] == []
    return loaded.issue.entries


# --- init -----------------------------------------------------------------------------------------


def test_init_creates_a_working_project(root, cli):
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    assert names == [".gitignore", ".newsletter-private", ".newsletter-private/secret", "issue.schema.json", "issues",
                     "newsletter.toml", "templates", "templates/README.md"]
    assert load_config(root / "newsletter.toml") == Config(title="digest")
    assert set((root / ".gitignore").read_text().split()) == {"dist/", ".newsletter-cache/", ".newsletter.lock", ".newsletter-private/"}
    readme = (root / "templates" / "README.md").read_text()
    assert "overrides" in readme
    assert all(f"`{name}`" in readme for name in package_templates())


def test_init_language(tmp_path, cli):
    assert cli("init", tmp_path / "ko", "--language", "ko")[0] == 0
    assert load_config(tmp_path / "ko" / "newsletter.toml").labels == "ko"


def test_init_config_shows_every_setting_at_its_default(root):
    text = (root / "newsletter.toml").read_text()
    # turning every commented setting (and table header) back on must change nothing
    enabled = re.sub(r'(?m)^# (?=\[[\w."-]+\]$|[\w"-]+ = )', "", text)
    assert enabled.count("\n# [") == 0 and enabled != text
    config = Config.model_validate(tomllib.loads(enabled))
    defaults = Config(title="digest")
    assert config.model_dump(exclude={"label_language"}) == defaults.model_dump(exclude={"label_language"})
    assert config.labels == defaults.labels
    for section in ("digest", "email", "feed", "check"):
        for name in type(getattr(defaults, section)).model_fields:
            if getattr(getattr(defaults, section), name) is None:  # unset by default: named in the table's note
                assert re.search(rf"(?m)^# .*\b{name}\b", text), f"{section}.{name} is not named"
                continue
            shown = rf"(?m)^# \[{section}\]$(.|\n)*^# ({name} = |\[{section}\.{name}\]$)"
            assert re.search(shown, text), f"{section}.{name} is not shown"


def test_init_refuses_a_non_empty_folder(tmp_path, cli):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    status, out, err = cli("init", folder)
    assert status == 1
    assert err.startswith("newsletter: ") and "is not empty" in err and err.count("\n") == 1
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_init_in_an_empty_existing_folder(tmp_path, cli):
    assert cli("-C", tmp_path, "init", ".")[0] == 0
    assert (tmp_path / "newsletter.toml").is_file()


# --- new-week -------------------------------------------------------------------------------------


def test_new_week_creates_the_file(root, cli):
    status, out, _ = cli("-C", root, "new-week", "--date", "2024-09-16")
    assert status == 0 and out.strip().endswith(os.path.join("issues", "2024", "2024-09-W3.yaml"))
    path = root / ISSUE
    text = path.read_text()
    assert "date: 2024-09-16\n" in text and "entries: []\n" in text and "#   - type: paper\n" in text
    assert loaded_entries(path) == []
    schema = re.search(r"# yaml-language-server: \$schema=(\S+)", text)[1]
    assert (path.parent / schema).resolve() == (root / "issue.schema.json").resolve()


def test_new_week_never_overwrites(root, cli):
    cli("-C", root, "new-week", "--date", "2024-09-16")
    path = root / ISSUE
    path.write_text(path.read_text() + "# my notes\n")
    before = path.read_bytes()
    status, out, err = cli("-C", root, "new-week", "--date", "2024-09-21")
    assert status == 1 and "already exists" in err and ISSUE.split("/")[-1] in err
    assert path.read_bytes() == before


def test_new_week_finds_the_week_anywhere_under_issues(root, cli):
    write_issue(root, "date: 2024-09-16\n", "issues/misc/2024-09-W3.yaml")
    assert cli("-C", root, "new-week", "--date", "2024-09-16")[0] == 1
    assert not (root / ISSUE).exists()


def test_new_week_defaults_to_today_in_the_configured_zone(root, cli):
    today = dt.datetime.now(tz.gettz("Asia/Seoul")).date()
    status, out, _ = cli("-C", root, "new-week")
    assert status == 0 and f"{today:%Y-%m}-W" in out
    assert f"date: {today.isoformat()}\n" in Path(out.strip()).read_text()


def test_new_week_monday_rule(root, cli):
    (root / "newsletter.toml").write_text('week_rule = "monday"\n')
    cli("-C", root, "new-week", "--date", "2024-09-30")
    assert (root / "issues/2024/2024-09-W6.yaml").is_file()


def test_new_week_bad_date_is_bad_usage(root, cli):
    status, _, err = cli("-C", root, "new-week", "--date", "2024-02-30")
    assert status == 2 and "2024-02-30" in err and "YYYY-MM-DD" in err


def test_new_week_outside_a_project(tmp_path, cli):
    status, _, err = cli("-C", tmp_path, "new-week")
    assert status == 1 and "newsletter init" in err
    assert list(tmp_path.iterdir()) == []


# --- add: type, URL, duplicates --------------------------------------------------------------------


@pytest.mark.parametrize("url, expected", [
    ("https://arxiv.org/abs/2402.12354", "paper"),
    ("https://openreview.net/forum?id=abc", "paper"),
    ("https://aclanthology.org/2024.acl-long.1/", "paper"),
    ("https://huggingface.co/papers/2402.12354", "paper"),  # the path pattern beats the host
    ("https://github.com/karpathy/minbpe", "dev"),
    ("https://gist.github.com/karpathy/1234", "dev"),
    ("https://huggingface.co/blog/lora", "dev"),
    ("https://huggingface.co/papersmith", "dev"),  # a path prefix matches whole segments only
    ("https://www.theverge.com/2024/1/1/story", "news"),
])
def test_add_infers_the_type_from_the_host(root, cli, url, expected):
    status, _, err = cli("-C", root, "add", url, "--title", "T", "--week", "2024-09-W3")
    assert status == 0, err
    assert loaded_entries(root / ISSUE)[-1].type == expected


def test_add_unknown_host_needs_a_type(root, cli):
    status, _, err = cli("-C", root, "add", "https://example.com/post", "--week", "2024-09-W3")
    assert status == 2 and "--type" in err and "paper, dev, news" in err
    assert not (root / ISSUE).exists()
    assert cli("-C", root, "add", "https://example.com/post", "--type", "news", "--week", "2024-09-W3", "--no-fetch")[0] == 0


def test_add_unknown_type_lists_the_types(root, cli):
    status, _, err = cli("-C", root, "add", "https://arxiv.org/abs/2402.12354", "--type", "papers")
    assert status == 2 and "unknown entry type 'papers'" in err and "paper, dev, news" in err


@pytest.mark.parametrize("given, stored", [
    ("https://github.com/a/b?utm_source=x&utm_medium=y", "https://github.com/a/b"),
    ("https://github.com/a/b?fbclid=1&tab=readme&ref=hn&si=2", "https://github.com/a/b?tab=readme"),
    ("github.com/a/b", "https://github.com/a/b"),
    ("https://arxiv.org/pdf/2402.12354v2", "https://arxiv.org/abs/2402.12354v2"),
    ("https://arxiv.org/pdf/2402.12354.pdf", "https://arxiv.org/abs/2402.12354"),
    ("https://arxiv.org/html/2402.12354v1", "https://arxiv.org/abs/2402.12354v1"),
    ("https://www.arxiv.org/abs/2402.12354", "https://arxiv.org/abs/2402.12354"),
    ("http://github.com/karpathy/minbpe?utm_source=x", "https://github.com/karpathy/minbpe"),
])
def test_add_normalises_the_url(root, cli, given, stored):
    status, out, _ = cli("-C", root, "add", given, "--title", "T", "--week", "2024-09-W3")
    assert status == 0
    assert loaded_entries(root / ISSUE)[-1].url == stored
    assert f"{given} -> {stored}" in out


def test_add_keeps_http_for_a_host_not_known_to_serve_https(root, cli):
    cli("-C", root, "add", "http://example.org/page", "--type", "news", "--title", "T", "--week", "2024-09-W3")
    assert loaded_entries(root / ISSUE)[-1].url == "http://example.org/page"


def test_add_strips_configured_tracking_params(root, cli):
    (root / "newsletter.toml").write_text('[check]\ntracking_params = ["src"]\n')
    _, out, _ = cli("-C", root, "add", "https://github.com/a/b?src=x&q=1", "--title", "T", "--week", "2024-09-W3")
    assert loaded_entries(root / ISSUE)[-1].url == "https://github.com/a/b?q=1"
    assert "removed tracking parameters: src" in out


def test_add_strips_configured_tracking_params_whatever_their_case(root, cli):
    (root / "newsletter.toml").write_text('[check]\ntracking_params = ["Src"]\n')
    cli("-C", root, "add", "https://github.com/a/b?SRC=x&q=1", "--title", "T", "--week", "2024-09-W3")
    assert loaded_entries(root / ISSUE)[-1].url == "https://github.com/a/b?q=1"


def test_add_rejects_what_is_not_a_link(root, cli):
    assert cli("-C", root, "add", "not a link", "--type", "news")[0] == 2
    assert cli("-C", root, "add", "ftp://example.com/file", "--type", "news")[0] == 2


def test_add_refuses_a_duplicate_naming_the_earlier_entry(root, cli):
    write_issue(root, "date: 2024-02-29\nentries:\n  - type: paper\n    title: LoRA+\n    url: https://arxiv.org/abs/2402.12354v1\n",
                "issues/2024/2024-02-W5.yaml")
    status, _, err = cli("-C", root, "add", "http://arxiv.org/pdf/2402.12354v2?utm_source=x", "--week", "2024-09-W3")
    assert status == 1
    assert re.search(r"2024-02-W5\.yaml:5:10: .*already in the archive \(2024-02-W5: LoRA\+\).*--allow-duplicate", err)
    assert not (root / ISSUE).exists()
    assert cli("-C", root, "add", "https://arxiv.org/abs/2402.12354", "--week", "2024-09-W3", "--allow-duplicate", "--no-fetch")[0] == 0


def test_add_ignores_broken_files_elsewhere_for_duplicates(root, cli):
    write_issue(root, "date: [\n", "issues/2024/2024-02-W5.yaml")
    assert cli("-C", root, "add", "https://github.com/a/b", "--title", "T", "--week", "2024-09-W3")[0] == 0


# --- add: the entry and the file ------------------------------------------------------------------


def test_add_creates_the_week_file(root, cli):
    status, out, _ = cli("-C", root, "add", "https://github.com/karpathy/minbpe", "--week", "2024-02-W5", "--no-fetch",
                         "--org", "OpenAI", "--org", "Karpathy", "--icon", "🧞", "--note", "(ICLR 2024)",
                         "--summary", "BPE 토크나이저: 최소 구현", "--summary", "두 번째")
    assert status == 0 and "created" in out
    path = root / "issues/2024/2024-02-W5.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../issue.schema.json\ndate: 2024-02-29\n")
    [entry] = loaded_entries(path)
    assert entry.org == ["OpenAI", "Karpathy"] and entry.icon == "🧞" and entry.note == "(ICLR 2024)"
    assert entry.summary == ["BPE 토크나이저: 최소 구현", "두 번째"]
    assert entry.title == entry.url == "https://github.com/karpathy/minbpe"
    assert "no --title given" in out
    assert "  - type: dev\n    org:\n      - OpenAI\n" in text


def test_add_to_the_current_week_by_default(root, cli):
    today = dt.datetime.now(tz.gettz("Asia/Seoul")).date()
    cli("-C", root, "add", "https://github.com/a/b", "--title", "T")
    assert loaded_entries(root / f"issues/{today:%Y}/{issue_id(today)}.yaml")[0].title == "T"


COMMENTED = """\
# Week 3: a quiet week
date: 2024-09-16   # Monday
label: 3rd week

entries:
    # papers first
    -   type: paper
        org: [Google DeepMind]      # spelled out
        title: 'Training LMs to Self-Correct'
        url: https://arxiv.org/abs/2409.12917
        summary:
        - "SCoRe: multi-turn RL"
        - text: |
            keeps
            lines
          items: [a, b]

# closing remark about the week
intro: >
  folded
  text
"""


def test_add_keeps_every_original_line(root, cli):
    path = write_issue(root, COMMENTED)
    assert cli("-C", root, "add", "https://github.com/a/b", "--title", "Repo", "--summary", "코드", "--week", "2024-09-W3")[0] == 0
    after = path.read_text().splitlines()
    before = COMMENTED.splitlines()
    at = before.index("          items: [a, b]") + 1
    added = ["    -   type: dev", "        title: Repo", "        url: https://github.com/a/b", "        summary:", "          - 코드"]
    assert after == before[:at] + added + before[at:]
    entries = loaded_entries(path)
    assert [e.title for e in entries] == ["Training LMs to Self-Correct", "Repo"]


@pytest.mark.parametrize("text, expected", [
    pytest.param("date: 2024-09-16\nentries: []\n", "date: 2024-09-16\nentries:\n  - type: dev\n", id="empty-flow"),
    pytest.param("date: 2024-09-16\nentries: [] # none yet\nlabel: x\n",
                 "date: 2024-09-16\nentries: # none yet\n  - type: dev\n", id="trailing-comment"),
    pytest.param("date: 2024-09-16\nentries:\n# later\nlabel: x\n", "date: 2024-09-16\nentries:\n  - type: dev\n", id="no-items"),
    pytest.param("date: 2024-09-16\nentries:\n  - type: news\n    title: a", "    title: a\n  - type: dev\n", id="no-final-newline"),
    pytest.param("date: 2024-09-16", "date: 2024-09-16\nentries:\n  - type: dev\n", id="no-entries-key"),
    pytest.param("date: 2024-09-16\r\n", "date: 2024-09-16\r\nentries:\r\n  - type: dev\r\n", id="no-entries-key-crlf"),
    pytest.param("date: 2024-09-16\nentries:\n  - type: news\n    title: a\n    note: |\n      x\n\n# end\n",
                 "      x\n  - type: dev\n    title: T\n    url: https://github.com/a/b\n\n# end\n", id="block-scalar-last"),
    pytest.param("date: 2024-09-16\nentries: [{type: news, title: a}]\n",
                 'entries: [{type: news, title: a}, {"type": "dev", ', id="flow-with-items"),
    pytest.param("entries:\n- type: news\n  title: a\ndate: 2024-09-16\n",
                 "  title: a\n- type: dev\n  title: T\n  url: https://github.com/a/b\ndate: 2024-09-16\n", id="indentless"),
])
def test_add_to_each_shape_of_entries(root, cli, text, expected):
    path = write_issue(root, text)
    assert cli("-C", root, "add", "https://github.com/a/b", "--title", "T", "--week", "2024-09-W3")[0] == 0
    assert expected in path.read_bytes().decode()
    assert loaded_entries(path)[-1].url == "https://github.com/a/b"


def test_add_keeps_crlf_and_bom(root, cli):
    original = "date: 2024-09-16\r\nentries:\r\n  - type: news\r\n    title: 가\r\n"
    path = write_issue(root, b"\xef\xbb\xbf" + original.encode())
    assert cli("-C", root, "add", "https://github.com/a/b", "--title", "T", "--week", "2024-09-W3")[0] == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + original.encode())
    assert data.count(b"\n") == data.count(b"\r\n") == 7
    assert [e.title for e in loaded_entries(path)] == ["가", "T"]


def test_add_refuses_a_broken_target_and_leaves_it(root, cli):
    path = write_issue(root, "date: 2024-09-16\nentries:\n  - type: news\n    titel: a\n")
    before = path.read_bytes()
    status, _, err = cli("-C", root, "add", "https://github.com/a/b", "--title", "T", "--week", "2024-09-W3")
    assert status == 1 and "2024-09-W3.yaml:3:5: missing required key 'title'" in err and "fix this file" in err
    assert path.read_bytes() == before


def test_add_bad_week(root, cli):
    assert cli("-C", root, "add", "https://github.com/a/b", "--week", "2024-9-W3")[0] == 2
    status, _, err = cli("-C", root, "add", "https://github.com/a/b", "--week", "2023-02-W5")
    assert status == 2 and "February 2023 has no 5th week" in err


def test_add_names_the_month_that_has_no_such_week(root, cli):
    status, _, err = cli("-C", root, "add", "https://github.com/a/b", "--week", "2026-11-W9")
    assert status == 2 and "November 2026 has no 9th week" in err and "W1 to W5" in err


@pytest.mark.parametrize("url, rule", [
    ("https://t.co/abc123", "link-redirect"),
    ("https://www.notion.so/17f90df74bce4c62a295849f0dc8fb7e?pvs=21", "link-private"),
])
def test_add_refuses_what_check_reports_as_an_error(root, cli, url, rule):
    args = ("-C", root, "add", url, "--type", "news", "--title", "T", "--week", "2024-09-W3")
    status, _, err = cli(*args)
    assert status == 1 and f"error[{rule}]" in err and "--force" in err
    assert not (root / ISSUE).exists()
    assert cli(*args, "--force")[0] == 0 and [e.url for e in loaded_entries(root / ISSUE)] == [url]
    status, out, _ = cli("-C", root, "check", "--format", "json", "--select", rule)
    message = next(d["message"] for d in json.loads(out))
    assert message in err  # the same words as check


def test_add_follows_the_configured_severity(root, cli):
    with open(root / "newsletter.toml", "a", encoding="utf-8") as f:
        f.write('\n[check.rules]\n"link-redirect" = "warning"\n')
    assert cli("-C", root, "add", "https://t.co/abc123", "--type", "news", "--title", "T")[0] == 0


def test_add_refuses_a_published_issue_unless_its_week_is_named(root, cli):
    today = dt.datetime.now(tz.gettz("Asia/Seoul")).date()
    ident = issue_id(today)
    name = f"issues/{today.year}/{ident}.yaml"
    path = write_issue(root, f"date: {today}\npublished: {today}T09:00:00+09:00\nentries: []\n", name)
    before = path.read_bytes()
    status, _, err = cli("-C", root, "add", "https://github.com/a/b", "--title", "T")
    assert status == 1 and "was published" in err and f"--issue {ident}" in err and path.read_bytes() == before
    assert cli("-C", root, "add", "https://github.com/a/b", "--title", "T", "--week", ident)[0] == 0
    assert [e.title for e in loaded_entries(path)] == ["T"]


def test_help_lists_examples(cli):
    for command in ("init", "new-week", "add"):
        with pytest.raises(SystemExit) as e:
            main([command, "--help"])
        assert e.value.code == 0


def test_end_to_end_in_a_subprocess(tmp_path):
    def newsletter(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "newsletter", *args], cwd=tmp_path, capture_output=True, text=True)

    assert newsletter("init", "site").returncode == 0
    added = newsletter("-C", "site", "add", "https://arxiv.org/pdf/2409.12917", "--week", "2024-09-W3", "--title", "SCoRe")
    assert added.returncode == 0 and "added a paper entry" in added.stdout
    again = newsletter("-C", "site", "add", "https://arxiv.org/abs/2409.12917v2", "--week", "2024-09-W4", "--title", "x")
    assert again.returncode == 1 and again.stdout == ""
    assert "Traceback" not in again.stderr and again.stderr.count("\n") == 1
    assert re.match(r"newsletter: \S*2024-09-W3\.yaml:\d+:\d+: ", again.stderr)
    usage = newsletter("add")
    assert usage.returncode == 2
