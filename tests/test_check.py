"""The ``newsletter check`` and ``newsletter rules`` commands end to end."""

from __future__ import annotations

import json

import pytest

from checkutil import ISSUE, issue, make_project
from newsletter.check.formats import _escape, excerpt
from newsletter.check.runner import collect
from newsletter.cli import main
from newsletter.rules import all_rules

BAD = issue("""
- type: dev
  org: Stability.ai
  title: Stable Diffusion 3
  url: https://stability.ai/news/stable-diffusion-3?utm_source=www.theaivalley.com
- type: paper
  org: UC Berkely
  title: "LoRA+: Efficient Low Rank Adaptation of Large Models"
  url: https://www.arxiv.org/abs/2402.12354
  summary:
    - "[깃허브 링크](https://github.com/nikhil-ghosh-berkeley/loraplus) 🔗"
- type: dev
  title: Waymo’s Self-driving cars beat humans in safety
  url: https://link.mail.beehiiv.com/ss/c/u001.22XVe7hOOQo4HoFgEc
""")
CLEAN = issue("- type: dev\n  title: minbpe\n  url: https://github.com/karpathy/minbpe")


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run ``newsletter ARGS`` in a project made of ``files``; return (status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(files: dict[str, str], *args: str, toml: str = ""):
        make_project(tmp_path, files, toml)
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_text_format(cli):
    status, out, _ = cli({ISSUE: BAD}, "check")
    assert status == 1
    lines = out.splitlines()
    assert f"{ISSUE}:6:10: warning[link-tracking] remove the tracking parameters utm_source" in lines
    at = lines.index(f"{ISSUE}:6:10: warning[link-tracking] remove the tracking parameters utm_source")
    assert lines[at + 1] == " 6 |     url: https://stability.ai/news/stable-diffusion-3?utm_source=www.theaivalley.com"
    assert lines[at + 2] == "   |          ^"
    assert lines[at + 3] == "   = fix: remove utm_source"
    assert lines[-1] == "Found 1 error, 3 warnings in 1 file (2 fixable with --fix, 1 more with --unsafe-fixes)."


def test_caret_counts_wide_characters(cli):
    text = issue("- type: dev\n  title: 한국어 제목\n  url: https://e.com\n  summary:\n    - '한글 [링크](https://bit.ly/abc)'")
    _, out, _ = cli({ISSUE: text}, "check", "--select", "link-redirect")
    source, caret = out.splitlines()[1:3]
    url_at = source.index("https")
    assert caret.index("^") == url_at + sum("가" <= ch <= "힣" for ch in source[:url_at])


def test_clean_project_exits_zero(cli):
    status, out, _ = cli({ISSUE: CLEAN}, "check")
    assert (status, out) == (0, "No problems found in 1 file.\n")


def test_warnings_pass_unless_strict(cli):
    text = issue("- type: dev\n  title: T\n  url: https://e.com/?utm_source=x")
    assert cli({ISSUE: text}, "check")[0] == 0
    assert cli({ISSUE: text}, "check", "--strict")[0] == 1


def test_json_format_is_sorted_and_complete(cli):
    status, out, _ = cli({ISSUE: BAD}, "check", "--format", "json")
    rows = json.loads(out)
    assert status == 1
    assert rows[0] == {"file": ISSUE, "line": 6, "column": 10, "severity": "warning", "rule": "link-tracking",
                       "message": "remove the tracking parameters utm_source", "fixable": True}
    assert [(r["file"], r["line"], r["column"]) for r in rows] == sorted((r["file"], r["line"], r["column"]) for r in rows)
    assert {r["rule"] for r in rows} == {"link-tracking", "org-spelling", "link-arxiv-form", "link-redirect"}


def test_github_format_escapes(cli):
    _, out, _ = cli({ISSUE: BAD}, "check", "--format", "github", "--select", "link-redirect")
    assert out == (f"::error file={ISSUE},line=15,col=10,title=link-redirect::link.mail.beehiiv.com is a redirect "
                   "that hides the destination and expires; open it and link the page it lands on\n")
    assert _escape("50%\r\nx") == "50%25%0D%0Ax"
    assert _escape("a:b,c", prop=True) == "a%3Ab%2Cc"


def test_fix_applies_the_safe_fixes_only(cli, tmp_path):
    status, _, err = cli({ISSUE: BAD}, "check", "--fix")
    text = (tmp_path / ISSUE).read_text(encoding="utf-8")
    assert "url: https://stability.ai/news/stable-diffusion-3\n" in text and "url: https://arxiv.org/abs/2402.12354\n" in text
    assert "org: UC Berkely\n" in text  # the nearest known name is a guess: an unsafe fix
    assert status == 1 and "Fixed 1 file." in err
    cli({ISSUE: text}, "check", "--unsafe-fixes")
    assert "org: UC Berkeley\n" in (tmp_path / ISSUE).read_text(encoding="utf-8")


def test_fix_then_check_is_clean_of_fixed_findings(cli, tmp_path):
    status, _, err = cli({ISSUE: BAD}, "check", "--unsafe-fixes")
    text = (tmp_path / ISSUE).read_text(encoding="utf-8")
    assert "url: https://stability.ai/news/stable-diffusion-3\n" in text
    assert "org: UC Berkeley\n" in text and "url: https://arxiv.org/abs/2402.12354\n" in text
    assert 'title: "LoRA+: Efficient Low Rank Adaptation of Large Models"' in text  # untouched lines keep their style
    assert status == 1 and "Fixed 1 file." in err
    _, out, _ = cli({}, "check", "--format", "json")
    assert [r["rule"] for r in json.loads(out)] == ["link-redirect"]


def test_fix_preserves_comments(cli, tmp_path):
    text = "# week of 16 Sep\n" + issue("- type: dev  # from the newsletter\n  title: T\n  url: https://e.com/a?fbclid=1  # check\n")
    cli({ISSUE: text}, "check", "--fix")
    assert (tmp_path / ISSUE).read_text(encoding="utf-8") == text.replace("?fbclid=1", "")


def test_diff_writes_nothing(cli, tmp_path):
    status, out, _ = cli({ISSUE: BAD}, "check", "--diff", "--unsafe-fixes")
    assert status == 1
    assert f"--- a/{ISSUE}" in out and "-    org: UC Berkely" in out and "+    org: UC Berkeley" in out
    assert (tmp_path / ISSUE).read_text(encoding="utf-8") == BAD
    assert cli({ISSUE: CLEAN}, "check", "--diff")[:2] == (0, "")


def test_fix_refused_when_result_would_not_load(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("newsletter.check.fix.apply_fixes", lambda text, fixes: text + "\n: : broken")
    status, _, err = cli({ISSUE: BAD}, "check", "--fix")
    assert "not fixed" in err and (tmp_path / ISSUE).read_text(encoding="utf-8") == BAD and status == 1


def test_noqa_silences_named_rule_for_the_entry(cli):
    text = BAD.replace("  org: UC Berkely\n", "  org: UC Berkely  # noqa: org-spelling, link-arxiv-form\n")
    _, out, _ = cli({ISSUE: text}, "check", "--format", "json")
    assert {r["rule"] for r in json.loads(out)} == {"link-tracking", "link-redirect"}


def test_noqa_is_not_case_sensitive(cli):
    text = BAD.replace("  org: UC Berkely\n", "  org: UC Berkely  # NOQA: org-spelling, link-arxiv-form\n")
    _, out, _ = cli({ISSUE: text}, "check", "--format", "json")
    assert {r["rule"] for r in json.loads(out)} == {"link-tracking", "link-redirect"}


def test_bare_noqa_silences_everything_in_the_entry_only(cli):
    text = BAD.replace("- type: dev\n    title: Waymo", "- type: dev  # noqa\n    title: Waymo")
    _, out, _ = cli({ISSUE: text}, "check", "--format", "json")
    assert {r["rule"] for r in json.loads(out)} == {"link-tracking", "org-spelling", "link-arxiv-form"}


def test_config_changes_and_turns_off_rules(cli):
    toml = '[check.rules]\nlink-redirect = "warning"\norg-spelling = "off"\n'
    status, out, _ = cli({ISSUE: BAD}, "check", "--format", "json", toml=toml)
    rows = json.loads(out)
    assert status == 0 and "org-spelling" not in {r["rule"] for r in rows}
    assert {r["severity"] for r in rows if r["rule"] == "link-redirect"} == {"warning"}


def test_unknown_rule_names_are_errors(cli):
    status, _, err = cli({ISSUE: CLEAN}, "check", "--select", "link-trackin")
    assert status == 2 and "did you mean 'link-tracking'" in err  # bad usage, as argparse's own
    status, _, err = cli({ISSUE: CLEAN}, "check", toml='[check.rules]\nno-such-rule = "off"\n')
    assert status == 1 and "newsletter.toml" in err


def test_select_and_ignore(cli):
    _, out, _ = cli({ISSUE: BAD}, "check", "--format", "json", "--select", "link-tracking,org-spelling", "--ignore", "org-spelling")
    assert {r["rule"] for r in json.loads(out)} == {"link-tracking"}


def test_broken_file_reported_and_others_checked(cli):
    files = {ISSUE: BAD, "issues/2024/2024-09-W2.yaml": "date: 2024-09-09\nentries:\n  - type: dev\n   title: [oops\n"}
    status, out, _ = cli(files, "check", "--format", "json")
    rules = {(r["file"], r["rule"]) for r in json.loads(out)}
    assert ("issues/2024/2024-09-W2.yaml", "yaml-syntax") in rules and (ISSUE, "link-redirect") in rules and status == 1


def test_paths_limit_reports_but_duplicates_see_the_archive(cli):
    other = "issues/2024/2024-09-W2.yaml"
    files = {other: issue("- type: dev\n  title: A\n  url: https://e.com/a?utm_source=x", date="2024-09-09"),
             ISSUE: issue("- type: dev\n  title: B\n  url: https://e.com/a")}
    _, out, _ = cli(files, "check", ISSUE, "--format", "json")
    assert [(r["file"], r["rule"]) for r in json.loads(out)] == [(ISSUE, "duplicate-url")]


def test_a_file_named_on_the_command_line_is_not_its_own_duplicate(cli):
    status, out, _ = cli({ISSUE: CLEAN}, "check", ISSUE, "--format", "json")
    assert (status, json.loads(out)) == (0, [])


def test_missing_path_is_an_error(cli):
    status, _, err = cli({ISSUE: CLEAN}, "check", "issues/nope.yaml")
    assert status == 1 and "no such file" in err


@pytest.mark.parametrize("args", [["rules"], ["check", "--list-rules"]])
def test_rule_catalogue(cli, args):
    status, out, _ = cli({}, *args, toml='[check.rules]\nlink-insecure = "off"\n')
    assert status == 0
    for name in all_rules():
        assert name in out
    assert any(line.startswith("link-insecure") and "warning → off" in line for line in out.splitlines())


def test_catalogue_entries_are_well_formed():
    rules = all_rules()
    assert {"yaml-syntax", "schema", "date-invalid", "type-unknown", "link-missing", "link-invalid", "link-insecure",
            "link-tracking", "link-redirect", "link-private", "link-arxiv-form", "link-label-mismatch",
            "type-link-mismatch", "duplicate-url", "duplicate-title", "title-missing", "title-format",
            "org-spelling", "week-label", "summary-format", "issue-empty"} <= set(rules)
    for r in rules.values():
        assert r.severity in ("error", "warning", "info") and r.description and r.name == r.name.lower()


def test_collect_for_publish(tmp_path):
    project = make_project(tmp_path, {ISSUE: BAD})
    diags = collect(project, [tmp_path / ISSUE])
    assert [d.sort_key for d in diags] == sorted(d.sort_key for d in diags)
    assert {d.rule for d in diags} == {"link-tracking", "org-spelling", "link-arxiv-form", "link-redirect"}


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_workers_report_what_one_process_does(cli, monkeypatch, fmt):
    from newsletter.check import pool as checkpool

    dup = "- type: dev\n  org: UC Berkely  # noqa: org-spelling\n  title: minbpe\n  url: https://github.com/karpathy/minbpe/\n"
    files = {
        ISSUE: BAD,
        "issues/2024/2024-09-W2.yaml": issue(dup + "- type: dev\n  title: Minbpe.\n  url: http://github.com/karpathy/other", "2024-09-09"),
        "issues/2024/2024-09-W4.yaml": issue(dup.replace("/\n", "\n") * 2, "2024-09-23"),
        "issues/2024/2024-09-W5.yaml": "date: [\n",
    }
    serial = cli(files, "check", "--format", fmt)
    monkeypatch.setattr(checkpool, "MIN_FILES_PER_WORKER", 1)
    monkeypatch.setattr(checkpool.cores, "available", lambda: 3)
    assert cli(files, "check", "--format", fmt) == serial
    assert "duplicate-url" in serial[1] and "duplicate-title" in serial[1] and "yaml-syntax" in serial[1]


def test_a_schema_error_in_one_entry_hides_no_other_finding(cli):
    text = issue("""
    - type: blog
      title: A blog post
      url: https://bit.ly/abc
    - type: dev
      titel: minbpe
      url: https://github.com/karpathy/minbpe
    """)
    status, out, _ = cli({ISSUE: text}, "check", "--format", "json")
    found = {(r["line"], r["rule"]) for r in json.loads(out)}
    assert {(3, "type-unknown"), (5, "link-redirect"), (7, "schema")} <= found and status == 1


def test_fix_works_in_a_file_with_a_schema_error(cli, tmp_path):
    text = issue("- type: dev\n  title: x\n  url: https://github.com/a/b?utm_source=x\n- type: dev\n  titel: y\n")
    cli({ISSUE: text}, "check", "--fix")
    assert "utm_source" not in (tmp_path / ISSUE).read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [["check"], ["build"], ["publish"], ["add", "https://github.com/a/b"]])
def test_outside_a_project_commands_refuse_and_write_nothing(tmp_path, monkeypatch, capsys, command):
    if any((folder / "newsletter.toml").is_file() for folder in tmp_path.parents):
        pytest.skip("a newsletter.toml above the temporary folder makes it part of a project")
    monkeypatch.chdir(tmp_path)
    status = main(command)
    err = capsys.readouterr().err
    assert status == 1 and "no newsletter.toml here or above" in err and "newsletter init" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["check"], ["build"], ["publish"]])
