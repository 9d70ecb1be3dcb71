"""Link rules, each with a real-world bad example from the archive and a near miss that must pass."""

from __future__ import annotations

import pytest
import yaml

from checkutil import fixed, found, issue, messages


def dev(url: str, summary: str | None = None, type_: str = "dev") -> str:
    """An issue with one entry linking ``url``, optionally with one summary bullet."""
    bullets = f"\n  summary:\n    - {summary}" if summary is not None else ""
    return issue(f"- type: {type_}\n  title: T\n  url: {url}{bullets}")


def test_link_missing(tmp_path):
    text = issue("- type: paper\n  org: Qwen\n  title: Qwen2.5-Coder Technical Report")
    [d] = found(tmp_path, text, "link-missing")
    assert (d.line, d.severity) == (5, "error") and "add `url:`" in d.message


def test_link_missing_empty_url(tmp_path):
    assert messages(tmp_path, dev('""'), "link-missing") == ["`url` is empty; write the address of the page"]


def test_link_missing_near_miss(tmp_path):
    assert found(tmp_path, dev("https://github.com/QwenLM/Qwen2.5-Coder"), "link-missing") == []


@pytest.mark.parametrize("url", [
    '"javascript:alert(1)"', '"data:text/html,hi"', '"https://exa mple.com/a b"', "not-a-link", "https://", "https://localhost_x/",
])
def test_link_invalid(tmp_path, url):
    [d] = found(tmp_path, dev(url), "link-invalid")
    assert d.severity == "error" and d.fix is None


def test_link_invalid_missing_scheme_is_fixed(tmp_path):
    text = dev("arxiv.org/abs/2412.19437")
    [d] = found(tmp_path, text, "link-invalid")
    assert "https://arxiv.org/abs/2412.19437" in d.message
    assert "url: https://arxiv.org/abs/2412.19437\n" in fixed(tmp_path, text, "link-invalid")


@pytest.mark.parametrize("url", ["https://arxiv.org/abs/2412.19437", "http://localhost:8000/x", "HTTPS://GitHub.com/a"])
def test_link_invalid_near_miss(tmp_path, url):
    assert found(tmp_path, dev(url), "link-invalid") == []


def test_link_insecure_known_host_is_fixed(tmp_path):
    text = dev("x", summary="'[NotebookLM 링크](http://notebooklm.google/) 🔗'")
    [d] = found(tmp_path, text, "link-insecure")
    assert (d.line, d.column) == (7, 26) and d.fix is not None
    assert "(https://notebooklm.google/)" in fixed(tmp_path, text, "link-insecure")


def test_link_insecure_unknown_host_is_reported_without_fix(tmp_path):
    [d] = found(tmp_path, dev("http://watsonx.ai"), "link-insecure")
    assert d.fix is None and d.severity == "warning"


def test_link_insecure_near_miss(tmp_path):
    assert found(tmp_path, dev("https://console.groq.com/"), "link-insecure") == []


def test_link_tracking_utm(tmp_path):
    text = dev("https://stability.ai/news/stable-diffusion-3?utm_source=www.theaivalley.com")
    [d] = found(tmp_path, text, "link-tracking")
    assert "utm_source" in d.message
    assert "url: https://stability.ai/news/stable-diffusion-3\n" in fixed(tmp_path, text, "link-tracking")


def test_link_tracking_bhlid_keeps_other_params(tmp_path):
    text = dev("https://about.meta.com/realitylabs/codecavatars/sapiens?page=2&_bhlid=9ff3b20994dca7d8")
    assert "url: https://about.meta.com/realitylabs/codecavatars/sapiens?page=2\n" in fixed(tmp_path, text, "link-tracking")


def test_link_tracking_configured_param(tmp_path):
    text = dev("https://example.com/a?campaign=x")
    assert found(tmp_path, text, "link-tracking") == []
    assert messages(tmp_path, text, "link-tracking", toml='[check]\ntracking_params = ["campaign"]\n')


