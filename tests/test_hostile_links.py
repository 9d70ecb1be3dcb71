"""Hostile links in every field of an issue: the Markdown outputs link only what ``check`` accepts, and text
lands escaped for the format it is written into (Markdown line, heading, front matter)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from hostile import assert_graceful, located, run, write_project
from newsletter.urls import is_web_link
from test_hostile_content import active_content

ISSUE = "issues/2024/2024-02-W5.yaml"
GOOD = "https://arxiv.org/abs/2402.12354"
# each one, in any text field, must not become an active link, script or link the gate refuses
LINKS = {
    "url-breakout": f"{GOOD})[click](javascript:alert(1))",
    "nested-link": "[[Release notes](javascript:alert(1))](https://example.com/)",
    "autolink": "<javascript:alert(2)>",
    "autolink-data": "<data:text/html;base64,PHNjcmlwdD4=>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-good-src-handler": f'<img src="{GOOD}" onload="alert(1)">',
    "anchor": "<a href='javascript:alert(1)'>x</a>",
    "entity-scheme": "[x](javascript&#58;alert(1))",
    "entity-scheme-html": '<a href="&#106;avascript:alert(1)">x</a>',
    "vbscript": "[x](vbscript:msgbox(1))",
    "file": "[x](file:///etc/passwd)",
    "reference": "[x][r]\n[r]: javascript:alert(3)",
    "reference-alone": "[r]: javascript:alert(3)",
    "reference-shortcut": "[r]\n\n[r]: data:text/html,x",
    "image-data": "![i](data:image/svg+xml;base64,PHN2Zz4=)",
    "userinfo": "[x](https://user:pass@evil.example/)",
    "backslash": "[x](https://evil.example\\@github.com/)",
    "bidi": "[x](https://example.com/\u202egpj.exe)",
    "escaped-backslash": "\\\\[x](javascript:alert(1))",
    "html-block": "<div>\n\\<script>alert(1)</script>\n</div>",
    "svg": "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    "comment-breakout": "<!-- x --><script>alert(1)</script>",
    "style": "<style>body{background:url(javascript:alert(1))}</style>",
}
TEXT_FIELDS = ("title", "note", "icon", "section")
LIST_FIELDS = ("org", "authors", "tags")
# the texts `import` keeps so that `build` writes the archive as it was: written verbatim, so gated like the rest
ISSUE_STYLE_TEXTS = ("month", "separator")
ISSUE_STYLE_LINES = ("before", "after_year", "after_month", "open", "close")
ENTRY_STYLE_TEXTS = ("separator", "byline")


def issue_style(payload: str) -> str:
    p = json.dumps(payload, ensure_ascii=False)
    return ("style:\n" + "".join(f"  {k}: {p}\n" for k in ISSUE_STYLE_TEXTS) + f"  emoji: {{paper: {p}}}\n"
            + "".join(f"  {k}: [{p}]\n" for k in ISSUE_STYLE_LINES))


def entry(payload: str, url: str = GOOD) -> str:
    p = json.dumps(payload, ensure_ascii=False)
    return (
        f"  - type: paper\n    url: {json.dumps(url)}\n    image: {p}\n"
        + "".join(f"    {f}: {p}\n" for f in TEXT_FIELDS)
        + "".join(f"    {f}: [{p}]\n" for f in LIST_FIELDS)
        + f"    summary:\n      - {p}\n      - text: {p}\n        items: [{p}]\n    raw: {p}\n"
        + "    style:\n" + "".join(f"      {k}: {p}\n" for k in ENTRY_STYLE_TEXTS)
    )


def issue_text(payload: str, url: str = GOOD) -> str:
    p = json.dumps(payload, ensure_ascii=False)
    head = f"date: 2024-02-29\npublished: 2024-03-01T09:00:00+09:00\ntitle: {p}\nlabel: {p}\nintro: {p}\nraw: {p}\n{issue_style(payload)}entries:\n"
    return head + entry(payload) + entry("x", url)


def _parser() -> MarkdownIt:
    """CommonMark with raw HTML, linking everything as written: what the most permissive renderer shows."""
    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True
    md.normalizeLink = lambda url: url
    return md


def rendered_links(markdown: str) -> list[str]:
    """Every link and image URL a CommonMark renderer makes of ``markdown``."""
    found = []
    for token in _parser().parse(markdown):
        for child in token.children or ():
            if child.type == "link_open":
                found.append(str(child.attrs["href"]))
            elif child.type == "image":
                found.append(str(child.attrs["src"]))
    return found


def acceptable(url: str) -> bool:
    """A link the gate accepts, or an image path on the site itself (no scheme, no other host)."""
    return is_web_link(url) or (":" not in url.split("/", 1)[0] and not url.startswith("//") and "\\" not in url)


def body(path: Path) -> str:
    """A Markdown output without its YAML front matter."""
    text = path.read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1] if text.startswith("---\n") else text


def markdown_outputs(root: Path) -> list[Path]:
    return [root / "dist" / "digest.md", *sorted((root / "dist" / "issues").glob("*.md"))]


def build(root: Path, text: str, *args: str, toml: str = "") -> None:
    write_project(root, {ISSUE: text}, toml)
    result = run(root, "build", *args)
    assert_graceful(result)
    assert result.status == 0, result.text


@pytest.mark.parametrize("layout", ["archive", "post", "daily", "longform"])
@pytest.mark.parametrize("payload", LINKS.values(), ids=LINKS.keys())
def test_markdown_outputs_link_only_what_the_gate_accepts(tmp_path: Path, payload: str, layout: str) -> None:
    build(tmp_path, f"layout: {layout}\n" + issue_text(payload, url=payload))
    for path in markdown_outputs(tmp_path):
        markdown = body(path)
        assert [u for u in rendered_links(markdown) if not acceptable(u)] == [], path.name
        assert active_content(_parser().render(markdown)) == [], path.name


@pytest.mark.parametrize("payload", LINKS.values(), ids=LINKS.keys())
def test_the_digest_header_and_footer_are_gated(tmp_path: Path, payload: str) -> None:
    """newsletter.toml's header and footer are written verbatim, through the same gate."""
    p = json.dumps(payload, ensure_ascii=False)
    build(tmp_path, f"date: 2024-02-29\nentries:\n{entry('x')}", toml=f"[digest]\nheader = {p}\nfooter = {p}\n")
    markdown = (tmp_path / "dist" / "digest.md").read_text(encoding="utf-8")
    assert [u for u in rendered_links(markdown) if not acceptable(u)] == []
    assert active_content(_parser().render(markdown)) == []


