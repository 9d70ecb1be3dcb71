"""``add URL`` fills in the entry from what the link says about itself, against a real local HTTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.cli import main
from newsletter.load import load_issue
from tests.linkserver import LinkServer

WEEK = "2024-09-W3"
ISSUE = f"issues/2024/{WEEK}.yaml"

ARXIV_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <entry>
    <id>http://arxiv.org/abs/2409.12917v1</id>
    <published>2024-09-19T17:16:21Z</published>
    <title>Training Language Models to Self-Correct via
      Reinforcement Learning</title>
    <author><name>Aviral Kumar</name><arxiv:affiliation>Google Deepmind</arxiv:affiliation></author>
    <author><name>Vincent Zhuang</name></author>
  </entry>
</feed>
"""
EMPTY_FEED = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>'

OG_KO = """<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>무시되는 제목</title>
<meta property="og:title" content="  LLM 에이전트를   만드는 법 ">
<meta property="og:site_name" content="Open AI">
<meta property="og:url" content="/posts/agents">
</head><body><p>본문</p></body></html>"""
PLAIN_EN = """<html><head><title>
  How we trained it
</title></head><body>hello</body></html>"""
TWITTER_EN = """<html><head><meta name="twitter:title" content="Card title &amp; more"><title>Other</title></head></html>"""


@pytest.fixture
def root(tmp_path: Path, server: LinkServer) -> Path:
    (tmp_path / "newsletter.toml").write_text(f"""
[fetch]
timeout = 1
max_bytes = 4096
arxiv_api = "{server.url('/arxiv/query')}"
github_api = "{server.url('/github')}"
openreview_api = "{server.url('/openreview')}"
""", encoding="utf-8")
    (tmp_path / "issues").mkdir()
    return tmp_path


def add(root: Path, capsys, *args: str) -> tuple[int, str, str]:
    # the test server's pages are on 127.0.0.1, a private address `add` refuses without --force
    force = ["--force"] if args[0].startswith("http://127.0.0.1") else []
    status = main(["-C", str(root), "add", *args, "--week", WEEK, *force])
    out, err = capsys.readouterr()
    return status, out, err


def entries(root: Path) -> list:
    loaded, _ = load_issue(root / ISSUE, ISSUE)
    return loaded.issue.entries


def test_arxiv_title_authors_date_and_known_org_from_the_api(root, server, capsys):
    server.route("/arxiv/query", body=ARXIV_FEED, headers={"Content-Type": "application/atom+xml"})
    status, out, err = add(root, capsys, "https://arxiv.org/pdf/2409.12917v1")
    assert status == 0, err
    [e] = entries(root)
    assert e.title == "Training Language Models to Self-Correct via Reinforcement Learning"
    assert e.authors == ["Aviral Kumar", "Vincent Zhuang"]
    assert e.org == ["Google DeepMind"]  # the affiliation spelled as the known-organisation list has it
    assert e.url == "https://arxiv.org/abs/2409.12917v1"
    assert "submitted 2024-09-19" in out


def test_hugging_face_paper_page_is_the_arxiv_paper_and_a_duplicate_of_it(root, server, capsys):
    server.route("/arxiv/query", body=ARXIV_FEED)
    assert add(root, capsys, "https://arxiv.org/abs/2409.12917")[0] == 0
    status, _, err = add(root, capsys, "https://huggingface.co/papers/2409.12917", "--type", "paper")
    assert status == 1
    assert "https://arxiv.org/abs/2409.12917 is already in the archive" in err
    assert len(entries(root)) == 1


def test_hugging_face_paper_page_title_from_arxiv(root, server, capsys):
    server.route("/arxiv/query", body=ARXIV_FEED)
    assert add(root, capsys, "https://huggingface.co/papers/2409.12917")[0] == 0
    [e] = entries(root)
    assert (e.type, e.url) == ("paper", "https://huggingface.co/papers/2409.12917")
    assert e.title.startswith("Training Language Models")


def test_unknown_arxiv_paper_asks_for_a_title(root, server, capsys):
    server.route("/arxiv/query", body=EMPTY_FEED)
    status, _, err = add(root, capsys, "https://arxiv.org/abs/2409.99999")
    assert status == 1
    assert "--title" in err and "2409.99999" in err
    assert not (root / ISSUE).exists()


