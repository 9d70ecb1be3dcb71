"""Text rules: titles, organisations, week labels, summaries, empty issues."""

from __future__ import annotations

import pytest
import yaml

from checkutil import ISSUE, fixed, found, issue, messages
from newsletter.rules.text import OrgIndex, deletions, unbalanced, variant_key


def entry(title: str = "T", org: str | None = None, summary: str = "") -> str:
    lines = ["- type: paper"] + ([f"  org: {org}"] if org else []) + [f"  title: {title}", "  url: https://arxiv.org/abs/2402.12354"]
    return issue("\n".join(lines) + summary)


@pytest.mark.parametrize("title", ['""', '"   "'])
def test_title_missing(tmp_path, title):
    [d] = found(tmp_path, entry(title), "title-missing")
    assert d.severity == "error"


def test_title_missing_near_miss(tmp_path):
    assert found(tmp_path, entry('"0"'), "title-missing") == []


def test_title_broken_across_lines_is_joined(tmp_path):
    text = entry('"Open-FinLLMs: Open Multimodal Large Language Models for Financial\n    Applications"')
    [d] = found(tmp_path, text, "title-format")
    assert "broken across lines" in d.message
    out = fixed(tmp_path, text, "title-format")
    assert '  title: "Open-FinLLMs: Open Multimodal Large Language Models for Financial Applications"\n' in out


def test_title_double_space_plain_style_kept(tmp_path):
    text = entry("Explicit  Inductive Inference using Large Language Models")
    assert "  title: Explicit Inductive Inference using Large Language Models\n" in fixed(tmp_path, text, "title-format")


def test_title_stray_spaces_in_quotes(tmp_path):
    assert "  title: 'Hello GPT-4o'\n" in fixed(tmp_path, entry("' Hello GPT-4o '"), "title-format")


def test_title_unbalanced_bracket_not_fixable(tmp_path):
    [d] = found(tmp_path, entry("'Sora: A Review (Background, Technology'"), "title-format")
    assert "'('" in d.message and d.fix is None


@pytest.mark.parametrize("title", [
    "'LoRA+: Efficient Low Rank Adaptation of Large Models'",
    "'Synthetic Data (Almost) from Scratch: Generalized Instruction Tuning [v2]'",
    "'C4AI Command-R (HuggingFace)'",
])
def test_title_format_near_miss(tmp_path, title):
    assert found(tmp_path, entry(title), "title-format") == []


def test_unbalanced():
    assert unbalanced("a (b) [c]") is None
    assert unbalanced("a (b]") == "]"
    assert unbalanced("a )") == ")"


@pytest.mark.parametrize("wrong, right", [
    ("UC Berkely", "UC Berkeley"), ("Mitral AI", "Mistral AI"), ("Tancent", "Tencent"), ("Priceton-NLP", "Princeton-NLP"),
    ("Google Reserach", "Google Research"), ("Chinese Academy of Sciecnes", "Chinese Academy of Sciences"),
    ("Stnaford", "Stanford"), ("Tisnghua", "Tsinghua"), ("Milla", "Mila"), ("Hwawei", "Huawei"),
])
def test_org_spelling(tmp_path, wrong, right):
    text = entry(org=wrong)
    [d] = found(tmp_path, text, "org-spelling")
    assert f"'{right}'" in d.message
    assert f"  org: {right}\n" in fixed(tmp_path, text, "org-spelling")


def test_org_spelling_in_a_list(tmp_path):
    text = entry(org="[Meta, UC Berkely]")
    assert "  org: [Meta, UC Berkeley]\n" in fixed(tmp_path, text, "org-spelling")


@pytest.mark.parametrize("org", ["Meta", "Beta", "Apple", "Adobe", "MIT", "MIC", "Qwen", "Owen", "HuggingFace", "Stability.ai",
                                 "DeepSeek-AI", "AI21labs", "NVIDIA", "Nvidia", "Yonsei University", "Mistral"])
def test_org_spelling_near_miss(tmp_path, org):
    assert found(tmp_path, entry(org=org), "org-spelling") == []