ENTRY_PLACES = {"summary": "    summary:\n      - {p}\n", "note": "    note: {p}\n", "raw": "    raw: {p}\n", **{f"style.{k}": f"    style:\n      {k}: {{p}}\n" for k in ENTRY_STYLE_TEXTS}}
ISSUE_PLACES = {"intro": "intro: {p}\n", **{f"style.{k}": f"style:\n  {k}: {{p}}\n" for k in ISSUE_STYLE_TEXTS},
                "style.emoji": "style:\n  emoji: {{paper: {p}}}\n",
                **{f"style.{k}": f"style:\n  {k}: [{{p}}]\n" for k in ISSUE_STYLE_LINES}}


@pytest.mark.parametrize("payload", LINKS.values(), ids=LINKS.keys())
def test_check_reports_every_link_the_build_refuses(tmp_path: Path, payload: str) -> None:
    """A link in any text written into the outputs (a summary, a note, the intro, raw Markdown, the texts `import`
    keeps verbatim) that the outputs would not carry is an error."""
    for field in [*ENTRY_PLACES, *(f"issue {k}" for k in ISSUE_PLACES)]:
        bullet = json.dumps(payload)
        where = ENTRY_PLACES.get(field, "").format(p=bullet)
        head = ISSUE_PLACES[field[6:]].format(p=bullet) if field.startswith("issue ") else ""
        text = f"date: 2024-02-29\n{head}entries:\n  - type: paper\n    title: T\n    url: {GOOD}\n{where}"
        write_project(tmp_path, {ISSUE: text})
        rendered = _parser().render(payload)
        if not active_content(rendered) and all(is_web_link(u) for u in rendered_links(payload)):
            continue  # nothing here is a link a renderer would make (e.g. text that only looks like one)
        result = run(tmp_path, "check", "--select", "link-invalid,link-private,html-active")
        assert_graceful(result)
        assert result.status == 1 and located(result).get(Path(ISSUE).name), (field, result.text)