def test_a_folder_without_a_project_is_refused(tmp_path, capsys, command):
    status = main(["-C", str(tmp_path), *command])
    assert status == 1 and "no newsletter.toml in" in capsys.readouterr().err and list(tmp_path.iterdir()) == []


def test_directory_option_after_the_command(cli, tmp_path, monkeypatch):
    cli({ISSUE: BAD}, "rules")
    monkeypatch.chdir(tmp_path.parent)
    status, out, _ = cli({ISSUE: BAD}, "check", "-C", str(tmp_path), "--format", "json")
    assert status == 1 and {r["file"] for r in json.loads(out)} == {f"{tmp_path.name}/{ISSUE}"}


def test_title_that_is_its_link_is_a_warning(cli):
    text = issue("""
    - type: dev
      title: https://github.com/karpathy/LLM101n
      url: https://github.com/karpathy/LLM101n
    - type: dev
      title: see https://github.com/karpathy/minbpe here
      url: https://github.com/karpathy/minbpe
    - type: dev
      title: minGPT
      url: https://github.com/karpathy/minGPT
    """)
    status, out, _ = cli({ISSUE: text}, "check", "--format", "json", "--select", "title-is-link")
    rows = json.loads(out)
    assert [(r["line"], r["severity"]) for r in rows] == [(4, "warning"), (7, "warning")] and status == 0


def test_a_long_line_is_quoted_as_a_window_around_the_column(cli):
    long_url = "https://github.com/a/b?" + "x=1&" * 50_000 + "utm_source=y"
    text = issue(f"- type: dev\n  title: t\n  url: {long_url}")
    _, out, _ = cli({ISSUE: text}, "check", "--select", "link-tracking")
    source, caret = out.splitlines()[1:3]
    assert len(source) < 140 and source.startswith(" 5 |     url: https://github.com") and source.endswith("…")
    assert caret.endswith("^") and source[len(caret) - 1] == "h"
    quoted = excerpt("a" * 1000 + "BAD" + "b" * 1000, 1001)
    assert len(quoted[0]) <= 122 and quoted[0][len(quoted[1]):].startswith("BAD")
