"""Duplicate rules: the same page or title twice, within an issue and across the archive."""

from __future__ import annotations

from checkutil import ISSUE, found, issue
from newsletter.rules.duplicates import title_key

EARLIER = "issues/2024/2024-03-W4.yaml"


def paper(title: str, url: str) -> str:
    return f"- type: paper\n  org: Meta\n  title: {title}\n  url: {url}"


def test_duplicate_url_within_issue_is_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = issue(paper("'The Unreasonable Ineffectiveness of the Deeper Layers'", "https://arxiv.org/abs/2403.17887") + "\n"
                 + paper("'The Unreasonable Ineffectiveness of the Deeper Layers'", "https://arxiv.org/abs/2403.17887v1"))
    [d] = found(tmp_path, text, "duplicate-url")
    assert (d.severity, d.line) == ("error", 10)
    assert f"{ISSUE}:6" in d.message


def test_duplicate_url_across_issues_is_warning_naming_the_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    earlier = issue(paper("Aya Model", "https://arxiv.org/abs/2402.07827"), date="2024-03-22")
    text = issue(paper("Aya", "https://arxiv.org/pdf/2402.07827v2"))
    [d] = found(tmp_path, text, "duplicate-url", extra={EARLIER: earlier})
    assert d.severity == "warning" and d.file == ISSUE and f"{EARLIER}:6" in d.message


def test_duplicate_url_first_occurrence_not_reported(tmp_path):
    later = "issues/2024/2024-10-W1.yaml"
    text = issue(paper("Aya", "https://arxiv.org/abs/2402.07827"))
    extra = {later: issue(paper("Aya", "https://arxiv.org/abs/2402.07827"), date="2024-10-01")}
    assert [d.file.endswith(later) for d in found(tmp_path, text, "duplicate-url", extra=extra)] == [True]


def test_duplicate_url_ignores_tracking_scheme_and_slash(tmp_path):
    text = issue(paper("A", "https://mistral.ai/news/mistral-large/") + "\n" + paper("B", "http://www.mistral.ai/news/mistral-large?utm_source=x"))
    assert len(found(tmp_path, text, "duplicate-url")) == 1


def test_duplicate_url_near_miss(tmp_path):
    text = issue(paper("A", "https://arxiv.org/abs/2403.17887") + "\n" + paper("B", "https://arxiv.org/abs/2403.17888") + "\n"
                 + paper("C", "https://github.com/QwenLM/Qwen2") + "\n" + paper("D", "https://github.com/QwenLM/Qwen2-Math"))
    assert found(tmp_path, text, "duplicate-url") == []


def test_duplicate_title_with_other_link(tmp_path):
    earlier = issue(paper("'Introducing Llama 3.1: Our most capable models to date'", "https://ai.meta.com/blog/meta-llama-3-1/"), date="2024-03-22")
    text = issue(paper("'Introducing Llama 3.1:  our most capable models to date.'", "https://llama.meta.com/"))
    [d] = found(tmp_path, text, "duplicate-title", extra={EARLIER: earlier})
    assert d.severity == "warning" and "another link" in d.message


def test_duplicate_title_same_link_left_to_duplicate_url(tmp_path):
    text = issue(paper("Aya", "https://arxiv.org/abs/2402.07827") + "\n" + paper("Aya", "https://arxiv.org/abs/2402.07827v2"))
    assert found(tmp_path, text, "duplicate-title") == []


def test_duplicate_title_near_miss(tmp_path):
    text = issue(paper("'Gemma 2'", "https://e.com/a") + "\n" + paper("'Gemma 2 2B'", "https://e.com/b"))
    assert found(tmp_path, text, "duplicate-title") == []


def test_title_key():
    assert title_key("Let’s build the GPT Tokenizer ") == title_key("let's  build the gpt tokenizer.")
