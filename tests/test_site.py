"""The web archive in dist/site: pages, links, browsing, incremental builds, and search in a real browser."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import pytest

from checkutil import make_project
from newsletter.cli import main

REPO = Path(__file__).resolve().parent.parent
TOML = """\
title = "AI 위클리"
description = "매주 AI 논문, 개발, 뉴스"
base_url = "https://weekly.example.com/archive/"
language = "ko"
[check.org_aliases]
"DeepMind" = "Google DeepMind"
"""
W1 = """\
date: 2023-02-22
published: 2023-02-23T09:00:00+09:00
entries:
  - type: dev
    org: Google DeepMind
    title: "Genie: Generative Interactive Environments"
    url: https://sites.google.com/view/genie-2024
    summary:
      - 비디오로부터 상호작용 가능한 환경을 만드는 세계 모델
"""
W2 = """\
date: 2024-09-16
published: 2024-09-20T09:00:00+09:00
entries:
  - type: paper
    org: [google deepmind, UCLA]
    title: Training Language Models to Self-Correct via Reinforcement Learning
    url: https://arxiv.org/abs/2409.12917
    summary:
      - 자기교정 능력을 multi-turn online RL로 향상시키는 SCoRe
  - type: news
    org: DeepMind
    title: "<script>alert(1)</script> & friends <img src=x onerror=alert(3)>"
    url: "javascript:alert(1)"
    note: '"><img src=x onerror=alert(2)>'
"""
W3 = """\
date: 2024-10-02
entries:
  - type: paper
    org: Meta
    title: Llama 3.2 Vision
    url: https://ai.meta.com/blog/llama-3-2/
"""
FILES = {"issues/2023/2023-02-W4.yaml": W1, "issues/2024/2024-09-W3.yaml": W2, "issues/2024/2024-10-W1.yaml": W3}
ENTRY = "training-language-models-to-self-correct-via-reinforcement"  # the first eight words


def build(root: Path) -> int:
    return main(["-C", str(root), "build"])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    make_project(root, FILES, TOML)
    assert build(root) == 0
    return root / "dist/site"


class Links(HTMLParser):
    """The links, sources and ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"] or "")
        for name in ("href", "src", "action"):
            if a.get(name) is not None:
                self.urls.append(a[name] or "")


def parsed(path: Path) -> Links:
    page = Links()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def pages(site: Path) -> Iterator[Path]:
    return iter(sorted(site.rglob("*.html")))


def test_every_internal_link_and_asset_of_every_page_exists(site):
    base = "https://weekly.example.com/archive/"
    checked = 0
    for page in pages(site):
        here = base + page.relative_to(site).as_posix()
        for url in parsed(page).urls:
            target = urlsplit(urljoin(here, url))
            if not (target.scheme + "://" + target.netloc + target.path).startswith(base):
                continue  # another site
            rel = unquote(target.path.removeprefix(urlsplit(base).path)) or "index.html"
            file = site / rel
            assert file.is_file(), f"{page.relative_to(site)} links to {url}, which is not built"
            if target.fragment and file.suffix == ".html":
                assert unquote(target.fragment) in parsed(file).ids, f"{page.relative_to(site)}: no #{target.fragment} in {rel}"
            checked += 1
    assert checked > 100
    for name in ("sitemap.xml", "robots.txt", "404.html", "favicon.svg", "style.css", "search.js", "feed.xml", "atom.xml",
                 "search/2023.json", "search/2024.json"):
        assert (site / name).is_file(), name


