"""The plain-text email: rendered from the model, wrapped by display width, links as footnotes."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from newsletter.config import Config
from newsletter.model import Bullet, Entry, Issue
from newsletter.render.html import issue_context
from newsletter.render.templates import environment
from newsletter.render.filters import WIDTH, display_width, wrap
from newsletter.render.text import Footnotes, email_text

CONFIG = Config(title="AI 위클리", base_url="https://weekly.example.com/", language="ko", label_language="en")


def text_of(issue: Issue) -> str:
    return email_text(environment(None), issue_context("2024-02-W5", issue, CONFIG))


def sample() -> Issue:
    return Issue(
        date=dt.date(2024, 2, 29),
        intro="이번 주에는 **LoRA+** 와 [Genie](https://example.org/genie) 소식이 있습니다.\n\n- 첫째 [a](https://a.example)\n- 둘째",
        entries=[
            Entry(type="paper", org=["UC Berkeley"], title="LoRA+: Efficient <Low> Rank Adaptation", url="https://arxiv.org/abs/2402.12354",
                  note="(ICML 2024)", summary=["성능 **1~2%** 개선, `lr` 비율 [코드](https://github.com/x/y)",
                                                Bullet(text="중첩", items=["더 깊은 항목 <https://auto.example/x>"])]),
            Entry(type="dev", icon="🧞", title="Genie", url="https://example.com/genie",
                  summary=["기존 LoRA가 suboptimal하다는 문제점을 지적하며 성능을 1~2% 개선함과 동시에 속도는 최대 2배까지 향상시킨 adaptation 기법을 제시"]),
        ],
    )


def test_plain_text_has_heading_groups_entries_and_footer():
    text = text_of(sample())
    assert text.startswith("AI 위클리\n\nFebruary 2024 · 5th week\n========================\n2024년 2월 29일\n")
    assert "📜 논문\n-------\n" in text
    assert "* [UC Berkeley] LoRA+: Efficient <Low> Rank Adaptation (ICML 2024)\n  https://arxiv.org/abs/2402.12354\n" in text
    assert "* 🧞 Genie\n" in text
    assert "수신 거부: {{unsubscribe_url}}" in text
    assert "https://weekly.example.com/feed.xml" in text
    assert "<strong>" not in text and "**" not in text


def test_links_in_text_become_numbered_footnotes_and_nesting_is_kept():
    text = text_of(sample())
    assert "LoRA+ 와 Genie [1] 소식이" in text
    assert "- 첫째 a [2]" in text
    assert "  - 성능 1~2% 개선, `lr` 비율 코드 [3]" in text
    assert "    - 더 깊은 항목 https://auto.example/x\n" in text
    assert text.index("[1] https://example.org/genie") < text.index("[3] https://github.com/x/y") < text.index("-- \n")


def test_long_korean_lines_wrap_by_display_width_with_hanging_indent():
    lines = text_of(sample()).splitlines()
    wrapped = [i for i, line in enumerate(lines) if line.startswith("  - 기존 LoRA")][0]
    assert display_width(lines[wrapped]) <= WIDTH
    assert lines[wrapped + 1].startswith("    ") and lines[wrapped + 1].strip()


def test_display_width_counts_hangul_and_emoji_as_two():
    assert display_width("abc") == 3
    assert display_width("한국어") == 6
    assert display_width("🧑🏻‍💻") == 4  # the joined pair; the skin tone and joiner take no room


def test_a_word_longer_than_the_width_keeps_a_line_of_its_own():
    url = "https://example.com/" + "x" * 100
    assert wrap(f"see {url} now", 20) == f"see\n{url}\nnow"


def test_footnotes_reuse_the_number_of_a_repeated_link():
    notes = Footnotes()
    assert notes.plain("[a](https://x.org) and [b](https://x.org)") == "a [1] and b [1]"
    assert notes.urls == ["https://x.org"]


@given(st.lists(st.text(alphabet="가나다라abc🧞", min_size=1, max_size=30), max_size=30), st.integers(10, 80))
def test_wrap_keeps_every_word_in_order_and_respects_the_width(words, width):
    out = wrap(" ".join(words), width, "  - ", "    ")
    assert out.split()[1:] == [w for w in " ".join(words).split()]
    for line in out.splitlines():
        assert display_width(line) <= width or len(line.split()) <= 2