def test_link_tracking_near_miss(tmp_path):
    text = dev("https://www.youtube.com/watch?v=DQacCB9tDaw&t=3986s")
    assert found(tmp_path, text, "link-tracking") == []


def test_link_redirect_beehiiv(tmp_path):
    url = "https://link.mail.beehiiv.com/ss/c/u001.22XVe7hOOQo4HoFgEcBa71etRz_zVbDtBQ3xhBSmS3"
    [d] = found(tmp_path, dev(url), "link-redirect")
    assert d.severity == "error" and d.fix is None and "link.mail.beehiiv.com" in d.message


def test_link_redirect_awstrack_target_offered(tmp_path):
    url = "https://y1mnw3w8.r.us-east-1.awstrack.me/L0/https:%2F%2Fgithub.com%2Flm-sys%2FFastChat/2/0100/8U5="
    assert "url: https://github.com/lm-sys/FastChat\n" in fixed(tmp_path, dev(url), "link-redirect")


def test_link_redirect_to_another_redirect_is_not_fixed(tmp_path):
    url = "https://y1mnw3w8.r.us-east-1.awstrack.me/L0/https:%2F%2Flink.alphasignal.ai%2FNrhrYd/2/0100/8U5="
    [d] = found(tmp_path, dev(url), "link-redirect")
    assert d.fix is None and "itself a redirect" in d.message


def test_link_redirect_google_url_and_shorteners(tmp_path):
    text = dev("https://www.google.com/url?q=https://openai.com/index/hello-gpt-4o/&sa=D", summary="'깃허브 [링크](https://t.co/ubv4xONI57) 🔗'")
    diags = found(tmp_path, text, "link-redirect")
    assert [d.fix is not None for d in diags] == [True, False]
    assert "url: https://openai.com/index/hello-gpt-4o/\n" in fixed(tmp_path, text, "link-redirect")


@pytest.mark.parametrize("url", ["https://link.springer.com/article/10.1007/x", "https://www.google.com/search?q=llm", "https://tco.com/"])
def test_link_redirect_near_miss(tmp_path, url):
    assert found(tmp_path, dev(url), "link-redirect") == []


@pytest.mark.parametrize("url", [
    "https://www.notion.so/17f90df74bce4c62a295849f0dc8fb7e?pvs=21", "http://localhost:8888/notebooks/x",
    "http://192.168.0.12/demo", "http://10.0.0.1/", "file:///Users/me/paper.pdf",
])
def test_link_private(tmp_path, url):
    [d] = found(tmp_path, dev(url), "link-private")
    assert d.severity == "error"


@pytest.mark.parametrize("url", ["https://www.notion.so/Public-page-17f90df74bce", "https://team.notion.site/Guide-17f9", "http://8.8.8.8/"])
def test_link_private_near_miss(tmp_path, url):
    assert found(tmp_path, dev(url), "link-private") == []


@pytest.mark.parametrize("url, want", [
    ("https://www.arxiv.org/abs/2408.11039", "https://arxiv.org/abs/2408.11039"),
    ("https://arxiv.org/pdf/2402.17177v2", "https://arxiv.org/abs/2402.17177v2"),
    ("https://arxiv.org/pdf/2402.17177.pdf", "https://arxiv.org/abs/2402.17177"),
    ("https://arxiv.org/html/2406.04093v1", "https://arxiv.org/abs/2406.04093v1"),
])
def test_link_arxiv_form(tmp_path, url, want):
    text = dev(url, type_="paper")
    [d] = found(tmp_path, text, "link-arxiv-form")
    assert want in d.message
    assert f"url: {want}\n" in fixed(tmp_path, text, "link-arxiv-form")


@pytest.mark.parametrize("url", ["https://arxiv.org/abs/2402.17177v2", "https://arxiv.org/abs/2402.17177", "https://arxiv.org/list/cs.CL/recent"])
def test_link_arxiv_form_near_miss(tmp_path, url):
    assert found(tmp_path, dev(url, type_="paper"), "link-arxiv-form") == []


