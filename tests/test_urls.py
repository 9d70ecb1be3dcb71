"""One table of links and what each says: its entry type and whether it is a web link. ``add``, ``import``,
``check`` and the renderers must all read a link the same way, whatever the order of the types in the config."""

from __future__ import annotations

import html
import json

import pytest
import yaml

from checkutil import ISSUE, issue, make_project
from newsletter.check.runner import collect
from newsletter.cli import main
from newsletter.config import Config
from newsletter.urls import infer_type, is_web_link

# (url, the type its host suggests with the default types, whether it is a web link)
TABLE = [
    ("https://arxiv.org/abs/2409.12917", "paper", True),
    ("https://www.arxiv.org/abs/2409.12917v2", "paper", True),
    ("https://export.arxiv.org/abs/2409.12917", "paper", True),
    ("https://openreview.net/forum?id=VtmBAGCN7o", "paper", True),
    ("https://aclanthology.org/2024.acl-long.1/", "paper", True),
    ("https://www.nature.com/articles/s41586-024-07566-y", "paper", True),
    ("https://proceedings.neurips.cc/paper/2023/hash/abc.html", "paper", True),
    ("https://dl.acm.org/doi/10.1145/3600006.3613165", "paper", True),
    ("https://ieeexplore.ieee.org/document/10203050", "paper", True),
    ("https://huggingface.co/papers/2409.12917", "paper", True),
    ("https://huggingface.co/papers", "paper", True),
    ("https://hub.huggingface.co/papers/2409.12917", "paper", True),
    ("https://huggingface.co/papersmith", "dev", True),
    ("https://huggingface.co/blog/moe", "dev", True),
    ("https://huggingface.co/meta-llama/Meta-Llama-3-8B", "dev", True),
    ("https://github.com/karpathy/minbpe", "dev", True),
    ("https://GitHub.com/karpathy/minbpe", "dev", True),
    ("http://github.com/karpathy/minbpe", "dev", True),
    ("https://gist.github.com/karpathy/d4dee566867f8291f086", "dev", True),
    ("https://github.blog/2024-09-12-github-copilot/", "dev", True),
    ("https://pypi.org/project/vllm/", "dev", True),
    ("https://www.kaggle.com/competitions/arc-prize-2024", "dev", True),
    ("https://www.theverge.com/2024/9/12/24242439/openai-o1-model", "news", True),
    ("https://techcrunch.com/2024/09/12/openai-unveils-o1/", "news", True),
    ("https://www.reuters.com/technology/artificial-intelligence/x", "news", True),
    ("https://www.bloomberg.com/news/articles/2024-09-12/x", "news", True),
    ("https://www.nytimes.com/2024/09/12/technology/openai-o1.html", "news", True),
    ("https://karpathy.github.io/2024/01/01/post/", None, True),
    ("https://notarxiv.org/abs/2409.12917", None, True),
    ("https://arxiv.org.example.com/abs/2409.12917", None, True),
    ("https://example.com/arxiv.org/abs/2409.12917", None, True),
    ("https://openai.com/index/learning-to-reason-with-llms/", None, True),
    ("https://news.ycombinator.com/item?id=41523070", None, True),
    ("javascript:alert(1)", None, False),
    ("mailto:editor@example.com", None, False),
    ("https://exa mple.com/page", None, False),
    ("ftp://ftp.example.com/file", None, False),
    ("https://", None, False),
]
WEB = [row for row in TABLE if row[2]]
DEFAULT_TYPES = Config().types


def types_toml(order: list[str]) -> str:
    """The default types written in newsletter.toml in ``order``."""
    lines = []
    for name in order:
        t = DEFAULT_TYPES[name]
        lines += [f"[types.{name}]", f"emoji = {json.dumps(t.emoji, ensure_ascii=False)}", f"label = {json.dumps(t.label)}",
                  f"hosts = {json.dumps(t.hosts)}", ""]
    return "\n".join(lines)


ORDERS = [pytest.param(types_toml(["paper", "dev", "news"]), id="paper-first"),
          pytest.param(types_toml(["news", "dev", "paper"]), id="paper-last")]


def test_the_table_is_large_enough():
    assert len(TABLE) >= 30 and {t for _, t, _ in TABLE} == {"paper", "dev", "news", None}


@pytest.mark.parametrize("toml", ORDERS)
def test_urls_module(tmp_path, toml):
    types = make_project(tmp_path, {}, toml).config.types
    assert [(u, infer_type(u, types), is_web_link(u)) for u, _, _ in TABLE] == TABLE


@pytest.mark.parametrize("toml", ORDERS)
@pytest.mark.parametrize("url, expected, web", TABLE)
def test_add(tmp_path, capsys, toml, url, expected, web):
    make_project(tmp_path, {}, toml)
    status = main(["-C", str(tmp_path), "add", url, "--week", "2024-09-W3", "--title", "t"])
    err = capsys.readouterr().err
    if expected is None:
        assert status == 2 and ("cannot tell the type" in err if web else "is not a web link" in err)
    else:
        assert status == 0
        assert yaml.safe_load((tmp_path / ISSUE).read_text(encoding="utf-8"))["entries"][0]["type"] == expected


@pytest.mark.parametrize("toml", ORDERS)
def test_import(tmp_path, capsys, toml):
    project = make_project(tmp_path, {}, toml)
    bullets = "\n\n".join(f"- [**`Title {i}`**]({url}) : summary" for i, (url, _, _) in enumerate(TABLE))
    post = f"---\ntitle: T\ndate: 2024-01-05T10:00:00.000Z\n---\n# T\n\n## Abstract\n\n### 12월 1주차\n\n{bullets}\n"
    (tmp_path / "post.md").write_text(post, encoding="utf-8")
    assert main(["-C", str(tmp_path), "import", str(tmp_path / "post.md"), "--format", "post"]) == 0
    report = capsys.readouterr().out
    entries = yaml.safe_load(project.issue_path("2023-12-W1").read_text(encoding="utf-8"))["entries"]
    first = next(iter(project.config.types))
    assert [(e["url"], e["type"]) for e in entries] == [(u, t or first) for u, t, _ in TABLE]
    assert report.count("link of no configured host") == sum(t is None for _, t, _ in TABLE)


@pytest.mark.parametrize("toml", ORDERS)
def test_check(tmp_path, toml):
    """A paper entry is told its link is no paper's exactly when the link suggests another type; a link
    that is not a web link is reported as such."""
    entries = "\n".join(f"- type: paper\n  title: Title {i}\n  url: {json.dumps(url)}" for i, (url, _, _) in enumerate(TABLE))
    project = make_project(tmp_path, {ISSUE: issue(entries)}, toml)
    diags = collect(project, select=["type-link-mismatch", "link-invalid"])
    lines = {d.line: d.rule for d in diags}
    for i, (url, expected, web) in enumerate(TABLE):
        found = lines.get(5 + 3 * i)  # the url line of entry i
        assert found == (None if expected == "paper" else "type-link-mismatch" if web else "link-invalid"), url


def test_renderers(tmp_path):
    """The email makes a link of a web link only."""
    entries = "\n".join(f"- type: dev\n  title: Title {i}\n  url: {json.dumps(url)}" for i, (url, _, _) in enumerate(TABLE))
    make_project(tmp_path, {ISSUE: issue(entries)})
    assert main(["-C", str(tmp_path), "build"]) == 0
    email = (tmp_path / "dist" / "email" / "2024-09-W3.html").read_text(encoding="utf-8")
    assert [(url, f'href="{html.escape(url)}"' in email) for url, _, _ in TABLE] == [(url, web) for url, _, web in TABLE]
