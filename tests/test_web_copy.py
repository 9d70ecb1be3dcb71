"""What feed readers and web visitors get of a published issue: plain-text summaries, no placeholders."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import feedparser
import pytest

from checkutil import make_project
from newsletter.cli import main
from test_email_reader import INTRO

PUBLISHED = f"""date: 2024-09-08
published: 2024-09-13T09:00:00+09:00
intro: |
{chr(10).join("  " + line for line in INTRO.splitlines())}
entries:
  - type: dev
    title: paper-qa
    url: https://github.com/Future-House/paper-qa
"""


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A project with the email service's placeholder for unsubscribe links, built."""
    make_project(tmp_path, {"issues/2024/2024-09-W2.yaml": PUBLISHED},
                 'title = "AI 위클리"\nlanguage = "ko"\nbase_url = "https://weekly.example.org/"\n'
                 '[email]\nunsubscribe_url = "{{unsubscribe_url}}"\nlist_unsubscribe = "<https://weekly.example.org/unsubscribe>"\n')
    assert main(["-C", str(tmp_path), "build"]) == 0
    return tmp_path / "dist"


def test_the_rss_description_is_plain_text(built):
    item = feedparser.parse((built / "feed.xml").read_bytes()).entries[0]
    assert item.summary.startswith("이번 주는 DeepSeek-R1 이 화제였습니다. 자세한 내용은 공식 블로그 참고.")
    assert "**" not in item.summary and "](" not in item.summary


def test_no_web_page_holds_an_unfilled_placeholder_but_the_message_does(built):
    pages = list(built.rglob("*.html"))
    assert pages and not [p for p in pages if "{{" in p.read_text(encoding="utf-8")]
    assert 'href="https://weekly.example.org/unsubscribe"' in (built / "email/2024-09-W2.html").read_text(encoding="utf-8")
    message = email.message_from_bytes((built / "email/2024-09-W2.eml").read_bytes(), policy=policy.default)
    assert "{{unsubscribe_url}}" in message.get_body(("html",)).get_content()  # the email service fills it per recipient
