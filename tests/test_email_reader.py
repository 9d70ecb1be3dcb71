"""The email and the feeds as readers see them: in Chromium at desktop and phone widths and in dark mode,
in the inbox preview and the feed reader's summary, and as a page on the web."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.config import Config
from newsletter.model import Entry, Issue
from newsletter.render.email import email_html
from newsletter.render.html import issue_context, preheader
from newsletter.render.templates import environment

KO = Config(title="AI 위클리", language="ko", label_language="en", base_url="https://weekly.example.org/")
INTRO = "이번 주는 **DeepSeek-R1** 이 화제였습니다. 자세한 내용은 [공식 블로그](https://api-docs.deepseek.com/news) 참고.\n\n- `GRPO` 로 학습"
ISSUE = Issue(
    date=dt.date(2024, 9, 8),
    intro=INTRO,
    entries=[
        Entry(type="paper", org=["Google DeepMind"], title="Building Math Agents", url="https://arxiv.org/abs/2409.02392",
              summary=["multi-turn DPO와 `KPO` 제안", "[논문 링크](https://arxiv.org/pdf/2409.02392) 🔗"]),
        Entry(type="dev", title="paper-qa", url="https://github.com/Future-House/paper-qa", summary=["`pip install paper-qa`"]),
        Entry(type="news", title="OpenAI o1", url="https://openai.com/index/learning-to-reason-with-llms/"),
    ],
)


def render(config: Config = KO, issue: Issue = ISSUE) -> str:
    return email_html(environment(None), issue_context("2024-09-W2", issue, config))


STYLE = """(el) => { const s = getComputedStyle(el);
  return {color: s.color, weight: s.fontWeight, decoration: s.textDecorationLine, size: parseFloat(s.fontSize)}; }"""


@pytest.fixture(scope="module", params=["desktop", "phone", "dark"])
def page(browser, tmp_path_factory, request):
    """The Korean email opened in Chromium at 1280 px, at 375 px, and at 375 px in dark mode."""
    path = tmp_path_factory.mktemp("email") / "email.html"
    path.write_text(render(), encoding="utf-8")
    width = 1280 if request.param == "desktop" else 375
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme="dark" if request.param == "dark" else "light")
    page.goto(path.as_uri())
    yield page
    page.close()


def test_the_masthead_is_the_newsletters_name_in_large_type(page):
    masthead = page.get_by_text("AI 위클리", exact=True)
    style, body = masthead.evaluate(STYLE), page.locator("li").first.evaluate(STYLE)
    assert style["size"] >= 20 and style["weight"] in ("700", "800", "900")
    assert style["color"] == page.locator("h1").evaluate(STYLE)["color"]  # as strong as the headline, not grey
    assert body["size"] < style["size"]


def test_sections_have_korean_headings_and_the_date_is_written_in_korean(page):
    assert page.locator("h2").all_inner_texts() == ["📜 논문", "🧑🏻‍💻 개발", "🗞️ 뉴스"]
    assert page.get_by_text("2024년 9월 8일", exact=True).count() == 1


def test_summary_links_look_like_title_links(page):
    title = page.locator("a", has_text="Building Math Agents").evaluate(STYLE)
    summary = page.locator("a", has_text="논문 링크").evaluate(STYLE)
    intro = page.locator("a", has_text="공식 블로그").evaluate(STYLE)
    keys = ("color", "weight", "decoration")
    assert [summary[k] for k in keys] == [title[k] for k in keys] == [intro[k] for k in keys]


def test_inline_code_is_not_larger_than_the_text_around_it(page):
    codes = page.locator("code").all()
    assert len(codes) == 3
    for code in codes:
        around = code.evaluate("el => parseFloat(getComputedStyle(el.parentElement).fontSize)")
        # a monospace face at the text's own size looks a size larger than the text: it must be set smaller
        assert code.evaluate(STYLE)["size"] <= 0.9 * around


def test_english_newsletters_keep_their_labels_and_a_configured_heading_wins():
    en = render(Config(title="AI Weekly", base_url="https://weekly.example.org/"))
    assert "📜 Paper link" in en and "September 8, 2024" in en
    mine = Config(title="AI 위클리", language="ko", types={"paper": {"emoji": "📜", "label": "Paper link", "heading": "읽을 논문"},
                                                          "dev": {"emoji": "🧑🏻‍💻", "label": "Dev"}, "news": {"emoji": "🗞️", "label": "News"}})
    html = render(mine)
    assert "📜 읽을 논문" in html and "🗞️ 뉴스" in html


def test_the_inbox_preview_is_plain_text():
    text = preheader(ISSUE)
    assert text == "이번 주는 DeepSeek-R1 이 화제였습니다. 자세한 내용은 공식 블로그 참고. GRPO 로 학습"
    assert f">{text}" in render()
