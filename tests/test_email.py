"""The HTML email and the .eml message: structure, escaping, size, headers."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy
from html.parser import HTMLParser

import pytest

from newsletter.config import Config
from newsletter.model import Bullet, Entry, Issue
from newsletter.render.email import email_html, size_warning
from newsletter.render.eml import eml, message_id
from newsletter.render.html import issue_body, issue_context
from newsletter.render.templates import environment
from newsletter.render.text import email_text

CONFIG = Config(
    title="AI 위클리",
    base_url="https://weekly.example.com",
    language="ko",
    email={"from_address": "AI 위클리 <news@weekly.example.com>", "unsubscribe_url": "*|UNSUB|*",
           "list_unsubscribe": "<https://weekly.example.com/unsubscribe>"},
)
KST = dt.timezone(dt.timedelta(hours=9))


class Tree(HTMLParser):
    """Collects tags with attributes, and the text, of an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


def sample(**changes) -> Issue:
    issue = Issue(
        date=dt.date(2024, 2, 29),
        label="5th week",
        intro="이번 주는 **LoRA+** 와 [Genie](https://example.org/genie) 소식입니다. <b>굵게</b>",
        entries=[
            Entry(type="paper", org=["UC Berkeley", "MIT"], title="LoRA+: Efficient Low Rank Adaptation",
                  url="https://arxiv.org/abs/2402.12354", note="(ICML 2024)",
                  summary=["성능 **1~2%** 개선, `lr` 비율 조정 [코드](https://github.com/x/y)",
                           Bullet(text="중첩 항목", items=["더 깊은 <i>항목</i>"])]),
            Entry(type="dev", icon="🧞", title="<script>alert(1)</script>", url="https://example.com/genie",
                  image="https://example.com/g.png"),
            Entry(type="news", title="Bad link", url="javascript:alert(1)"),
        ],
    )
    return issue.model_copy(update=changes)


def render(issue: Issue, config: Config = CONFIG) -> str:
    env = environment(None)
    return email_html(env, issue_context("2024-02-W5", issue, config))


@pytest.fixture(scope="module")
def html() -> str:
    return render(sample())


def test_document_is_self_contained_html_with_language_and_dark_mode(html):
    tree = Tree(html)
    assert tree.find("html")[0]["lang"] == "ko"
    assert not tree.find("script")
    assert not [a for a in tree.find("link") if a.get("rel") == "stylesheet"]
    assert "@import" not in html
    assert {"name": "color-scheme", "content": "light dark"} in tree.find("meta")
    assert "prefers-color-scheme: dark" in html
    assert any(a.get("name") == "viewport" for a in tree.find("meta"))


def test_title_preheader_and_footer_links(html):
    tree = Tree(html)
    text = "".join(tree.text)
    assert "<title>2024년 2월 5th week</title>" in html
    assert "이번 주는 LoRA+ 와 Genie 소식입니다." in text  # the hidden preheader
    hrefs = [a["href"] for a in tree.find("a")]
    assert "https://weekly.example.com/" in hrefs
    assert "https://weekly.example.com/feed.xml" in hrefs
    assert "*|UNSUB|*" in hrefs
    assert "수신 거부" in text


def test_entries_grouped_by_type_with_org_icon_note_and_nested_bullets(html):
    text = " ".join("".join(Tree(html).text).split())
    for label in ("📜 논문", "🧑🏻‍💻 개발", "🗞️ 뉴스"):  # a Korean newsletter's default headings
        assert label in text
    assert text.index("📜 논문") < text.index("[UC Berkeley, MIT]") < text.index("🗞️ 뉴스")
    assert "(ICML 2024)" in text and "🧞" in text
    assert re.search(r"<li[^>]*>중첩 항목<ul[^>]*>\s*<li[^>]*>더 깊은 &lt;i&gt;항목&lt;/i&gt;</li>", html)