HOSTILE_TITLES = [
    "[[Release notes](javascript:alert(1))](https://example.com/)",
    "a ] b [ c",
    "<javascript:alert(2)> and <https://example.com/>",
    "x <img src=x onerror=alert(1)> y",
    "&lt;b&gt; &amp; &#106;",
    "ends with a backslash \\",
    "[2024 오픈소스 [체험형] 멘티 모집]",
    "<Cookbook> Fine-tune Llama 3",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_each_digest_link_shows_its_title(tmp_path: Path, title: str) -> None:
    build(tmp_path, f"date: 2024-02-29\nentries:\n  - type: paper\n    title: {json.dumps(title)}\n    url: {GOOD}\n")
    tokens = _parser().parse((tmp_path / "dist" / "digest.md").read_text(encoding="utf-8"))
    links = []
    for token in tokens:
        children = token.children or []
        for i, child in enumerate(children):
            if child.type == "link_open":
                end = next(j for j in range(i, len(children)) if children[j].type == "link_close")
                links.append((child.attrs["href"], "".join(c.content for c in children[i + 1 : end] if c.type in ("text", "text_special", "html_inline"))))
    assert links == [(GOOD, title)]


BREAKOUT = "Weekly\npermalink: /index.html\nlayout: evil\n---\n# Owned"


@pytest.mark.parametrize("layout", ["archive", "post", "daily"])
def test_title_and_label_stay_on_their_heading_line_and_in_their_front_matter_value(tmp_path: Path, layout: str) -> None:
    text = f"date: 2024-02-29\ntitle: {json.dumps(BREAKOUT)}\nentries:\n  - type: paper\n    title: T\n    url: {GOOD}\n"
    build(tmp_path, text, "--layout", layout)
    page = (tmp_path / "dist" / "issues" / "2024-02-W5.md").read_text(encoding="utf-8")
    if layout == "post":
        front, rest = page.removeprefix("---\n").split("\n---\n", 1)
        meta = yaml.safe_load(front)
        assert set(meta) == {"title", "date", "draft"} and meta["title"] == BREAKOUT
        page = rest
    headings = [t for t in _parser().parse(page) if t.type == "heading_open"]
    assert len(headings) == {"post": 3, "daily": 2, "archive": 1}[layout]  # the post's Abstract and week, the daily entry
    assert "permalink" not in (tmp_path / "dist" / "digest.md").read_text(encoding="utf-8").split("<summary>")[0]


def test_label_with_breakout_builds_one_week_heading(tmp_path: Path) -> None:
    text = f"date: 2024-02-29\nlabel: {json.dumps(BREAKOUT)}\nentries:\n  - type: paper\n    title: T\n    url: {GOOD}\n"
    build(tmp_path, text, "--layout", "post")
    page = (tmp_path / "dist" / "issues" / "2024-02-W5.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(page.removeprefix("---\n").split("\n---\n", 1)[0])
    assert set(meta) == {"title", "date", "draft"}
    assert sum(t.type == "heading_open" for t in _parser().parse(page.split("\n---\n", 1)[1])) == 3


@pytest.mark.parametrize("setting", [
    'base_url = "javascript:alert(1)//"', 'base_url = "https://user:pw@evil.example/"', 'base_url = "https://[::1"',
    '[email]\nunsubscribe_url = "javascript:alert(1)"', '[email]\nunsubscribe_url = "data:text/html,x"',
    '[email]\nunsubscribe_url = ""', '[email]\nunsubscribe_url = "https://evil.example\\\\@ok.example/"',
])
def test_config_values_that_would_become_active_links_are_refused(tmp_path: Path, setting: str) -> None:
    write_project(tmp_path, {ISSUE: "date: 2024-02-29\nentries: []\n"}, setting + "\n")
    result = run(tmp_path, "build")
    assert_graceful(result)
    assert result.status == 1 and "newsletter.toml" in located(result), result.text


@pytest.mark.parametrize("url", ["https://evil.example\\@github.com/", "https://user:pass@github.com/", "https://github.com/\u202egnp.exe",
                                 "https://github.com/a\u200bb", "https://git\u00adhub.com/"])
def test_spoofed_links_are_errors_and_never_linked(tmp_path: Path, url: str) -> None:
    text = f"date: 2024-02-29\npublished: 2024-03-01T09:00:00+09:00\nentries:\n  - type: paper\n    title: T\n    url: {json.dumps(url)}\n"
    write_project(tmp_path, {ISSUE: text})
    result = run(tmp_path, "check", "--select", "link-invalid")
    assert_graceful(result)
    assert result.status == 1 and "link-invalid" in result.text, result.text
    build(tmp_path, text)
    for path in markdown_outputs(tmp_path):
        assert rendered_links(body(path)) == [], path.name
    assert "href" not in (tmp_path / "dist" / "email" / "2024-02-W5.html").read_text(encoding="utf-8").split("<body", 1)[1].split("unsubscribe")[0].split("T</")[0][-200:]