def test_org_used_three_times_is_known(tmp_path):
    entries = "\n".join(f"- type: dev\n  org: Tinkoff Lab\n  title: T{n}\n  url: https://e.com/{n}" for n in range(3))
    text = issue(entries + "\n- type: dev\n  org: Tinkof Lab\n  title: X\n  url: https://e.com/x")
    assert messages(tmp_path, text, "org-spelling") == ["unknown organisation 'Tinkof Lab': did you mean 'Tinkoff Lab'?"]


def test_org_config_and_aliases(tmp_path):
    toml = '[check]\norgs = ["Gen AI Korea"]\norg_aliases = { "Stability.ai" = "Stability AI" }\n'
    assert found(tmp_path, entry(org="Gen AI Kora"), "org-spelling", toml=toml)
    assert "  org: Stability AI\n" in fixed(tmp_path, entry(org="Stability.ai"), "org-spelling", toml=toml)


def test_org_index_lookup_is_by_deletions():
    index = OrgIndex({"Tencent"}, {variant_key("Tencent"): "Tencent"}, {k: {"Tencent"} for k in deletions("tencent")})
    assert index.suggestions("Tancent") == ["Tencent"]
    assert index.suggestions("Tencent") == []


def label_issue(label: str, date: str = "2024-09-16") -> str:
    return issue("- type: dev\n  title: T\n  url: https://e.com", date=date, header=f"label: {label}\n")


def test_week_label_malformed_ordinal_is_fixed(tmp_path):
    text = label_issue("3nd week")
    [d] = found(tmp_path, text, "week-label")
    assert "does not parse" in d.message
    assert "label: 3rd week\n" in fixed(tmp_path, text, "week-label")


def test_week_label_malformed_other_week_not_fixed(tmp_path):
    [d] = found(tmp_path, label_issue("4rd week"), "week-label")
    assert d.fix is None


def test_week_label_disagrees_with_date(tmp_path):
    assert "disagrees" in messages(tmp_path, label_issue("1st week"), "week-label")[0]


@pytest.mark.parametrize("label", ["3rd week", "1st ~ 3rd week", "3주차", "2 ~ 3주차"])
def test_week_label_near_miss(tmp_path, label):
    assert found(tmp_path, label_issue(label), "week-label") == []


def test_summary_empty_bullet_removed(tmp_path):
    text = entry(summary='\n  summary:\n    - 기존 LoRA가 suboptimal\n    - ""\n    - 두 번째')
    [d] = found(tmp_path, text, "summary-format")
    assert "empty bullet" in d.message
    out = fixed(tmp_path, text, "summary-format")
    assert yaml.safe_load(out)["entries"][0]["summary"] == ["기존 LoRA가 suboptimal", "두 번째"]


def test_summary_bare_url_and_spaces(tmp_path):
    text = entry(summary='\n  summary:\n    - https://github.com/karpathy/minbpe\n    - "설명 "')
    assert [d.fix is not None for d in found(tmp_path, text, "summary-format")] == [False, True]


def test_summary_near_miss(tmp_path):
    text = entry(summary="\n  summary:\n    - '[깃허브 링크](https://github.com/zou-group/textgrad) 🔗'\n    - text: 상위\n      items:\n        - 하위")
    assert found(tmp_path, text, "summary-format") == []


def test_issue_empty(tmp_path):
    assert found(tmp_path, "date: 2024-09-16\nentries: []\n", "issue-empty")
    assert found(tmp_path, "date: 2024-09-16\nintro: 이번 주는 쉬어갑니다.\n", "issue-empty") == []
    assert found(tmp_path, entry(), "issue-empty") == []


def test_org_spelling_points_at_the_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [d] = found(tmp_path, entry(org="UC Berkely"), "org-spelling")
    assert (d.file, d.line, d.column) == (ISSUE, 4, 10)


def test_title_block_scalar_is_joined(tmp_path):
    text = entry("|-\n    Open-FinLLMs: Open Multimodal Large Language Models for Financial\n    Applications")
    out = fixed(tmp_path, text, "title-format")
    assert '    title: "Open-FinLLMs: Open Multimodal Large Language Models for Financial Applications"\n    url: ' in out
