"""Hostile text in every field: the email and feeds carry no active content, templates never evaluate
user text, and the Markdown digest keeps its structure."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from markdown_it import MarkdownIt

from hostile import assert_graceful, assert_reported, run, write_project

ISSUE = "issues/2024/2024-02-W5.yaml"
PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)><svg onload=alert(1)>',
    "javascript-link": "<a href='javascript:alert(1)'>x</a> [md](javascript:alert(1)) <javascript:alert(1)>",
    "data-link": "![i](data:text/html;base64,PHNjcmlwdD4=) [d](DATA:text/html,x) <iframe src=data:x>",
    "jinja": "{{ 7*7 }}X {% for x in [1, 2] %}LOOP{% endfor %} {# gone #} ${7*7}",
    "cdata": "]]></content:encoded><script>x</script><![CDATA[",
    "entities": "&lt;script&gt; &amp;lt; &#x3C;script&#x3E; &nbsp;",
    "markdown": "`tick` ``` ~~~ | a | b | *x* _y_ [ref]: http://x > quote # hash",
    "bidi": "\u202eevil\u202c \u200b\u200c\u200d\u2060\ufeff \u2066iso\u2069",
    "emoji": "👨‍👩‍👧‍👦 🏳️‍🌈 🇰🇷 👍🏽 1️⃣ 🧑🏻‍💻 ☃︎ 🫠 \U0001F9D1\u200d\U0001F91D\u200d\U0001F9D1",
    "html-comment": "<!-- x --> <style>body{}</style> <form action=x><button formaction=javascript:x>",
}
# one line breaks the Markdown if a renderer puts it at the start of a line as written
BLOCK_BREAKERS = "</details>\n\n## heading\n<details><summary>x</summary>\n\n- fake entry\n```\n"
URLS = ["https://arxiv.org/abs/2402.12354", "javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html;base64,PHNjcmlwdD4="]
TEXT_FIELDS = ("title", "note", "icon")
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "form", "base"}


def issue_text(payload: str, url: str, *, raw: bool = False, title: str | None = None) -> str:
    """A published issue with ``payload`` in every text field (``title`` in its own) and ``url`` in the second entry."""
    p = json.dumps(payload, ensure_ascii=False)
    fields = ["org", "authors", "tags"]
    entry = (
        "  - type: TYPE\n    url: URL\n    image: URL\n"
        + "".join(f"    {f}: [@P@]\n" for f in fields)
        + "".join(f"    {f}: @P@\n" for f in TEXT_FIELDS)
        + "    summary:\n      - @P@\n      - text: @P@\n        items: [@P@]\n"
        + ("    raw: @P@\n" if raw else "")
    )
    heading = json.dumps(payload if title is None else title, ensure_ascii=False)
    head = f"date: 2024-02-29\npublished: 2024-03-01T09:00:00+09:00\ntitle: {heading}\nlabel: @P@\nintro: @P@\nentries:\n"
    entries = entry.replace("TYPE", "paper").replace("URL", json.dumps(URLS[0])) + entry.replace("TYPE", "dev").replace("URL", json.dumps(url))
    return (head + entries).replace("@P@", p)


class ActiveContent(HTMLParser):
    """Collects every tag, event handler and script URL that would run in a mail client or feed reader."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in ("href", "src", "action", "formaction", "background", "srcset") and value is not None:
                if re.match(r"(javascript|data|vbscript):", re.sub(r"[\s\x00-\x1f]", "", value), re.I):
                    self.found.append(f"{tag} {name}={value}")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def feed_html(path: Path) -> list[str]:
    """The HTML each feed item carries, as the XML holds it (feedparser would sanitise it first)."""
    return [el.text or "" for el in ET.parse(path).iter() if el.tag.rsplit("}", 1)[-1] in ("description", "encoded", "content", "summary")]


