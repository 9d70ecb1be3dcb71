"""RSS 2.0 and Atom feeds: well-formed, parsed without complaint, stable ids and times."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser

from newsletter.config import Config
from newsletter.model import Entry, Issue
from newsletter.render.feed import FeedItem, atom, guid, latest, rss

CONFIG = Config(title="AI 위클리", description="매주 AI 소식", base_url="https://weekly.example.com/", language="ko")
KST = dt.timezone(dt.timedelta(hours=9))
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def item(n: int, body: str = "<p>본문 &amp; <a href='https://x.org/?a=1&amp;b=2'>링크</a></p>") -> FeedItem:
    issue = Issue(date=dt.date(2024, 3, n), entries=[Entry(type="paper", title="T", url="https://arxiv.org/abs/1"),
                                                     Entry(type="news", title="N", url="https://n.org")])
    published = dt.datetime(2024, 3, n, 9, 0, tzinfo=KST)
    issue_id = f"2024-03-W{(n + 6) // 7}"
    types = tuple(dict.fromkeys(e.type for e in issue.entries))
    return FeedItem(issue_id, issue.date, published, published, f"Issue {n}", f"summary {n}", f"https://weekly.example.com/email/{issue_id}.html", body, types)


def parse(data: bytes) -> feedparser.FeedParserDict:
    ET.fromstring(data)  # well-formed XML
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def test_rss_items_newest_first_with_content_categories_and_dates():
    items = latest([item(1), item(15), item(8)], 20)
    data = rss(items, CONFIG)
    feed = parse(data)
    assert feed.version == "rss20"
    assert [e.title for e in feed.entries] == ["Issue 15", "Issue 8", "Issue 1"]
    first = feed.entries[0]
    assert first.id == guid("2024-03-W3", items[0].date, CONFIG) == "tag:weekly.example.com,2024:2024-03-W3"
    assert first.guidislink is False
    assert "<a href=\"https://x.org/?a=1&amp;b=2\">링크</a>" in first.content[0].value
    assert {t.term for t in first.tags} == {"Paper link", "News"}  # RSS carries the readable label
    channel = ET.fromstring(data).find("channel")
    assert channel.findtext("lastBuildDate") == "Fri, 15 Mar 2024 09:00:00 +0900"
    assert channel.findtext("item/pubDate") == "Fri, 15 Mar 2024 09:00:00 +0900"
    assert channel.findtext("language") == "ko"
    assert channel.findtext("link") == "https://weekly.example.com/"
    assert "본문" in channel.find("item").findtext(CONTENT)
    assert feed.feed.title == "AI 위클리" and feed.feed.subtitle == "매주 AI 소식"


def test_atom_has_ids_updated_content_and_self_link():
    data = atom(latest([item(1), item(8)], 20), CONFIG)
    feed = parse(data)
    assert feed.version == "atom10"
    assert feed.feed.updated == "2024-03-08T09:00:00+09:00"
    assert [e.id for e in feed.entries] == ["tag:weekly.example.com,2024:2024-03-W2", "tag:weekly.example.com,2024:2024-03-W1"]
    assert feed.entries[0].updated == "2024-03-08T09:00:00+09:00"
    assert feed.entries[0].content[0].type == "text/html" and "본문" in feed.entries[0].content[0].value
    assert any(link.rel == "self" and link.href == "https://weekly.example.com/atom.xml" for link in feed.feed.links)
    assert feed.feed.language == "ko"
    assert {t.term for t in feed.entries[0].tags} == {"paper", "news"}


def test_limit_keeps_the_most_recent():
    items = latest([item(n) for n in range(1, 29)], 3)
    assert [i.published.day for i in items] == [28, 27, 26]


def test_empty_archive_gives_valid_empty_feeds_with_a_fixed_time():
    for make in (rss, atom):
        data = make([], CONFIG)
        feed = parse(data)
        assert feed.entries == []
        assert data == make([], CONFIG)
        assert b"1970" in data


def test_feeds_are_byte_identical_on_rebuild():
    items = latest([item(1), item(8)], 20)
    assert rss(items, CONFIG) == rss(items, CONFIG)
    assert atom(items, CONFIG) == atom(items, CONFIG)


def test_body_with_markup_breaking_characters_stays_well_formed():
    body = "<p>]]&gt; &lt;script&gt; \u00a0 한국어</p>"
    for make in (rss, atom):
        feed = parse(make([item(1, body)], CONFIG))
        assert "한국어" in feed.entries[0].content[0].value