def test_the_search_index_holds_every_entry_by_year_with_its_organisation_group(site):
    """The index the search page fetches: one file per year, each entry's anchor, type, title, organisations
    (spelling variants and aliases as one group, by its page's slug) and summary as plain text."""
    index = json.loads((site / "search/2024.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in index["issues"]] == ["2024-10-W1", "2024-09-W3"]  # newest first
    issue = index["issues"][1]
    assert (issue["label"], issue["path"]) == ("2024년 9월 3주차", "issues/2024-09-W3.html")
    anchor, kind, title, orgs, text = issue["entries"][0]
    assert (anchor, kind, title) == (ENTRY, "paper", "Training Language Models to Self-Correct via Reinforcement Learning")
    assert (site / "issues/2024-09-W3.html").read_text(encoding="utf-8").count(f'id="{anchor}"') == 1
    deepmind = {slug for name, slug in orgs if name == "Google DeepMind"}
    assert deepmind and deepmind == {slug for name, slug in issue["entries"][1][3]}  # "DeepMind" is an alias of it
    assert (site / f"orgs/{deepmind.pop()}.html").is_file()
    assert text == "자기교정 능력을 multi-turn online RL로 향상시키는 SCoRe"
    assert [i["id"] for i in json.loads((site / "search/2023.json").read_text(encoding="utf-8"))["issues"]] == ["2023-02-W4"]
    assert 'href="search.html"' in (site / "index.html").read_text(encoding="utf-8")


def test_the_sitemap_lists_every_page_once_by_its_absolute_url(site):
    locs = re.findall(r"<loc>([^<]*)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))
    assert len(locs) == len(set(locs))
    assert "https://weekly.example.com/archive/issues/2024-09-W3.html" in locs
    for loc in locs:
        assert (site / (loc.removeprefix("https://weekly.example.com/archive/") or "index.html")).is_file()
    assert "Sitemap: https://weekly.example.com/archive/sitemap.xml" in (site / "robots.txt").read_text(encoding="utf-8")


def test_an_issue_page_has_its_url_cards_neighbours_and_an_anchor_per_entry(site):
    html = (site / "issues/2024-09-W3.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in html
    assert '<link rel="canonical" href="https://weekly.example.com/archive/issues/2024-09-W3.html">' in html
    assert '<meta property="og:url" content="https://weekly.example.com/archive/issues/2024-09-W3.html">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert 'rel="prev" href="../issues/2023-02-W4.html"' in html and 'rel="next" href="../issues/2024-10-W1.html"' in html
    assert f'id="{ENTRY}"' in html


def test_hostile_text_and_links_are_escaped(site):
    html = (site / "issues/2024-09-W3.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html
    assert "javascript:" not in html
    for page in pages(site):
        assert "javascript:" not in page.read_text(encoding="utf-8"), page


def test_spelling_variants_of_an_organisation_share_its_pages_newest_first(site):
    # "Google DeepMind", "google deepmind" and the alias "DeepMind" are one organisation, as for `check`
    year_pages = [p for p in (site / "orgs").glob("*-2024.html") if "&lt;script&gt;" in p.read_text(encoding="utf-8")]
    assert len(year_pages) == 1
    html = year_pages[0].read_text(encoding="utf-8")
    assert "<h1>Google DeepMind · 2024</h1>" in html
    assert html.index("Self-Correct") < html.index("&lt;script&gt;")  # an issue's entries in its order
    slug = year_pages[0].name.removesuffix("-2024.html")
    assert f'href="../orgs/{slug}-2024.html"' in (site / "issues/2024-09-W3.html").read_text(encoding="utf-8")
    assert "Genie" in (site / f"orgs/{slug}-2023.html").read_text(encoding="utf-8")
    years = (site / f"orgs/{slug}.html").read_text(encoding="utf-8")  # the organisation's page: its years
    assert years.index(f'href="../orgs/{slug}-2024.html"') < years.index(f'href="../orgs/{slug}-2023.html"')
    assert f'href="../orgs/{slug}.html">Google DeepMind</a>' in (site / "orgs/index.html").read_text(encoding="utf-8")


def test_each_entry_links_to_its_type_page(site):
    html = (site / "types/paper-2024.html").read_text(encoding="utf-8")
    assert "Self-Correct" in html and "Llama 3.2" in html and "Genie" not in html
    assert f'href="../issues/2024-09-W3.html#{ENTRY}"' in html
    assert 'href="../types/paper-2024.html"' in (site / "issues/2024-09-W3.html").read_text(encoding="utf-8")


def test_the_home_page_shows_the_latest_issues_and_every_issue_by_month(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "매주 AI 논문, 개발, 뉴스" in html
    assert html.index("Llama 3.2 Vision") < html.index("Self-Correct") < html.index("Genie")  # newest first, in full
    assert 'href="issues/2023-02-W4.html"' in html
    assert 'href="feed.xml"' in html and 'href="atom.xml"' in html
    assert "<form class=\"subscribe\"" not in html  # no subscribe_url set


def test_the_subscribe_form_posts_to_the_configured_address(tmp_path):
    make_project(tmp_path, {"issues/2024/2024-10-W1.yaml": W3}, TOML + '[site]\nsubscribe_url = "https://news.example.com/subscribe"\n')
    build(tmp_path)
    html = (tmp_path / "dist/site/index.html").read_text(encoding="utf-8")
    assert '<form class="subscribe" method="post" action="https://news.example.com/subscribe">' in html
    assert 'name="email"' in html


def test_an_overridden_list_item_shows_on_every_list_and_a_broken_one_is_reported(tmp_path, capsys):
    make_project(tmp_path, {"issues/2024/2024-10-W1.yaml": W3}, TOML)
    item = tmp_path / "templates/site-list-item.html.j2"
    item.parent.mkdir(exist_ok=True)
    item.write_text("{% macro item(e, mark, heading, orgs, link, label, date) %}<li>{{ e.title }} ({{ label }})</li>\n{% endmacro %}\n",
                    encoding="utf-8")
    assert build(tmp_path) == 0
    for page in ("types/paper-2024.html", "orgs/meta-2024.html"):
        assert "<li>Llama 3.2 Vision (2024년 10월 1주차)</li>" in (tmp_path / "dist/site" / page).read_text(encoding="utf-8")
    item.write_text("{% macro entry() %}{% endmacro %}\n", encoding="utf-8")
    assert build(tmp_path) == 1
    assert "site-list-item.html.j2" in capsys.readouterr().err


def test_the_email_and_the_feeds_link_the_issue_page(site):
    dist = site.parent
    url = "https://weekly.example.com/archive/issues/2024-09-W3.html"
    assert f'href="{url}"' in (dist / "email/2024-09-W3.html").read_text(encoding="utf-8")
    assert url in (dist / "email/2024-09-W3.txt").read_text(encoding="utf-8")
    feed = feedparser.parse((dist / "feed.xml").read_bytes())
    assert url in [e.link for e in feed.entries]
    assert (site / "feed.xml").read_bytes() == (dist / "feed.xml").read_bytes()


def snapshot(site: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(site).as_posix(): (p.stat().st_mtime_ns, p.read_bytes()) for p in site.rglob("*") if p.is_file()}


def test_builds_rewrite_only_what_changed(tmp_path):
    make_project(tmp_path, FILES, TOML)
    site = tmp_path / "dist/site"
    build(tmp_path)
    before = snapshot(site)
    build(tmp_path)
    assert snapshot(site) == before  # nothing changed: nothing written, the index untouched

    week = tmp_path / "issues/2024/2024-10-W1.yaml"
    week.write_text(W3.replace("Llama 3.2 Vision", "Llama 3.2 Vision and Edge"), encoding="utf-8")
    build(tmp_path)
    after = snapshot(site)
    changed = {name for name in after if after[name] != before.get(name)}
    meta = next(n for n in (site / "orgs").glob("*.html") if "Llama" in n.read_text(encoding="utf-8")).relative_to(site).as_posix()
    # the search index follows the content, of that year only
    assert changed == {"issues/2024-10-W1.html", "index.html", meta, "types/paper-2024.html", "search/2024.json"}
    assert "Llama 3.2 Vision and Edge" in (site / "search/2024.json").read_text(encoding="utf-8")

    # a setting that changes no issue page leaves the index alone
    (tmp_path / "newsletter.toml").write_text(TOML + '[site]\nsubscribe_url = "https://news.example.com/s"\n', encoding="utf-8")
    before = snapshot(site)
    build(tmp_path)
    after = snapshot(site)
    assert {name for name in after if after[name] != before.get(name)} == {"index.html"}


def test_a_list_page_removed_by_hand_is_made_again_with_an_edit_elsewhere(tmp_path):
    make_project(tmp_path, FILES, TOML)
    site = tmp_path / "dist/site"
    build(tmp_path)
    before = snapshot(site)
    lost = sorted((site / "types").glob("*-2023.html"))[0]
    lost.unlink()
    week = tmp_path / "issues/2024/2024-10-W1.yaml"
    week.write_text(W3.replace("Llama 3.2 Vision", "Llama 3.2 Vision and Edge"), encoding="utf-8")
    assert build(tmp_path) == 0
    assert lost.read_bytes() == before[lost.relative_to(site).as_posix()][1]
    assert "Llama 3.2 Vision and Edge" in (site / "types/paper-2024.html").read_text(encoding="utf-8")


def test_two_cold_builds_write_the_same_bytes_search_index_included(tmp_path):
    outputs = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        make_project(tmp_path / name, FILES, TOML)
        assert build(tmp_path / name) == 0
        site = tmp_path / name / "dist/site"
        outputs.append({p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()})
    assert "search/2024.json" in outputs[0]
    assert outputs[0] == outputs[1]


def test_a_deleted_year_leaves_no_index_and_no_empty_folder(tmp_path):
    make_project(tmp_path, FILES, TOML)
    site = tmp_path / "dist/site"
    build(tmp_path)
    (tmp_path / "issues/2023/2023-02-W4.yaml").unlink()
    build(tmp_path)
    assert not (site / "search/2023.json").exists() and (site / "search/2024.json").is_file()
    for path in list((tmp_path / "issues").rglob("*.yaml")):
        path.unlink()
    assert build(tmp_path) == 0
    assert not (site / "search").exists() and not (site / "issues").exists()
    assert (site / "index.html").is_file()


def test_a_new_week_links_the_week_before_it_and_a_deleted_one_leaves_no_page(tmp_path):
    make_project(tmp_path, FILES, TOML)
    site = tmp_path / "dist/site"
    build(tmp_path)
    (tmp_path / "issues/2024/2024-10-W2.yaml").write_text(W3.replace("2024-10-02", "2024-10-09").replace("Llama", "Gemma"), encoding="utf-8")
    build(tmp_path)
    assert 'rel="next" href="../issues/2024-10-W2.html"' in (site / "issues/2024-10-W1.html").read_text(encoding="utf-8")
    (tmp_path / "issues/2024/2024-10-W2.yaml").unlink()
    build(tmp_path)
    assert not (site / "issues/2024-10-W2.html").exists()
    assert not [p for p in (site / "orgs").glob("*.html") if "Gemma" in p.read_text(encoding="utf-8")]
    assert 'rel="next"' not in (site / "issues/2024-10-W1.html").read_text(encoding="utf-8")
    assert "Gemma" not in (site / "index.html").read_text(encoding="utf-8")


# --- in a real browser ----------------------------------------------------------------------------



class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """``site`` served on 127.0.0.1 under the base path it is built for."""
    web = site.parent / "web"
    shutil.copytree(site, web / "archive")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(web)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/archive/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def served(site) -> Iterator[str]:
    with serve(site) as url:
        yield url


def results(page, count: int | None = None) -> list[str]:
    """The results' titles once the search has ended (its status no longer says it is searching)."""
    page.wait_for_function("(s => s.textContent && !s.textContent.includes('…'))(document.getElementById('search-status'))",
                           timeout=15_000)
    titles = page.locator(".result-title").all_inner_texts()
    if count is not None:
        assert len(titles) == count, titles
    return titles


@pytest.mark.parametrize("query", ["교정", "Self-Correct via Reinforcement Learning", "SELF-CORRECT rl로"])
def test_search_finds_the_entry_and_leads_to_its_anchor(served, browser, query):
    # a Korean word inside a longer one (자기교정), an English title, words of the title and the summary in other cases
    page = browser.new_page()
    page.goto(served + "search.html")
    page.fill("#search-q", query)  # searched as one types
    result = page.locator(".result", has_text="2024년 9월 3주차")
    result.first.wait_for(timeout=15_000)
    assert "Self-Correct" in result.first.locator(".result-title").inner_text()
    assert result.first.locator("mark").count() >= 1  # the words found are marked
    result.first.locator(f'.result-title a[href$="#{ENTRY}"]').click()
    page.wait_for_url(re.compile(f"issues/2024-09-W3.html#{ENTRY}$"))
    target = page.locator(f"#{ENTRY}")
    assert "Self-Correct" in target.inner_text()
    assert target.is_visible()
    page.close()


def test_search_covers_every_year_and_filters_by_type_organisation_and_year(served, browser):
    page = browser.new_page()
    page.goto(served + "search.html?q=DeepMind")
    titles = results(page, 3)  # newest first; each year's data file searched in turn
    assert "Self-Correct" in titles[0] and "Genie" in titles[2]
    assert page.inner_text("#search-status") == "결과 3건"
    assert page.locator(".result-meta mark").all_inner_texts() == ["DeepMind"] * 3  # found in the organisation's name

    page.select_option("select[name=type]", "paper")
    assert "Self-Correct" in results(page, 1)[0]
    assert all("논문" in m for m in page.locator(".result-meta").all_inner_texts())
    assert "type=paper" in page.url  # the search can be bookmarked

    page.select_option("select[name=type]", "")
    page.select_option("select[name=year]", "2023")
    assert "Genie" in results(page, 1)[0]  # the 2024 results are gone

    page.select_option("select[name=year]", "")
    page.select_option("select[name=org]", label="UCLA")
    assert "Self-Correct" in results(page, 1)[0]
    assert all("UCLA" in m for m in page.locator(".result-meta").all_inner_texts())

    page.select_option("select[name=org]", label="Meta")
    results(page, 0)
    assert page.inner_text("#search-status") == "결과가 없습니다."
    page.fill("#search-q", "")  # the filter alone lists Meta's entries
    page.press("#search-q", "Enter")
    assert results(page, 1) == ["Llama 3.2 Vision"]
    page.close()


def test_a_shared_search_address_restores_the_search(served, browser):
    page = browser.new_page()
    page.goto(served + "search.html?q=genie&type=dev&year=2023")
    assert "Genie" in results(page, 1)[0]
    assert page.input_value("#search-q") == "genie"
    assert page.input_value("select[name=type]") == "dev" and page.input_value("select[name=year]") == "2023"
    page.close()


def test_the_quick_search_box_of_every_page_opens_the_search(served, browser):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(served + "issues/2023-02-W4.html")
    page.fill(".quick-search input", "Genie")
    page.press(".quick-search input", "Enter")
    page.locator(".result", has_text="Genie").first.wait_for(timeout=15_000)
    assert page.input_value("#search-q") == "Genie"
    assert page.locator("input[type=search]").count() == 1  # the search page's own box, not a second one
    # readable at 375 px: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.close()


def test_a_title_with_markup_is_shown_as_text(served, browser):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(served + "search.html?q=friends")
    assert results(page, 1) == ["<script>alert(1)</script> & friends <img src=x onerror=alert(3)>"]
    assert page.locator("#search-results img, #search-results script").count() == 0
    assert not dialogs
    page.close()


def test_a_data_file_that_cannot_be_loaded_is_said(served, browser):
    page = browser.new_page()
    page.route("**/search/2023.json", lambda route: route.abort())  # the network fails for one year
    page.goto(served + "search.html?q=DeepMind")
    page.locator("#search-status", has_text="불러오지 못했습니다").wait_for(timeout=15_000)
    assert "2023" in page.inner_text("#search-status")
    assert len(page.locator(".result").all()) == 2  # what 2024 found stays
    page.close()


def test_without_javascript_the_search_page_points_to_the_lists(served, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served + "search.html?q=Genie")
    assert "JavaScript" in page.inner_text("main")
    page.click('main a[href="orgs/index.html"]')
    page.wait_for_url(re.compile("orgs/index.html$"))
    context.close()


def test_the_search_page_speaks_the_newsletters_language(tmp_path):
    make_project(tmp_path, {"issues/2024/2024-10-W1.yaml": W3}, TOML.replace('language = "ko"', 'language = "en"'))
    assert build(tmp_path) == 0
    html = (tmp_path / "dist/site/search.html").read_text(encoding="utf-8")
    assert '<option value="">All types</option>' in html and '<option value="">All organisations</option>' in html
    assert "Search needs JavaScript" in html
    config = json.loads(re.search(r'<script type="application/json" id="search-config">(.*?)</script>', html, re.S)[1])
    assert config["words"]["no_results"] == "No results." and config["years"] == [2024]
    assert config["types"] == [["paper", "📜 Paper link"]]


def test_results_come_fifty_at_a_time_and_older_years_load_only_when_wanted(tmp_path, browser):
    # 60 matching entries in 2024, 10 in each of 2023 and 2022
    def week(date: str, count: int) -> str:
        entries = "".join(f"  - type: news\n    title: Model release {date} number {n}\n    url: https://example.com/{date}/{n}\n"
                          for n in range(count))
        return f"date: {date}\nentries:\n{entries}"
    files = {"issues/2024/2024-03-W1.yaml": week("2024-03-04", 60), "issues/2023/2023-03-W1.yaml": week("2023-03-06", 10),
             "issues/2022/2022-03-W1.yaml": week("2022-03-07", 10)}
    make_project(tmp_path, files, TOML)
    assert build(tmp_path) == 0
    with serve(tmp_path / "dist/site") as url:
        page = browser.new_page()
        fetched = []
        page.on("request", lambda r: fetched.append(r.url.rsplit("/", 1)[1]) if "/search/" in r.url else None)
        page.goto(url + "search.html?q=model")
        results(page, 50)
        assert page.inner_text("#search-status") == "결과 50건 이상"
        assert fetched == ["2024.json"]
        page.click("#search-more")
        assert len(results(page)) == 80
        assert page.inner_text("#search-status") == "결과 80건"
        assert page.locator("#search-more").is_hidden()
        assert fetched == ["2024.json", "2023.json", "2022.json"]
        page.fill("#search-q", "2022 number 5")
        page.press("#search-q", "Enter")
        assert results(page) == ["Model release 2022-03-07 number 5"]
        assert len(fetched) == 3  # each year is loaded once
        page.close()


def test_the_github_pages_workflow_builds_with_the_lock_and_publishes_the_site_folder():
    import yaml

    workflow = yaml.safe_load((REPO / "examples/github-pages.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    commands = " ".join(s.get("run", "") for s in steps)
    assert "-c requirements.lock" in commands and "newsletter build" in commands
    assert {"path": "dist/site"} in [s.get("with") for s in steps]
    assert workflow["permissions"]["pages"] == "write"


def test_an_issue_page_heads_each_type_as_the_email_does(site):
    """One place decides a section's heading: the type's `heading` (a Korean newsletter's 논문, 뉴스), not its legend label."""
    page = (site / "issues/2024-09-W3.html").read_text(encoding="utf-8")
    email = (site.parent / "email/2024-09-W3.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 class="group-title">([^<]*)</h2>', page)
    assert headings == ["📜 논문", "🗞️ 뉴스"]
    assert all(h in email for h in headings)
    # each entry's type link and its type's page say the same
    assert re.findall(r'<a class="type" href="[^"]*"[^>]*>([^<]*)</a>', page) == ["논문", "뉴스"]
    assert "<title>📜 논문 · 2024" in (site / "types/paper-2024.html").read_text(encoding="utf-8")
