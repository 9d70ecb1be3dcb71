"""`newsletter serve` on the real uvicorn server: double opt-in, one-click unsubscribe, limits and tokens."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from deliverutil import make_project
from newsletter.cli import main
from newsletter.deliver import tokens
from newsletter.deliver.commands import application_for, open_store, secret
from newsletter.project import Project
from smtpserver import SMTPServer

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Site:
    """A project, its SMTP server and `newsletter serve`'s application on uvicorn at an ephemeral port."""

    def __init__(self, root: Path, smtp: SMTPServer, settings: str = "", language: str = "en"):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.root = make_project(root, smtp.port, language=language, extra=f'[serve]\nurl = "{self.url}"\n{settings}')
        self.smtp = smtp
        self.project = Project(self.root)
        self.server = uvicorn.Server(uvicorn.Config(application_for(self.project), log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "Site":
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        self.http = httpx.Client(base_url=self.url, timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(10)

    def subscribe(self, address: str) -> httpx.Response:
        return self.http.post("subscribe", data={"email": address})

    def mails(self, address: str, count: int = 1) -> list:
        """The messages ``address`` has received, waiting for ``count`` of them (confirmations are sent after the answer)."""
        deadline = time.monotonic() + 10
        while len(self.smtp.mailbox.messages(address)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.smtp.mailbox.messages(address)

    def state(self, address: str) -> str | None:
        with open_store(self.project) as store:
            found = store.find(address)
        return found.state if found else None


@pytest.fixture
def site(tmp_path):
    with SMTPServer() as smtp, Site(tmp_path, smtp) as s:
        yield s


def confirm_link(message) -> str:
    return re.search(r"http://127\.0\.0\.1:\d+/confirm/\S+", message.get_content())[0]


def test_subscribe_confirm_send_one_click_unsubscribe_and_the_next_send_skips(site):
    page = site.http.get("")
    assert page.status_code == 200 and 'name="email"' in page.text and 'action="subscribe"' in page.text

    assert site.subscribe("ada@example.org").status_code == 200
    (confirmation,) = site.mails("ada@example.org")
    assert site.state("ada@example.org") == "pending"
    link = confirm_link(confirmation)
    assert site.http.get(link).status_code == 200  # a page with a button: a link scanner confirms nothing
    assert site.state("ada@example.org") == "pending"
    assert site.http.post(link).status_code == 200
    assert site.state("ada@example.org") == "active"
    assert site.http.post(link).status_code == 400  # used once

    assert main(["-C", str(site.root), "send"]) == 0
    (issue,) = [m for m in site.mails("ada@example.org", 2) if "confirm" not in m["Subject"].lower()]
    https = re.match(r"<([^>]+)>", str(issue["List-Unsubscribe"]))[1]
    assert https.startswith(site.url + "unsubscribe/")
    assert site.http.get(https).status_code == 200 and site.state("ada@example.org") == "active"
    # RFC 8058: the mail client POSTs this body to the header's URL, and that is all
    done = httpx.post(https, content=b"List-Unsubscribe=One-Click", headers=FORM)
    assert done.status_code == 200
    assert site.state("ada@example.org") == "unsubscribed"

    main(["-C", str(site.root), "subscribers", "add", "grace@example.org"])
    (site.root / "issues" / "2024" / "2024-09-W4.yaml").write_text(
        "date: 2024-09-23\npublished: 2024-09-27T09:00:00+09:00\nentries:\n"
        "  - type: paper\n    title: Another paper\n    url: https://arxiv.org/abs/2409.00001\n")
    main(["-C", str(site.root), "build"])
    before = len(site.smtp.mailbox.received)
    assert main(["-C", str(site.root), "send", "2024-09-W4"]) == 0
    assert [a for a, _ in site.smtp.mailbox.received[before:]] == ["grace@example.org"]


def test_the_answer_is_the_same_for_new_pending_and_active_addresses(site):
    main(["-C", str(site.root), "subscribers", "add", "grace@example.org"])
    answers = [site.subscribe(a) for a in ("new@example.org", "new@example.org", "grace@example.org")]
    assert len({(r.status_code, r.content) for r in answers}) == 1
    assert answers[0].status_code == 200
    assert len(site.mails("new@example.org", 2)) == 2
    time.sleep(0.3)
    assert site.smtp.mailbox.messages("grace@example.org") == []  # an active subscriber is not mailed again
    assert site.state("grace@example.org") == "active"


def test_an_invalid_address_is_refused_on_the_form(site):
    answer = site.subscribe("not an address")
    assert answer.status_code == 400 and 'aria-invalid="true"' in answer.text
    assert site.smtp.mailbox.received == []


def test_an_unsubscribed_address_stays_unsubscribed_until_it_confirms_again(site):
    main(["-C", str(site.root), "subscribers", "add", "ada@example.org"])
    main(["-C", str(site.root), "subscribers", "remove", "ada@example.org"])
    site.subscribe("ada@example.org")
    (confirmation,) = site.mails("ada@example.org")
    assert site.state("ada@example.org") == "unsubscribed"
    site.http.post(confirm_link(confirmation))
    assert site.state("ada@example.org") == "active"


def test_only_the_latest_confirmation_link_works(site):
    site.subscribe("ada@example.org")
    site.mails("ada@example.org", 1)
    site.subscribe("ada@example.org")
    first, second = site.mails("ada@example.org", 2)
    assert site.http.post(confirm_link(first)).status_code == 400
    assert site.http.post(confirm_link(second)).status_code == 200


def test_rate_limits_per_address_and_per_client(tmp_path):
    with SMTPServer() as smtp, Site(tmp_path, smtp, "per_address_per_hour = 2\nper_client_per_hour = 4\n") as site:
        answers = [site.subscribe("ada@example.org") for _ in range(3)]
        assert len({(r.status_code, r.content) for r in answers}) == 1  # the limit does not show
        time.sleep(0.3)
        assert len(site.mails("ada@example.org", 2)) == 2  # but no third mail goes out
        assert site.subscribe("grace@example.org").status_code == 200
        assert site.subscribe("edsger@example.org").status_code == 429
        time.sleep(0.3)
        assert site.smtp.mailbox.messages("edsger@example.org") == []


def test_a_request_over_the_size_limit_is_refused(site):
    big = site.http.post("subscribe", content=b"email=" + b"a" * 10_000, headers=FORM)
    assert big.status_code == 413
    assert site.smtp.mailbox.received == []


def test_forged_altered_and_expired_tokens_do_nothing(site):
    main(["-C", str(site.root), "subscribers", "add", "ada@example.org", "grace@example.org"])
    key = secret(site.project)
    with open_store(site.project) as store:
        ada, grace = store.find("ada@example.org"), store.find("grace@example.org")
    good = tokens.sign(key, "unsubscribe", ada.id, ada.address)
    attempts = [
        tokens.sign(b"another secret", "unsubscribe", grace.id, grace.address),  # forged
        f"{grace.id}." + good.split(".", 1)[1],  # ada's MAC on grace's id
        tokens.sign(key, "unsubscribe", grace.id, "ada@example.org"),  # signed for another address
        tokens.sign(key, "confirm", grace.id, grace.address, "9999999999", "x"),  # a token for another purpose
        "garbage", f"{grace.id}", "",
    ]
    for token in attempts:
        assert httpx.post(f"{site.url}unsubscribe/{token}", content=b"List-Unsubscribe=One-Click", headers=FORM).status_code in (400, 404, 405)
    assert site.state("grace@example.org") == "active"
    expired = tokens.sign(key, "confirm", grace.id, grace.address, str(int(time.time()) - 1), "n")
    assert site.http.post(f"confirm/{expired}").status_code == 400
    assert httpx.post(f"{site.url}unsubscribe/{good}", content=b"List-Unsubscribe=One-Click", headers=FORM).status_code == 200
    assert site.state("ada@example.org") == "unsubscribed" and site.state("grace@example.org") == "active"


def test_pages_and_the_confirmation_mail_are_in_the_newsletters_language(tmp_path):
    with SMTPServer() as smtp, Site(tmp_path, smtp, language="ko") as site:
        page = site.http.get("")
        assert '<html lang="ko">' in page.text and "구독" in page.text
        site.subscribe("ada@example.org")
        (mail,) = site.mails("ada@example.org")
        assert "구독" in mail["Subject"] and "구독" in mail.get_content()


def test_serve_command_listens_on_an_ephemeral_port_and_stops_on_interrupt(tmp_path):
    with SMTPServer() as smtp:
        root = make_project(tmp_path, smtp.port)
        (root / "templates").mkdir(exist_ok=True)
        (root / "templates" / "list-page.html.j2").write_text("<p>{{ page }} of {{ config.title }}</p>\n")
        serving = subprocess.Popen([sys.executable, "-m", "newsletter", "-C", str(root), "serve", "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = serving.stdout.readline()
            url = re.search(r"http://127\.0\.0\.1:\d+/", line)[0]
            assert httpx.get(url).text == "<p>subscribe of AI Weekly</p>\n"  # the project's template wins
        finally:
            serving.send_signal(signal.SIGINT)
            assert serving.wait(10) in (0, 130)
            assert "Traceback" not in serving.stderr.read()


CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def test_in_a_browser_a_phone_in_dark_mode_subscribes_confirms_and_unsubscribes(site):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 375, "height": 700}, color_scheme="dark")
        page.goto(site.url)
        # dark where the reader asked for it, and nothing wider than a phone
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.fill("input[type=email]", "ada@example.org")
        page.click("button")
        assert page.locator("h1").inner_text() == "Check your inbox"
        (confirmation,) = site.mails("ada@example.org")
        page.goto(confirm_link(confirmation))
        page.click("button")
        assert page.locator("h1").inner_text() == "You are subscribed"
        assert site.state("ada@example.org") == "active"
        main(["-C", str(site.root), "send"])
        (issue,) = [m for m in site.mails("ada@example.org", 2) if m["List-Unsubscribe"]]
        page.goto(re.match(r"<([^>]+)>", str(issue["List-Unsubscribe"]))[1])
        page.click("button")
        assert page.locator("h1").inner_text() == "You are unsubscribed"
        assert site.state("ada@example.org") == "unsubscribed"
        browser.close()
