"""Loading issue files: source positions, and one precise diagnostic per kind of mistake."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.errors import Diagnostic
from newsletter.load import LoadedIssue, load_issue, load_issue_text

CONFIG = Config()

GOOD = """\
date: 2024-02-29
label: 5th week
entries:
  - type: paper
    org: UC Berkeley
    title: "LoRA+: Efficient Low Rank Adaptation of Large Models"
    url: https://arxiv.org/abs/2402.12354
    summary:
      - 기존 LoRA가 suboptimal하다는 문제점을 지적
  - {type: dev, title: 한국어 제목 🧞, url: https://github.com/x/y}
  - type: news
    title: Au Large
    summary:
      - text: 새로운 플래그십 모델.
        items: [한국어, 두번째]
"""


def load(text: str, tmp_path: Path, name: str = "2024-02-W5.yaml") -> tuple[LoadedIssue, list[Diagnostic]]:
    """Write ``text`` to an issue file and load it the way every command does."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return load_issue(path, name)


def only(diags: list[Diagnostic]) -> str:
    """The single diagnostic, as printed."""
    assert len(diags) == 1, diags
    return str(diags[0])


def test_valid_file_loads_with_positions(tmp_path):
    loaded, diags = load(GOOD, tmp_path)
    assert diags == []
    assert [e.type for e in loaded.issue.entries] == ["paper", "dev", "news"]
    assert loaded.issue.entries[0].org == ["UC Berkeley"]
    src = loaded.source
    assert src.position(("entries", 0)) == (4, 5)
    assert src.position(("entries", 0, "url")) == (7, 10)
    assert src.position(("entries", 0, "url"), key=True) == (7, 5)
    assert src.position(("entries", 0, "summary", 0)) == (9, 9)


def test_columns_count_characters_not_bytes(tmp_path):
    loaded, _ = load(GOOD, tmp_path)
    src = loaded.source
    line = src.line(10)
    # the Korean title and the emoji before the url are several bytes each but one column each
    assert src.position(("entries", 1, "url")) == (10, line.index("https") + 1)
    assert src.position(("entries", 2, "summary", 0, "items", 1)) == (15, src.line(15).index("두번째") + 1)
    start, end = src.span(("entries", 1, "url"))
    assert src.text[start:end] == "https://github.com/x/y"
    assert src.span(("entries", 1, "note")) is None


@pytest.mark.parametrize("text, expected", [
    pytest.param(
        "date: 2024-02-29\nentries:\n  - type: paper\n    url: https://x.org\n",
        "f.yaml:3:5: error[schema] missing required key 'title'; add `title:` here",
        id="missing-field"),
    pytest.param(
        "date: 2024-02-29\nentries:\n  - type: paper\n    title: [a, b]\n",
        "f.yaml:4:12: error[schema] 'title' must be text, not a list",
        id="wrong-type"),
    pytest.param(
        "date: 2024-02-29\nentries:\n  - type: paper\n    title: t\n    summry: [a]\n",
        "f.yaml:5:5: error[schema] unknown key 'summry' (did you mean 'summary'?); remove or rename it",
        id="unknown-key"),
    pytest.param(
        "date: 2024-02-29\nentries:\n  - type: paper\n    title: t\n    summary:\n      - text: a\n        itms: [b]\n",
        "f.yaml:7:9: error[schema] unknown key 'itms' (did you mean 'items'?); remove or rename it",
        id="unknown-key-in-bullet"),
    pytest.param(
        "date: 2024-02-30\n",
        "f.yaml:1:7: error[date-invalid] '2024-02-30' is not a valid date; write it as YYYY-MM-DD",
        id="bad-date"),
    pytest.param(
        "date: 2024-02-29\nentries:\n  - type: paper\n    title: \"abc\n",
        "f.yaml:5:1: error[yaml-syntax] found unexpected end of stream; fix the YAML syntax here",
        id="bad-yaml-syntax"),
    pytest.param(
        "date: 2024-02-29\nentries: !!python/object:os.system {}\n",
        "f.yaml:2:10: error[schema] YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed; remove it",
        id="custom-tag"),
    pytest.param(
        "date: 2024-02-29\ndate: 2024-02-28\n",
        "f.yaml:2:1: error[schema] duplicate key 'date'; keep only one",
        id="duplicate-key"),
    pytest.param(
        "date: &d 2024-02-29\ntitle: *d\n",
        "f.yaml:2:8: error[schema] YAML anchors and aliases are not supported; write the value out",
        id="alias-to-scalar"),
    pytest.param(
        "",
        "f.yaml:1:1: error[schema] an issue file must be a mapping with at least `date:`; this one is empty",
        id="empty-file"),
    pytest.param(
        "- date: 2024-02-29\n",
        "f.yaml:1:1: error[schema] an issue file must be a mapping with at least `date:`; this one is not a mapping of keys",
        id="not-a-mapping"),
    pytest.param(
        "date: 2024-02-29\npublished: 2024-03-01\n",
        "f.yaml:2:12: error[schema] '2024-03-01' is not a timestamp with a time zone, e.g. 2024-09-20T09:00:00+09:00",
        id="published-without-zone"),
    pytest.param(
        "date: 2024-02-29\nentries:\n  - type: paper\n    title: t\n    summary: [[a]]\n",
        "f.yaml:5:15: error[schema] a summary item must be text or a mapping with `text:` and `items:`, not a list",
        id="bad-summary-item"),
])
def test_each_mistake_is_reported_at_its_place(tmp_path, text, expected):
    loaded, diags = load(text, tmp_path)
    assert only([d for d in diags if d.severity == "error"]).replace("2024-02-W5.yaml", "f.yaml") == expected


def test_billion_laughs_is_refused_cheaply(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _, diags = load("\n".join(lines) + "\n", tmp_path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB
    assert only(diags) == "2024-02-W5.yaml:2:10: error[schema] YAML anchors and aliases are not supported; write the value out"


def test_deep_nesting_is_refused(tmp_path):
    _, diags = load("date: 2024-02-29\nraw: " + "[" * 200 + "]" * 200 + "\n", tmp_path)
    assert only(diags).startswith("2024-02-W5.yaml:")
    assert "nesting is too deep" in diags[0].message


def test_bom_is_accepted_and_positions_ignore_it(tmp_path):
    loaded, diags = load(b"\xef\xbb\xbf" + GOOD.encode(), tmp_path)
    assert diags == []
    assert loaded.source.position(("date",)) == (1, 7)


def test_crlf_positions_match_lf(tmp_path):
    crlf, diags = load(GOOD.replace("\n", "\r\n"), tmp_path)
    assert diags == []
    lf, _ = load(GOOD, tmp_path, "2024-02-W4.yaml")
    paths = [("entries", 0, "url"), ("entries", 1, "url"), ("entries", 2, "summary", 0, "items", 1)]
    assert [crlf.source.position(p) for p in paths] == [lf.source.position(p) for p in paths]
    assert crlf.issue.entries[0].summary == lf.issue.entries[0].summary


def test_crlf_error_position(tmp_path):
    _, diags = load("date: 2024-02-29\r\nentries:\r\n  - type: paper\r\n    title: t\r\n    titel: u\r\n", tmp_path)
    assert only(diags) == "2024-02-W5.yaml:5:5: error[schema] unknown key 'titel' (did you mean 'title'?); remove or rename it"


def test_invalid_utf8_is_located(tmp_path):
    _, diags = load(b"date: 2024-02-29\nlabel: \xed\x95\x9c caf\xe9\n", tmp_path)
    # the column counts the decoded Korean character before the bad byte as one
    assert only(diags) == "2024-02-W5.yaml:2:13: error[yaml-syntax] file is not valid UTF-8; save it as UTF-8"


def test_scalars_stay_text(tmp_path):
    loaded, diags = load("date: 2024-02-29\nentries:\n  - type: news\n    title: 1984\n    note: yes\n", tmp_path)
    assert diags == []
    assert (loaded.issue.entries[0].title, loaded.issue.entries[0].note) == ("1984", "yes")


def test_one_or_many_fields(tmp_path):
    loaded, diags = load("date: 2024-02-29\nentries:\n  - type: news\n    title: t\n    org: [A, B]\n    tags: x\n", tmp_path)
    assert diags == []
    assert (loaded.issue.entries[0].org, loaded.issue.entries[0].tags) == (["A", "B"], ["x"])


def test_text_and_file_loading_agree(tmp_path):
    from_file, _ = load(GOOD, tmp_path)
    from_text, _ = load_issue_text(GOOD, tmp_path / "2024-02-W5.yaml", "2024-02-W5.yaml")
    assert from_text.issue == from_file.issue
    assert from_text.id == "2024-02-W5"