def test_github_repository_of_an_organisation(root, server, capsys):
    server.route("/github/repos/google-deepmind/gemma", headers={"Content-Type": "application/json"}, body="""{
        "name": "gemma", "description": "Open weights LLM  from Google DeepMind.",
        "html_url": "https://github.com/google-deepmind/gemma",
        "owner": {"login": "google-deepmind", "type": "Organization"}}""")
    assert add(root, capsys, "https://github.com/google-deepmind/gemma")[0] == 0
    [e] = entries(root)
    assert (e.title, e.org, e.summary) == ("gemma", ["Google DeepMind"], ["Open weights LLM from Google DeepMind."])


def test_github_repository_of_a_person_has_no_org_and_a_renamed_one_its_new_address(root, server, capsys):
    server.route("/github/repos/karpathy/old-name", headers={"Content-Type": "application/json"}, body="""{
        "name": "minbpe", "description": null, "html_url": "https://github.com/karpathy/minbpe",
        "owner": {"login": "karpathy", "type": "User"}}""")
    status, out, _ = add(root, capsys, "https://github.com/karpathy/old-name")
    assert status == 0
    [e] = entries(root)
    assert (e.title, e.org, e.url, e.summary) == ("minbpe", [], "https://github.com/karpathy/minbpe", [])
    assert "-> https://github.com/karpathy/minbpe" in out


def test_openreview_title_and_venue(root, server, capsys):
    server.route("/openreview/notes", headers={"Content-Type": "application/json"}, body="""{"notes": [{"content": {
        "title": {"value": "SuRe: Summarizing Retrievals using Answer Candidates"},
        "venue": {"value": "ICLR 2024 poster"}}}]}""")
    assert add(root, capsys, "https://openreview.net/forum?id=w4DW6qkRmt")[0] == 0
    [e] = entries(root)
    assert (e.title, e.note) == ("SuRe: Summarizing Retrievals using Answer Candidates", "(ICLR 2024 poster)")


def test_github_token_from_the_environment_goes_to_github_only(root, server, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "secret-token")
    server.route("/github/repos/a/b", headers={"Content-Type": "application/json"},
                 body='{"name": "b", "owner": {"login": "a", "type": "User"}}')
    status, out, err = add(root, capsys, "https://github.com/a/b")
    assert status == 0 and "secret-token" not in out + err
    url = server.route("/plain", body=PLAIN_EN)
    add(root, capsys, url, "--type", "news")
    auth = {path: headers.get("Authorization") for _, path, headers in server.requests}
    assert auth == {"/github/repos/a/b": "Bearer secret-token", "/plain": None}


def test_korean_page_with_open_graph(root, server, capsys):
    url = server.route("/posts/agents", body=OG_KO)
    status, _, err = add(root, capsys, url, "--type", "dev")
    assert status == 0, err
    [e] = entries(root)
    assert e.title == "LLM 에이전트를 만드는 법"
    assert e.org == ["OpenAI"]  # og:site_name through check's aliases and variants


def test_english_page_without_open_graph_uses_its_title(root, server, capsys):
    url = server.route("/plain", body=PLAIN_EN)
    assert add(root, capsys, url, "--type", "news")[0] == 0
    [e] = entries(root)
    assert (e.title, e.org) == ("How we trained it", [])


def test_english_page_with_open_graph_and_an_unknown_site_name(root, server, capsys):
    body = '<head><meta property="og:title" content="Scaling laws, revisited"><meta property="og:site_name" content="Tiny Lab Blog"></head>'
    url = server.route("/en-og", body=body)
    assert add(root, capsys, url, "--type", "dev")[0] == 0
    [e] = entries(root)
    assert (e.title, e.org) == ("Scaling laws, revisited", ["Tiny Lab Blog"])


def test_scholarly_page_without_open_graph_gives_title_and_authors(root, server, capsys):
    body = """<html><head><title>ACL Anthology</title>
<meta name="citation_title" content="SuRe: Summarizing Retrievals">
<meta name="citation_author" content="Kim, Jaehyung"><meta name="citation_author" content="Shin, Jinwoo">
</head><body></body></html>"""
    url = server.route("/acl", body=body)
    assert add(root, capsys, url, "--type", "paper")[0] == 0
    [e] = entries(root)
    assert (e.title, e.authors) == ("SuRe: Summarizing Retrievals", ["Kim, Jaehyung", "Shin, Jinwoo"])


def test_korean_page_without_open_graph_uses_its_title(root, server, capsys):
    url = server.route("/ko-plain", body="<html><head><title>오픈소스 LLM 정리</title></head><body>본문</body></html>")
    assert add(root, capsys, url, "--type", "dev")[0] == 0
    assert entries(root)[0].title == "오픈소스 LLM 정리"