def test_link_label_mismatch_github_label_on_arxiv(tmp_path):
    text = dev("https://arxiv.org/abs/2409.12437", summary="'[깃허브 링크](https://arxiv.org/abs/2409.12437) 🔗'", type_="paper")
    [d] = found(tmp_path, text, "link-label-mismatch")
    assert (d.line, d.column) == (7, 19) and "깃허브 링크" in d.message


@pytest.mark.parametrize("summary", [
    "'[아카이브 링크](https://about.meta.com/realitylabs/codecavatars/sapiens) 🔗'",
    "'AudioSeal ([Github](https://pages.cs.huji.ac.il/adiyoss-lab/JASCO/) 🧑🏻💻)'",
    "'[허깅페이스 링크](https://github.com/QwenLM/Qwen2) 🔗'",
    "'[논문 링크](https://openai.com/index/extracting-concepts/) 🔗'",
    "'[YouTube](https://vimeo.com/123)'",
])
def test_link_label_mismatch(tmp_path, summary):
    assert len(found(tmp_path, dev("https://example.com", summary=summary), "link-label-mismatch")) == 1


@pytest.mark.parametrize("summary", [
    "'[논문 링크](https://arxiv.org/abs/2406.04093v1) 🔗'",
    "'[허깅페이스 링크](https://huggingface.co/nvidia/Llama-3_1-Nemotron-51B-Instruct) 🔗'",
    "'[허깅 페이스](https://hf.co/Qwen/Qwen2.5-Coder-7B-Instruct), [깃허브](https://github.com/QwenLM/Qwen2.5-Coder) 링크 🔗'",
    "'[깃허브 링크](https://gamengen.github.io) 🔗'",
    "'[논문 링크](https://storage.googleapis.com/fh-public/paperqa/Language_Agents_Science.pdf) 🔗'",
    "'[유튜브에 공개된 데모 링크](https://www.youtube.com/watch?v=DQacCB9tDaw&t=3986s)'",
    "'[링크](https://huggingface.co/datasets/HuggingFaceTB/smollm-corpus) 🔗'",
    "'[Report](https://arxiv.org/abs/2404.16019) 📜'",
])
def test_link_label_mismatch_near_miss(tmp_path, summary):
    assert found(tmp_path, dev("https://example.com", summary=summary), "link-label-mismatch") == []


def test_type_link_mismatch_paper_on_blog(tmp_path):
    [d] = found(tmp_path, dev("https://openai.com/index/extracting-concepts-from-gpt-4/", type_="paper"), "type-link-mismatch")
    assert "openai.com" in d.message


def test_type_link_mismatch_dev_on_arxiv(tmp_path):
    [d] = found(tmp_path, dev("https://arxiv.org/abs/2402.07827"), "type-link-mismatch")
    assert "type: paper" in d.message


@pytest.mark.parametrize("url, type_", [
    ("https://aclanthology.org/2024.acl-long.1.pdf", "paper"),
    ("https://cdn.openai.com/papers/gpt-4.pdf", "paper"),
    ("https://huggingface.co/papers/2402.13349", "paper"),
    ("https://github.com/karpathy/minbpe", "dev"),
    ("https://arxiv.org/list/cs.CL/recent", "news"),
])
def test_type_link_mismatch_near_miss(tmp_path, url, type_):
    assert found(tmp_path, dev(url, type_=type_), "type-link-mismatch") == []


def test_fix_keeps_quoting_valid(tmp_path):
    """A URL in a quoted summary is rewritten inside a still-valid quoted scalar."""
    text = dev("x", summary='"He said \\"hi\\": [blog](https://example.com/p?utm_medium=email) #1"')
    out = fixed(tmp_path, text, "link-tracking")
    assert yaml.safe_load(out)["entries"][0]["summary"] == ['He said "hi": [blog](https://example.com/p) #1']


def test_fix_in_block_scalar_touches_only_the_url(tmp_path):
    text = dev("x", summary=">-\n        긴 설명 [blog](https://e.com/p?fbclid=abc)\n        다음 줄")
    assert fixed(tmp_path, text, "link-tracking") == text.replace("?fbclid=abc", "")
