"""``check``, ``build`` and ``publish`` agree on what stops them: one decision, honouring ``[check.rules]``."""

from __future__ import annotations

import pytest

from checkutil import ISSUE, issue, make_project, messages
from newsletter.cli import main

# a date outside the week the file names, and a type newsletter.toml does not list
ODD = issue("- type: tutorial\n  title: minbpe\n  url: https://github.com/karpathy/minbpe", date="2024-09-02")
RELAXED = '[check.rules]\ndate-invalid = "warning"\ntype-unknown = "off"\n'


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    """``newsletter ARGS`` in a project of ``files`` and ``toml``: (status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(files: dict[str, str], *args: str, toml: str = "") -> tuple[int, str, str]:
        make_project(tmp_path, files, toml)
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_levels_in_the_config_let_check_and_build_pass_alike(run, tmp_path):
    assert run({ISSUE: ODD}, "check", toml=RELAXED)[0] == 0
    status, _, err = run({ISSUE: ODD}, "build", toml=RELAXED)
    assert (status, err) == (0, "")
    # the entry of a type left unconfigured is in the outputs, under its type's name
    assert "minbpe" in (tmp_path / "dist" / "email" / "2024-09-W3.html").read_text(encoding="utf-8")
    assert "minbpe" in (tmp_path / "dist" / "digest.md").read_text(encoding="utf-8")


def test_by_default_check_and_build_both_stop_at_the_errors(run):
    assert run({ISSUE: ODD}, "check")[0] == 1
    status, _, err = run({ISSUE: ODD}, "build")
    assert status == 1
    assert err.startswith(f"newsletter: {ISSUE}:1:7: date 2024-09-02 is not in week 2024-09-W3") and "(and 1 more;" in err


def test_noqa_silences_a_rule_for_build_as_for_check(run):
    text = issue("- type: tutorial  # noqa: type-unknown\n  title: minbpe\n  url: https://github.com/karpathy/minbpe")
    assert run({ISSUE: text}, "check")[0] == 0
    assert run({ISSUE: text}, "build")[0] == 0


def test_an_error_level_stops_the_build_only_for_rules_that_guard_rendering(run):
    # a private link is an error for check; the build renders it all the same
    text = issue("- type: dev\n  title: minbpe\n  url: http://localhost/minbpe")
    assert run({ISSUE: text}, "check")[0] == 1
    assert run({ISSUE: text}, "build")[0] == 0


@pytest.mark.parametrize("toml", ['[check.rules]\nschema = "off"\n', '[check.rules]\nyaml-syntax = "warning"\n'])
@pytest.mark.parametrize("text", ["date: 2024-09-16\ntitel: x\n", "date: [\n"])
def test_a_file_that_does_not_load_stops_check_and_build_whatever_the_levels(run, toml, text):
    status, out, _ = run({ISSUE: text}, "check", toml=toml)
    assert status == 1 and f"{ISSUE}:" in out and "error[" in out
    status, _, err = run({ISSUE: text}, "build", toml=toml)
    assert status == 1 and err.startswith(f"newsletter: {ISSUE}:")


def test_date_outside_the_named_week_is_a_rule(tmp_path):
    assert messages(tmp_path, issue("[]", date="2024-09-02").replace("\n  []", " []"), "date-invalid") == [
        "date 2024-09-02 is not in week 2024-09-W3 named by the file; correct the date or rename the file"]


def test_unknown_type_is_a_rule(tmp_path):
    text = issue("- type: papr\n  title: t\n  url: https://arxiv.org/abs/2409.12917")
    assert messages(tmp_path, text, "type-unknown") == [
        "unknown entry type 'papr' (did you mean 'paper'?); use one of: paper, dev, news (or add it under [types] in newsletter.toml)"]
