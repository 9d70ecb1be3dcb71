"""``check --online`` against a real local HTTP server: dead, moved and failing links, limits, the cache."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from newsletter import __version__
from newsletter.cli import main
from tests.linkserver import LinkServer, Route
from tests.test_links_add import ARXIV_FEED

ISSUE = "issues/2024/2024-09-W3.yaml"
RULES = "link-dead,link-moved,link-unavailable"


@pytest.fixture
def root(tmp_path: Path, server: LinkServer) -> Path:
    (tmp_path / "newsletter.toml").write_text(f"""
[fetch]
timeout = 1
max_retry_after = 2
per_host = 2
arxiv_api = "{server.url('/arxiv/query')}"
arxiv_delay = 0
arxiv_batch = 2
""", encoding="utf-8")
    return tmp_path


def write(root: Path, *urls: str, published: bool = False, name: str = ISSUE, date: str = "2024-09-16") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"date: {date}"] + (["published: 2024-09-20T09:00:00+09:00"] if published else []) + ["entries:"]
    for n, url in enumerate(urls):
        lines += ["  - type: news", f"    title: Entry {n}", f"    url: {url}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(root: Path, capsys, *args: str) -> tuple[int, list[dict]]:
    status = main(["-C", str(root), "check", "--online", "--select", RULES, "--format", "json", *args])
    return status, json.loads(capsys.readouterr().out)


def findings(rows: list[dict]) -> list[tuple[str, int, str]]:
    return [(r["rule"], r["line"], r["severity"]) for r in rows]


def test_working_link_is_fine(root, server, capsys):
    write(root, server.route("/ok", body="fine"))
    assert check(root, capsys) == (0, [])


@pytest.mark.parametrize("status", [404, 410])
def test_gone_is_dead(root, server, capsys, status):
    write(root, server.route("/gone", status))
    code, rows = check(root, capsys)
    assert code == 1 and findings(rows) == [("link-dead", 5, "error")]
    assert str(status) in rows[0]["message"]


def test_permanent_move_is_reported_with_an_unsafe_fix(root, server, capsys):
    server.route("/new", body="here")
    write(root, server.route("/old", 301, headers={"Location": "/new"}))
    code, rows = check(root, capsys)
    assert code == 0 and findings(rows) == [("link-moved", 5, "warning")]
    assert server.url("/new") in rows[0]["message"] and rows[0]["fixable"]


def test_308_chain_moves_to_the_last_permanent_address(root, server, capsys):
    server.route("/c", body="here")
    server.route("/b", 308, headers={"Location": "/c"})
    write(root, server.route("/a", 308, headers={"Location": "/b"}))
    _, rows = check(root, capsys)
    assert findings(rows) == [("link-moved", 5, "warning")] and rows[0]["message"].endswith(server.url("/c"))


def test_temporary_redirect_is_not_a_move(root, server, capsys):
    server.route("/login", body="here")
    write(root, server.route("/t", 302, headers={"Location": "/login"}))
    assert check(root, capsys) == (0, [])


def test_permanent_then_temporary_moves_to_the_permanent_target(root, server, capsys):
    server.route("/final", body="here")
    server.route("/p", 302, headers={"Location": "/final"})
    write(root, server.route("/start", 301, headers={"Location": "/p"}))
    _, rows = check(root, capsys)
    assert rows[0]["message"] == f"moved permanently to {server.url('/p')}"


def test_redirect_to_a_dead_page_is_dead(root, server, capsys):
    write(root, server.route("/to-nothing", 301, headers={"Location": "/nothing"}))
    _, rows = check(root, capsys)
    assert findings(rows) == [("link-dead", 5, "error")] and "404" in rows[0]["message"]


def test_redirect_loop_is_dead(root, server, capsys):
    server.route("/l1", 302, headers={"Location": "/l2"})
    write(root, server.route("/l2", 302, headers={"Location": "/l1"}))
    _, rows = check(root, capsys)
    assert findings(rows) == [("link-dead", 5, "error")] and "loop" in rows[0]["message"]


def test_rate_limited_link_is_asked_again_after_retry_after(root, server, capsys):
    write(root, server.route("/busy", 429, headers={"Retry-After": "1"}, then=Route(200, "fine")))
    started = time.monotonic()
    assert check(root, capsys) == (0, [])
    assert time.monotonic() - started >= 1
    assert server.hits("/busy") == 2


def test_rate_limited_beyond_the_longest_wait_is_information_only(root, server, capsys):
    write(root, server.route("/busy", 429, headers={"Retry-After": "3600"}))
    code, rows = check(root, capsys)
    assert code == 0 and findings(rows) == [("link-unavailable", 5, "info")] and "429" in rows[0]["message"]
    assert server.hits("/busy") == 1


def test_server_error_is_information_only(root, server, capsys):
    write(root, server.route("/err", 500))
    code, rows = check(root, capsys, "--strict")
    assert findings(rows) == [("link-unavailable", 5, "info")] and code == 0


def test_server_that_never_answers_is_information_only(root, server, capsys):
    write(root, server.route("/hang", hang=True))
    code, rows = check(root, capsys)
    assert code == 0 and findings(rows) == [("link-unavailable", 5, "info")]
    assert "no answer within 1 s" in rows[0]["message"]


def test_head_refused_falls_back_to_get(root, server, capsys):
    write(root, server.route("/nohead", body="fine", head_status=405))
    assert check(root, capsys) == (0, [])
    assert (server.hits("/nohead", "HEAD"), server.hits("/nohead", "GET")) == (1, 1)


def test_head_is_enough_when_it_works(root, server, capsys):
    write(root, server.route("/ok", body="fine"))
    check(root, capsys)
    assert (server.hits("/ok", "HEAD"), server.hits("/ok", "GET")) == (1, 0)
    assert {h["User-Agent"] for _, _, h in server.requests} == {f"newsletter/{__version__} (+https://example.com/)"}


def test_huge_body_is_not_downloaded(root, server, capsys):
    write(root, server.route("/huge", body="<p>", endless=True, head_status=405))
    started = time.monotonic()
    assert check(root, capsys) == (0, [])
    assert time.monotonic() - started < 5


def test_no_such_host_is_dead(root, server, capsys):
    write(root, "http://no-such-host.invalid/page")
    _, rows = check(root, capsys)
    assert findings(rows) == [("link-dead", 5, "error")] and "no such host" in rows[0]["message"]


def test_arxiv_links_are_checked_through_the_api_in_batches(root, server, capsys):
    server.route("/arxiv/query", body=ARXIV_FEED)
    write(root, "https://arxiv.org/abs/2409.12917", "https://arxiv.org/pdf/2409.12917v1", "https://arxiv.org/abs/2409.99999")
    code, rows = check(root, capsys)
    assert findings(rows) == [("link-dead", 11, "error")] and "2409.99999" in rows[0]["message"]
    # 3 ids (a version is its own id) at 2 per request: two requests, and none to arxiv.org itself
    assert server.hits("/arxiv/query") == 2 == len(server.requests)


def test_per_host_concurrency_limit(root, server, capsys):
    server.delay = 0.2
    write(root, *(server.route(f"/p{n}", body="fine") for n in range(8)))
    assert check(root, capsys) == (0, [])
    assert server.max_in_flight == 2


def test_summary_links_are_checked(root, server, capsys):
    path = write(root, server.route("/ok", body="fine"))
    gone = server.route("/gone", 404)
    path.write_text(path.read_text() + f"    summary:\n      - see [the post]({gone})\n", encoding="utf-8")
    _, rows = check(root, capsys)
    assert [(r["rule"], r["line"], r["column"]) for r in rows] == [("link-dead", 7, 24)]


def test_second_run_uses_the_cache_and_refresh_ignores_it(root, server, capsys):
    write(root, server.route("/ok", body="fine"), server.route("/gone", 404))
    first = check(root, capsys)
    asked = len(server.requests)
    assert check(root, capsys) == first and len(server.requests) == asked
    assert (root / ".newsletter-cache" / "links.sqlite3").is_file()
    assert check(root, capsys, "--refresh") == first and len(server.requests) > asked


def test_failing_links_are_not_cached(root, server, capsys):
    write(root, server.route("/err", 500))
    check(root, capsys)
    check(root, capsys)
    assert server.hits("/err", "HEAD") == 2


def test_expired_cache_asks_again(root, server, capsys):
    (root / "newsletter.toml").write_text((root / "newsletter.toml").read_text().replace("[fetch]", "[fetch]\ncache_hours = 0"))
    write(root, server.route("/ok", body="fine"))
    check(root, capsys)
    check(root, capsys)
    assert server.hits("/ok") == 2


def test_published_issue_is_reported_and_changed_only_with_unsafe_fixes(root, server, capsys):
    server.route("/new", body="here")
    old = server.route("/old", 301, headers={"Location": "/new"})
    path = write(root, old, published=True)
    before = path.read_bytes()
    assert findings(check(root, capsys)[1]) == [("link-moved", 6, "warning")]
    main(["-C", str(root), "check", "--online", "--select", RULES, "--fix"])
    assert path.read_bytes() == before
    capsys.readouterr()
    assert main(["-C", str(root), "check", "--online", "--select", RULES, "--unsafe-fixes"]) == 0
    assert path.read_text().replace(server.url("/new"), "NEW") == before.decode().replace(old, "NEW")
    assert "url: " + server.url("/new") in path.read_text()


def test_text_output_marks_the_fix_unsafe(root, server, capsys):
    server.route("/new", body="here")
    write(root, server.route("/old", 301, headers={"Location": "/new"}))
    main(["-C", str(root), "check", "--online", "--select", RULES])
    out = capsys.readouterr().out
    assert "= fix (with --unsafe-fixes): write " + server.url("/new") in out
    assert "(0 fixable with --fix, 1 more with --unsafe-fixes)" in out


def test_github_format(root, server, capsys, monkeypatch):
    monkeypatch.chdir(root)
    write(root, server.route("/gone", 404))
    assert main(["-C", str(root), "check", "--online", "--select", RULES, "--format", "github"]) == 1
    assert capsys.readouterr().out.startswith(f"::error file={ISSUE},line=5,col=10,title=link-dead::dead link: 404")


def test_since_limits_the_issues_checked(root, server, capsys):
    write(root, server.route("/old-gone", 404), name="issues/2024/2024-01-W1.yaml", date="2024-01-01")
    write(root, server.route("/ok", body="fine"))
    assert check(root, capsys, "--since", "2024-09-01") == (0, [])
    assert server.hits("/old-gone") == 0


def test_offline_check_never_touches_the_network(root, server, capsys):
    write(root, server.route("/gone", 404))
    main(["-C", str(root), "check", "--select", RULES])
    assert server.requests == []


def test_the_example_workflow_runs_commands_that_exist():
    import shlex

    import yaml

    from newsletter.cli import build_parser

    workflow = yaml.safe_load((Path(__file__).parent.parent / "examples" / "link-report.yml").read_text(encoding="utf-8"))
    runs = [step["run"] for step in workflow["jobs"]["links"]["steps"] if "run" in step]
    commands = [line.split(">")[0] for run in runs for line in run.splitlines() if line.strip().startswith("newsletter ")]
    assert commands
    for command in commands:
        args = build_parser().parse_args(shlex.split(command)[1:])
        assert args.online and args.format == "json"


def test_overall_concurrency_limit_across_hosts(root, server, capsys):
    config = root / "newsletter.toml"
    config.write_text(config.read_text().replace("[fetch]", "[fetch]\nconcurrency = 3"), encoding="utf-8")
    server.delay = 0.2
    port = server.httpd.server_address[1]
    links = [server.route(f"/p{n}", body="fine") for n in range(4)]
    # the same server under a second host name: the per-host limit (2) would allow 4 at once
    links += [f"http://localhost:{port}/p{n}" for n in range(4)]
    write(root, *links)
    assert check(root, capsys) == (0, [])
    assert server.max_in_flight == 3


def test_retry_after_as_a_date(root, server, capsys):
    from email.utils import formatdate

    when = formatdate(time.time() + 1, usegmt=True)
    write(root, server.route("/busy", 503, headers={"Retry-After": when}, then=Route(200, "fine")))
    assert check(root, capsys) == (0, [])
    assert server.hits("/busy") == 2