def build(root: Path, text: str, *args: str) -> None:
    write_project(root, {ISSUE: text})
    result = run(root, "build", *args)
    assert_graceful(result)
    assert result.status == 0, result.text


def assert_email_inert(dist: Path) -> None:
    for page in sorted((dist / "email").glob("*.html")):
        assert active_content(page.read_text(encoding="utf-8")) == [], page.name


def assert_feeds_inert(dist: Path) -> None:
    """Both feeds parse cleanly, hold the one published issue, and carry no active content."""
    for name in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse((dist / name).read_bytes())
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert len(parsed.entries) == 1
        for html in feed_html(dist / name):
            assert active_content(html) == [], name


def outputs(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted((root / "dist").rglob("*")) if p.is_file())


@pytest.mark.parametrize("url", URLS, ids=["https", "javascript", "javascript-mixed-case", "data"])
@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_email_carries_no_active_content(tmp_path: Path, payload: str, url: str) -> None:
    build(tmp_path, issue_text(payload, url, raw=True))
    assert_email_inert(tmp_path / "dist")


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_feeds_parse_and_carry_no_active_content(tmp_path: Path, payload: str) -> None:
    build(tmp_path, issue_text(payload, URLS[1], raw=True))
    assert_feeds_inert(tmp_path / "dist")


def test_unparsable_url_builds(tmp_path: Path) -> None:
    build(tmp_path, issue_text("x", "http://[::1"))
    assert_email_inert(tmp_path / "dist")


@pytest.mark.parametrize("layout", ["archive", "post", "daily"])
def test_template_syntax_in_user_text_is_never_evaluated(tmp_path: Path, layout: str) -> None:
    build(tmp_path, issue_text(PAYLOADS["jinja"], URLS[0], raw=True), "--layout", layout)
    text = outputs(tmp_path)
    assert "49X" not in text and "LOOPLOOP" not in text
    assert "7*7" in text and "gone" in text


def assert_one_list_per_week(digest: str, entries: int) -> None:
    """Parsed as CommonMark, the digest's one ``<details>`` holds one list of ``entries`` items and no other block."""
    tokens = MarkdownIt("commonmark").parse(digest)
    opens = [i for i, t in enumerate(tokens) if t.type == "html_block" and t.content.startswith("<details>")]
    closes = [i for i, t in enumerate(tokens) if t.type == "html_block" and t.content.startswith("</details>")]
    assert len(opens) == len(closes) == 1, (opens, closes)
    inside = tokens[opens[0] + 1 : closes[0]]
    assert [t.type for t in inside if t.level == 0] == ["bullet_list_open", "bullet_list_close"]
    assert sum(t.type == "list_item_open" and t.level == 1 for t in inside) == entries
    assert {t.type for t in inside} & {"heading_open", "fence", "code_block", "html_block", "hr", "blockquote_open"} == set()


@pytest.mark.parametrize("payload", [*PAYLOADS.values(), BLOCK_BREAKERS.replace("\n", " ")], ids=[*PAYLOADS, "breakers"])
def test_user_text_cannot_break_out_of_the_digest_list(tmp_path: Path, payload: str) -> None:
    build(tmp_path, issue_text(payload, URLS[0]))
    assert_one_list_per_week((tmp_path / "dist" / "digest.md").read_text(encoding="utf-8"), 2)


def test_line_breaks_in_text_stay_inside_the_digest_list(tmp_path: Path) -> None:
    build(tmp_path, issue_text(BLOCK_BREAKERS, URLS[0], title="x"))
    assert_one_list_per_week((tmp_path / "dist" / "digest.md").read_text(encoding="utf-8"), 2)


def test_line_break_in_the_title_is_reported_at_the_issue_or_folded(tmp_path: Path) -> None:
    text = issue_text("x", URLS[0], title=BLOCK_BREAKERS)
    write_project(tmp_path, {ISSUE: text})
    result = run(tmp_path, "build")
    assert_reported(result, Path(ISSUE).name, text, required=result.status != 0)