def test_twitter_card_comes_before_the_title_tag(root, server, capsys):
    url = server.route("/card", body=TWITTER_EN)
    assert add(root, capsys, url, "--type", "news")[0] == 0
    assert entries(root)[0].title == "Card title & more"


def test_euc_kr_page_declaring_its_charset_in_meta(root, server, capsys):
    body = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr"><title>한국어 뉴스</title></head></html>'
    url = server.route("/euckr", body=body.encode("euc-kr"), headers={"Content-Type": "text/html"})
    assert add(root, capsys, url, "--type", "news")[0] == 0
    assert entries(root)[0].title == "한국어 뉴스"


def test_redirect_chain_writes_the_final_address(root, server, capsys):
    server.route("/final", body=PLAIN_EN)
    server.route("/b", 302, headers={"Location": "/final"})
    url = server.route("/a", 301, headers={"Location": "/b"})
    assert add(root, capsys, url, "--type", "news")[0] == 0
    assert entries(root)[0].url == server.url("/final")


def test_fetched_address_already_in_the_archive_is_refused(root, server, capsys):
    server.route("/final", body=PLAIN_EN)
    assert add(root, capsys, server.url("/final"), "--type", "news", "--title", "x")[0] == 0
    url = server.route("/old", 308, headers={"Location": "/final"})
    status, _, err = add(root, capsys, url, "--type", "news")
    assert status == 1 and "already in the archive" in err
    assert len(entries(root)) == 1


def test_duplicate_is_refused_before_any_fetch(root, server, capsys):
    url = server.route("/page", body=PLAIN_EN)
    assert add(root, capsys, url, "--type", "news", "--title", "x")[0] == 0
    assert add(root, capsys, url, "--type", "news")[0] == 1
    assert server.requests == []


def test_redirect_loop_asks_for_a_title(root, server, capsys):
    server.route("/loop1", 302, headers={"Location": "/loop2"})
    url = server.route("/loop2", 302, headers={"Location": "/loop1"})
    status, _, err = add(root, capsys, url, "--type", "news")
    assert status == 1 and "redirects" in err and "--title" in err


@pytest.mark.parametrize("status", [404, 410, 500])
def test_error_page_asks_for_a_title(root, server, capsys, status):
    url = server.route("/gone", status, body="<title>Not Found</title>")
    status_, _, err = add(root, capsys, url, "--type", "news")
    assert status_ == 1 and str(status) in err and "--title" in err
    assert not (root / ISSUE).exists()


def test_server_that_never_answers_times_out_and_asks_for_a_title(root, server, capsys):
    url = server.route("/hang", hang=True)
    status, _, err = add(root, capsys, url, "--type", "news")
    assert status == 1 and "no answer within 1 s" in err and "--title" in err


def test_body_larger_than_the_cap_is_not_read_to_the_end(root, server, capsys):
    url = server.route("/huge", body="<html><head><title>Big page</title></head><body>", endless=True)
    assert add(root, capsys, url, "--type", "news")[0] == 0
    assert entries(root)[0].title == "Big page"


def test_title_beyond_the_cap_is_not_seen(root, server, capsys):
    url = server.route("/late", body="<html><head>" + "<!-- padding -->" * 1000 + "<title>Late</title></head></html>")
    status, _, err = add(root, capsys, url, "--type", "news")
    assert status == 1 and "no title" in err


def test_no_fetch_never_touches_the_network(root, server, capsys):
    url = server.route("/page", body=PLAIN_EN)
    status, out, _ = add(root, capsys, url, "--type", "news", "--no-fetch")
    assert status == 0 and server.requests == []
    assert entries(root)[0].title == url
    assert "no --title given" in out


def test_title_given_means_no_fetch_and_options_win(root, server, capsys):
    server.route("/arxiv/query", body=ARXIV_FEED)
    assert add(root, capsys, "https://arxiv.org/abs/2409.12917", "--title", "Mine", "--org", "KAIST")[0] == 0
    assert server.requests == []
    [e] = entries(root)
    assert (e.title, e.org) == ("Mine", ["KAIST"])


def test_one_identifying_user_agent(root, server, capsys):
    url = server.route("/plain", body=PLAIN_EN)
    add(root, capsys, url, "--type", "news")
    [(_, _, headers)] = server.requests
    assert headers["User-Agent"].startswith("newsletter/")