def test_markdown_is_rendered_and_user_html_is_escaped(html):
    assert "<strong>1~2%</strong>" in html and re.search(r"<code style=\"[^\"]*\">lr</code>", html)
    assert re.search(r'<a style="[^"]*" href="https://github.com/x/y">코드</a>', html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;굵게&lt;/b&gt;" in html
    assert "<script" not in html.lower()
    assert "javascript:" not in html
    assert "<strong" in html.split("Bad link")[0][-200:]


def test_a_title_without_a_usable_link_is_not_styled_as_one(html):
    strong = re.search(r"<strong([^>]*)>Bad link</strong>", html)
    assert strong and "underline" not in strong[1]
    assert re.search(r'<a [^>]*style="[^"]*underline[^"]*"[^>]*>LoRA\+', html)


def test_images_have_alt_text(html):
    images = Tree(html).find("img")
    assert images and all(img.get("alt") for img in images)


def test_styles_are_inline(html):
    body = html.split("<body", 1)[1]
    assert 'style="' in body and "class=\"nl-entry\" style=" in body
    assert "<style" not in body


def test_feed_body_is_the_email_content_without_styles():
    env = environment(None)
    context = issue_context("2024-02-W5", sample(), CONFIG)
    body = issue_body(env, context)
    assert "style=" not in body and "<script" not in body
    unstyled = [(tag, {k: v for k, v in attrs.items() if k != "style"}) for tag, attrs in Tree(email_html(env, context)).tags]
    fragment = Tree(body).tags
    start = unstyled.index(fragment[0])
    assert unstyled[start : start + len(fragment)] == fragment


def forty_entries() -> Issue:
    summary = ["기존 LoRA가 suboptimal하다는 문제점을 지적하며 성능을 1~2% 개선함과 동시에 속도는 최대 2배까지 향상시킨 adaptation 기법을 제시"] * 2
    entries = [Entry(type=("paper", "dev", "news")[i % 3], org=["Google DeepMind"], title=f"A fairly long paper title about large language models number {i}",
                     url=f"https://arxiv.org/abs/2402.{10000 + i}", summary=summary) for i in range(40)]
    return sample(entries=entries, intro="이번 주 소식입니다. " * 20)


def test_forty_entry_week_stays_under_gmail_clipping():
    html = render(forty_entries())
    assert len(html.encode()) < 102 * 1024
    assert size_warning("2024-02-W5", html, CONFIG) is None


def test_size_warning_names_the_issue():
    config = CONFIG.model_copy(update={"email": CONFIG.email.model_copy(update={"size_warning_kb": 5})})
    warning = size_warning("2024-02-W5", render(sample(), config), config)
    assert warning and "2024-02-W5" in warning and "5 KB" in warning


def test_an_invalid_project_template_is_a_newsletter_error(tmp_path):
    from newsletter.errors import NewsletterError

    (tmp_path / "email.mjml.j2").write_text("<mjml><mj-body>{{ heading }}", encoding="utf-8")
    with pytest.raises(NewsletterError) as e:
        email_html(environment(tmp_path), issue_context("2024-02-W5", sample(), CONFIG))
    assert "email.mjml.j2" in str(e.value)


def message(issue: Issue) -> email.message.EmailMessage:
    env = environment(None)
    context = issue_context("2024-02-W5", issue, CONFIG)
    data = eml("2024-02-W5", issue, CONFIG, context["heading"], email_text(env, context), email_html(env, context))
    return email.message_from_bytes(data, policy=policy.default)


def test_eml_is_multipart_alternative_with_decoded_headers():
    msg = message(sample(title="이번 주 AI: LoRA+ & Genie"))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Subject"] == "이번 주 AI: LoRA+ & Genie"
    assert msg["From"].addresses[0].display_name == "AI 위클리"
    assert msg["Message-ID"] == "<2024-02-W5@weekly.example.com>" == message_id("2024-02-W5", CONFIG)
    assert msg["List-Unsubscribe"] == "<https://weekly.example.com/unsubscribe>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "LoRA+" in msg.get_body(("plain",)).get_content()
    assert "<mj-" not in msg.get_body(("html",)).get_content()


def test_eml_date_is_the_publish_time_else_the_issue_date_in_the_configured_zone():
    assert message(sample())["Date"] == "Thu, 29 Feb 2024 00:00:00 +0900"
    published = dt.datetime(2024, 3, 1, 9, 30, tzinfo=KST)
    assert message(sample(published=published))["Date"].datetime == published


def test_eml_is_byte_identical_across_renders():
    env = environment(None)
    context = issue_context("2024-02-W5", sample(), CONFIG)
    parts = ("2024-02-W5", sample(), CONFIG, "s", email_text(env, context), email_html(env, context))
    first = eml(*parts)
    assert first == eml(*parts)
    assert b"\r\n" in first and not re.search(rb"[^\r]\n", first)


def test_eml_lines_fit_in_78_columns_whatever_the_html():
    data = eml("2024-02-W5", sample(), CONFIG, "s", "한국어 " * 200, "<p>" + "x" * 5000 + "</p>")
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    msg = email.message_from_bytes(data, policy=policy.default)
    assert msg.get_body(("html",)).get_content() == "<p>" + "x" * 5000 + "</p>\r\n" and not msg.defects


def test_eml_without_list_unsubscribe_omits_both_headers():
    config = CONFIG.model_copy(update={"email": CONFIG.email.model_copy(update={"list_unsubscribe": ""})})
    data = eml("2024-02-W5", sample(), config, "s", "t", "<p>h</p>")
    msg = email.message_from_bytes(data, policy=policy.default)
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None
