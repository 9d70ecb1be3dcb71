"""Markdown generators: real weeks rendered exactly, order, labels, layouts and hostile text."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from markdown_it import MarkdownIt

from conftest import ARCHIVE_TOML, SEEDS
from newsletter.config import Config, DigestConfig
from newsletter.importer import parse
from newsletter.model import Bullet, Entry, Issue
from newsletter.render.filters import plain_text
from newsletter.render.markdown import digest, issue_page, post

SEED = (SEEDS / "archive-2024.md").read_text(encoding="utf-8").split("\n")
HEADER = SEED[:6]  # legend, blank, ---, # 2024


def seed_lines(first: int, last: int) -> list[str]:
    return [line.rstrip() for line in SEED[first - 1: last]]


def rendered(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip("\n").split("\n")]


@pytest.fixture(scope="module")
def imported():
    config = Config.model_validate(tomllib.loads(ARCHIVE_TOML))
    return config, parse("\n".join(SEED), "archive", config, "archive-2024.md").issues


@pytest.mark.parametrize("ident, month_line, summary_line", [
    ("2024-09-W4", 1705, 1994),  # titles broken over two lines, a continuation line "LLM"
    ("2024-09-W3", 1705, 1897),  # an entry without a link
    ("2024-07-W5", 1076, 1351),  # continuation lines "1) …" inside a bullet
])
def test_real_weeks_render_exactly(imported, env, ident, month_line, summary_line):
    config, issues = imported
    end = SEED.index("</details>", summary_line)
    expected = HEADER + [SEED[month_line - 1]] + seed_lines(summary_line - 1, end + 1)
    assert rendered(digest([(ident, issues[ident])], config, env)) == expected


def _issue(day: str, title: str = "T", **kw) -> Issue:
    return Issue(date=dt.date.fromisoformat(day), entries=[Entry(type="paper", title=title, url="https://arxiv.org/abs/1", **kw)])


def test_newest_first_order(env):
    config = Config(digest=DigestConfig(order="newest-first"))
    text = digest([("2024-02-W1", _issue("2024-02-01")), ("2024-09-W3", _issue("2024-09-15")),
                   ("2025-01-W1", _issue("2025-01-02")), ("2024-09-W1", _issue("2024-09-01"))], config, env)
    heads = [line for line in text.split("\n") if line.startswith(("#", "  <summary>"))]
    assert heads == ["# 2025", "## 🙇🏻 January", "  <summary>1st week</summary>", "# 2024", "## 🙇🏻 September",
                     "  <summary>3rd week</summary>", "  <summary>1st week</summary>", "## ☃ February", "  <summary>1st week</summary>"]
    assert "</details>\n\n\n# 2024\n" in text


def test_korean_labels(env):
    config = Config(language="ko")
    text = digest([("2024-02-W3", _issue("2024-02-15"))], config, env)
    assert "\n## ☃ 2월\n<details>\n  <summary>3주차</summary>\n\n- 📜 [T](https://arxiv.org/abs/1)\n</details>\n" in text


def test_entry_line_parts_and_nested_summary(env):
    entry = Entry(type="dev", org=["Google", "DeepMind"], icon="🧞", title="Genie", url="https://x.dev/g", note="(Nature)",
                  summary=["one", Bullet(text="two", items=["deep\n→ continued"])], raw="<!-- kept -->")
    issue = Issue(date=dt.date(2024, 2, 29), entries=[entry, Entry(type="news", title="https://t.co/a", url="https://t.co/a")])
    text = digest([("2024-02-W5", issue)], Config(), env)
    assert ("- 🧑🏻\u200d💻 [Google, DeepMind] 🧞 [Genie](https://x.dev/g) (Nature)\n    - one\n    - two\n"
            "        - deep\n        → continued\n<!-- kept -->\n- 🗞️ https://t.co/a\n") in text


HOSTILE = [
    "Nice\n</details>\n# escaped heading",
    "Nice\n\n- not an entry\n```\ncode",
    "Inline </details> and <summary>x</summary> and <!-- comment",
    "Rule\n---\n1. list\n> quote",
]


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_text_cannot_leave_the_list(env, title):
    issue = _issue("2024-09-15", title=title, note="(ok)\n</details>", summary=[f"bullet {title}"], org=["A\n</details>"])
    issue.label = "3rd <b>week</b>"
    text = digest([("2024-09-W3", issue)], Config(), env)
    md = MarkdownIt("commonmark")
    top = [(t.type, t.content.strip()) for t in md.parse(text) if t.level == 0 and t.type != "paragraph_open"]
    # after the header, exactly: <details>, one list, </details>
    assert top[-4:] == [("html_block", "<details>\n  <summary>3rd &lt;b&gt;week&lt;/b&gt;</summary>"),
                        ("bullet_list_open", ""), ("bullet_list_close", ""), ("html_block", "</details>")]
    assert top[-5] == ("heading_close", "")
    assert md.render(text).count("</details>") == 1


def test_ordinary_text_is_not_mangled(env):
    title = "Tags <RET> & <BOI>, p<0.05, 1) one [x] *emph* `code`"
    text = digest([("2024-09-W3", _issue("2024-09-15", title=title))], Config(), env)
    assert f"[{title}](https://arxiv.org/abs/1)" in text


def test_issue_page_archive_layout_with_intro_and_raw(env):
    issue = _issue("2024-09-15", summary=["s"])
    issue.title, issue.intro, issue.raw = "Week 38", "Hello **world**.\n\n- an intro list", "kept as is"
    assert issue_page("2024-09-W3", issue, Config(), env) == (
        "# Week 38\n\nHello **world**.\n\n- an intro list\n\n- 📜 [T](https://arxiv.org/abs/1)\n    - s\n\nkept as is\n"
    )
    issue.title = None
    assert issue_page("2024-09-W3", issue, Config(), env).startswith("# September 3rd week\n")


def test_layout_precedence(env):
    issue = _issue("2024-09-15")
    issue.layout = "daily"
    config = Config(digest=DigestConfig(layout="post"))
    assert issue_page("x", issue, config, env).startswith("## ")
    assert issue_page("x", issue, config, env, layout="archive").startswith("# ")
    issue.layout = None
    assert issue_page("x", issue, config, env).startswith("---\ntitle:")


def test_longform_issue_keeps_the_essay_verbatim(env):
    text = (SEEDS / "longform.md").read_text(encoding="utf-8")
    essay, papers = text.split("\n## 5.", 1)
    entries = [Entry(type="paper", title=line.split("**")[1], url=line.rsplit(" ", 1)[1])
               for line in papers.split("\n") if line.startswith("**") and "https://" in line]
    issue = Issue(date=dt.date(2024, 7, 1), title="Instruction finetuning", intro=essay, entries=entries)
    page = issue_page("2024-07-W1", issue, Config(), env)
    assert page.startswith("# Instruction finetuning\n\n" + essay.rstrip() + "\n\n- 📜 [")
    assert len(entries) > 30 and page.count("\n- 📜 [") == len(entries)


def test_post_layout_of_one_issue(env):
    config = Config(language="ko", author="Editor")
    issue = _issue("2023-12-22", summary=["요약"])
    issue.published = dt.datetime(2024, 1, 5, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert post([("2023-12-W4", issue)], config, env) == (
        "---\ntitle: 12월 4주차\nauthor:\n  - Editor\ndate: 2024-01-05T10:00:00.000Z\ndraft: false\n---\n\n# 12월 4주차\n\n"
        "## Abstract\n\n### 12월 4주차\n\n- [**`T`**](https://arxiv.org/abs/1) : 요약\n"
    )


@pytest.mark.parametrize(("line", "words"), [
    ("**SCoRe**: [자기교정](https://arxiv.org/abs/2409.12917) with `RL`", "SCoRe: 자기교정 with RL"),
    ("<https://example.com/a_b> and \\*not emphasis\\*", "https://example.com/a_b and *not emphasis*"),
    # lines a Markdown reader takes for a block, not a paragraph: read the same way on their own
    ("    [indented](https://e.com) code", ""),
    (" \t<https://e.com>", ""),
    ("```[fence](https://e.com)", ""),
    ("[label]: https://e.com", ""),
    ("_ _ _", ""),
    ("- [item](https://e.com) *one*", "item one"),
])
def test_plain_text_reads_a_line_as_markdown_does(line, words):
    """The search index's and the inbox preview's words: no markup and no link targets."""
    assert plain_text(line) == words
