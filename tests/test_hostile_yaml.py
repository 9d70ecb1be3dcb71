"""Broken and hostile YAML: every command reports ``file:line:col`` or succeeds; none crashes, hangs or balloons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import (
    HOSTILE, SIBLING, SIBLING_TEXT, Result, assert_graceful, assert_reported, located, run, run_capped, write_project,
)

ISSUE = "issues/2024/2024-02-W5.yaml"
NAME = Path(ISSUE).name
GOOD = """\
# yaml-language-server: $schema=../../issue.schema.json
date: 2024-02-29
label: 5th week
title: "LoRA+: and more"
intro: |
  A *Markdown* intro
  over two lines.
entries:
  - type: paper
    org: [UC Berkeley, 'Google']
    title: "LoRA+: Efficient Low Rank Adaptation"
    url: https://arxiv.org/abs/2402.12354
    summary:
      - 기존 LoRA가 suboptimal하다는 문제점을 지적
      - text: nested
        items: [a, "b"]
  - {type: dev, title: 한국어 🧞, url: https://github.com/x/y}  # a comment
"""
CORPUS = sorted(HOSTILE.glob("*.yaml"))
# corpus files that are valid issues: hostile in form only
VALID = {"bom.yaml"}
STRAY = [":", "[", "]", "{", '"', "'", "-", "\t", "&a ", "*a", "!", "|", ">", "%", "@", "`", "#", "? "]
WEEK = "2024-02-W5"


def check(root: Path, data: str | bytes, *args: str) -> Result:
    """``check`` (with ``args``) of a project holding ``data`` as an issue file beside a sibling."""
    write_project(root, {ISSUE: data, SIBLING: SIBLING_TEXT})
    return run(root, "check", *args)


def sibling_reported(result: Result) -> bool:
    return Path(SIBLING).name in located(result)


def failures_of(root: Path, variants: list[str]) -> list[str]:
    """Check every variant of the issue file; describe each one that was not handled gracefully."""
    failed = []
    for text in variants:
        try:
            assert_reported(check(root, text), NAME, text, required=False)
        except AssertionError as e:
            failed.append(f"{text!r}: {str(e)[:300]}")
    return failed


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
@pytest.mark.parametrize("args", [("check",), ("check", "--fix"), ("check", "--format", "json"), ("build",)], ids=" ".join)
def test_corpus_file_is_reported_at_its_place(tmp_path: Path, path: Path, args: tuple[str, ...]) -> None:
    data = path.read_bytes()
    write_project(tmp_path, {ISSUE: data, SIBLING: SIBLING_TEXT})
    result = run(tmp_path, *args)
    if args[-1] == "json":
        assert_graceful(result)
        assert result.out.lstrip().startswith("[")
        return
    # build stops at the first broken file; check reports every file
    assert_reported(result, NAME, data, required=args[0] == "check" and path.name not in VALID)
    if args[0] == "check":
        assert sibling_reported(result), result.text[-2000:]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_add_to_a_corpus_file_refuses_or_appends(tmp_path: Path, path: Path) -> None:
    data = path.read_bytes()
    write_project(tmp_path, {ISSUE: data})
    result = run(tmp_path, "add", "https://github.com/a/b", "--title", "T", "--week", WEEK)
    after = (tmp_path / ISSUE).read_bytes()
    assert_reported(result, NAME, after, required=result.status != 0)
    if result.status != 0:
        assert after == data, "a refused add must leave the file alone"
    else:
        assert b"https://github.com/a/b" in after and run(tmp_path, "check").status in (0, 1)


def test_every_truncation_is_reported(tmp_path: Path) -> None:
    variants = [GOOD[:i] for i in range(len(GOOD))]
    print(f"{len(variants)} truncations")
    assert failures_of(tmp_path, variants) == []


def test_stray_character_anywhere_on_every_line_is_reported(tmp_path: Path) -> None:
    lines = GOOD.splitlines(keepends=True)
    variants = []
    for n, line in enumerate(lines):
        body = line.rstrip("\n")
        indent = len(body) - len(body.lstrip())
        for at in sorted({0, indent, len(body) // 2, len(body)}):
            variants += ["".join(lines[:n]) + body[:at] + c + body[at:] + "\n" + "".join(lines[n + 1 :]) for c in STRAY]
    print(f"{len(variants)} stray-character variants")
    assert failures_of(tmp_path, variants) == []


# --- wrong types anywhere ---------------------------------------------------------------------

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.dates(), st.text(max_size=20),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.datetimes(timezones=st.just(dt.timezone.utc)),
)


def maybe_junk(good: st.SearchStrategy) -> st.SearchStrategy:
    """The right kind of value, or now and then junk of any other kind."""
    return st.one_of(good, good, good, JUNK)


TEXT = st.text(max_size=30)
SUMMARY = st.recursive(TEXT, lambda inner: st.fixed_dictionaries({"text": maybe_junk(TEXT), "items": maybe_junk(st.lists(inner, max_size=3))}), max_leaves=6)
ENTRY = st.fixed_dictionaries(
    {"type": maybe_junk(st.sampled_from(["paper", "dev", "news"])), "title": maybe_junk(TEXT)},
    optional={
        "url": maybe_junk(st.sampled_from(["https://arxiv.org/abs/2402.12354", "http://[::1", "javascript:x", ""])),
        "org": maybe_junk(st.one_of(TEXT, st.lists(TEXT, max_size=3))),
        "summary": maybe_junk(st.lists(maybe_junk(SUMMARY), max_size=3)),
        "note": maybe_junk(TEXT), "icon": maybe_junk(TEXT), "tags": maybe_junk(st.lists(TEXT, max_size=2)),
        "bogus": JUNK,
    },
)
ISSUE_DATA = st.fixed_dictionaries(
    {"date": maybe_junk(st.dates(min_value=dt.date(2024, 2, 29), max_value=dt.date(2024, 2, 29)))},
    optional={
        "title": maybe_junk(TEXT), "label": maybe_junk(TEXT), "intro": maybe_junk(TEXT),
        "published": maybe_junk(st.datetimes(timezones=st.just(dt.timezone.utc))),
        "layout": maybe_junk(st.sampled_from(["archive", "post", "daily"])),
        "entries": maybe_junk(st.lists(maybe_junk(ENTRY), max_size=4)),
    },
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=ISSUE_DATA)
def test_wrong_types_anywhere_are_reported(tmp_path: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    for args in (("check",), ("build",)):
        write_project(tmp_path, {ISSUE: text})
        assert_reported(run(tmp_path, *args), NAME, text, required=False)


# --- size and depth -----------------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_absurd_nesting_is_rejected_without_crashing_the_process(tmp_path: Path, opener: str) -> None:
    # libyaml's composer recurses in C: this deep it would overflow the stack, so it runs in a child
    text = "date: 2024-02-29\nentries:\n  - " + opener * 200_000 + "x\n"
    write_project(tmp_path, {ISSUE: text})
    result = run_capped(tmp_path, "check")
    assert_reported(result, NAME, text)
    assert result.status == 1 and "error[yaml-syntax]" in result.text
    assert located(result)[NAME][0][0] == 3


def test_ten_megabyte_file_is_checked_in_bounded_time_and_memory(tmp_path: Path) -> None:
    entry = "  - type: news\n    title: t{i}\n    url: https://reuters.com/{i}\n    summary: [{pad}]\n"
    intro = "intro: |\n" + "  padding line of a long essay\n" * 250_000
    entries = "".join(entry.format(i=i, pad="y" * 60) for i in range(5_000))
    text = "date: 2024-02-29\n" + intro + "entries:\n" + entries + "  - type: bogus\n    title: last\n"
    assert len(text) > 10 * 2**20 * 0.75
    write_project(tmp_path, {ISSUE: text})
    result = run_capped(tmp_path, "check")
    assert_reported(result, NAME, text)
    assert "unknown entry type 'bogus'" in result.text


def test_hundred_thousand_character_title_builds(tmp_path: Path) -> None:
    title = "Long " * 20_000
    text = f"date: 2024-02-29\npublished: 2024-03-01T09:00:00+09:00\nentries:\n  - type: news\n    title: {title}\n    url: https://reuters.com/x\n"
    write_project(tmp_path, {ISSUE: text})
    for args in (("check",), ("build",)):
        assert_reported(run(tmp_path, *args), NAME, text, required=False)
    assert title.strip() in (tmp_path / "dist" / "digest.md").read_text(encoding="utf-8")


# --- positions are where an editor shows them ---------------------------------------------------------


@pytest.mark.parametrize("data, expected", [
    pytest.param(b"date: 2024-02-29\ntitle: a\x00b\n", (2, 9), id="raw-nul"),
    pytest.param("date: 2024-02-29\ntitle: 한국어 \x1b[31m\n".encode(), (2, 12), id="raw-escape-after-hangul"),
    pytest.param(b'date: 2024-02-29\nintro: "a\\0"\n', (2, 8), id="escaped-nul"),
    pytest.param("date: 2024-02-29\nintro: a\u2028b\u0085c\nentries: [\n".encode(), (2, 9), id="unicode-line-separators"),
    pytest.param(b"date: 2024-02-29\r\ntitle: x\r\nentries: [\r\n", (4, 1), id="crlf"),
    pytest.param(b"\xef\xbb\xbfdate: 2024-02-29\ndate: 2024-02-29\n", (2, 1), id="bom"),
    pytest.param(b"date: 2024-02-29\ntitle: caf\xe9\n", (2, 11), id="invalid-utf8"),
])
def test_diagnostic_points_at_the_offending_character(tmp_path: Path, data: bytes, expected: tuple[int, int]) -> None:
    result = check(tmp_path, data)
    assert_graceful(result)
    assert located(result)[NAME][0] == expected, result.text
