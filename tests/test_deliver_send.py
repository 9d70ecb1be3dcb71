"""`newsletter send`: each active subscriber gets the issue once, with their own headers, through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deliverutil import ISSUE_ID, make_project, newsletter
from newsletter.cli import main
from smtpserver import Mailbox, SMTPServer

ADDRESSES = ["ada@example.org", "grace@example.org", "Edsger@Example.NET"]
EXPECTED_HEADERS = ["Subject", "From", "MIME-Version", "To", "Date", "Message-ID", "List-Id", "List-Unsubscribe",
                    "List-Unsubscribe-Post", "Content-Type"]


@pytest.fixture
def server():
    with SMTPServer() as s:
        yield s


def run(root: Path, *args: str) -> int:
    return main(["-C", str(root), *args])


def test_each_subscriber_gets_one_message_with_their_own_unsubscribe_link(tmp_path, server, capsys):
    root = make_project(tmp_path, server.port)
    assert run(root, "subscribers", "add", *ADDRESSES) == 0
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=2)
    assert run(root, "send") == 0
    assert server.mailbox.count() == {"ada@example.org": 1, "grace@example.org": 1, "Edsger@example.net": 1}
    ids, urls = set(), set()
    for address in server.mailbox.count():
        (msg,) = server.mailbox.messages(address)
        assert msg.keys() == EXPECTED_HEADERS  # each exactly once
        assert msg["To"] == address
        assert msg["Subject"] == "Self-correcting models"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg["List-Id"].endswith("<newsletter.news.example.org>")
        assert msg["Date"].datetime >= before  # the time of sending, not of publishing
        https, mailto = re.fullmatch(r"<(https://[^>]+)>,\s*<(mailto:[^>]+)>", str(msg["List-Unsubscribe"])).groups()
        assert https.startswith("https://news.example.org/list/unsubscribe/")
        assert mailto.startswith("mailto:editor@news.example.org?subject=unsubscribe")
        for part in ("plain", "html"):
            body = msg.get_body((part,)).get_content()
            assert https in body and "{{unsubscribe_url}}" not in body
        ids.add(msg["Message-ID"])
        urls.add(https)
    assert len(ids) == len(urls) == 3
    # the web copy and the built message keep no one's data
    for built in (root / "dist").rglob("*"):
        if built.is_file():
            data = built.read_bytes().lower()
            assert not any(a.lower().encode() in data for a in ADDRESSES), built
    assert b"{{unsubscribe_url}}" not in (root / "dist" / "email" / f"{ISSUE_ID}.html").read_bytes()  # a web page: no placeholder
    out = capsys.readouterr().out
    assert "3 sent" in out and not any(a in out for a in ADDRESSES)

    assert run(root, "send", ISSUE_ID) == 0
    assert len(server.mailbox.received) == 3
    assert "nothing sent" in capsys.readouterr().out


def test_a_subscriber_added_later_gets_only_what_they_missed(tmp_path, server):
    root = make_project(tmp_path, server.port)
    run(root, "subscribers", "add", "ada@example.org")
    run(root, "send")
    run(root, "subscribers", "add", "grace@example.org")
    run(root, "send")
    assert server.mailbox.count() == {"ada@example.org": 1, "grace@example.org": 1}


def test_an_internationalised_address_is_sent_with_smtputf8(tmp_path, server):
    root = make_project(tmp_path, server.port)
    run(root, "subscribers", "add", "한글@example.org")
    assert run(root, "send") == 0
    (msg,) = server.mailbox.messages("한글@example.org")
    assert msg["To"] == "한글@example.org" and msg.keys() == EXPECTED_HEADERS


def test_a_second_send_while_one_runs_is_refused(tmp_path, server, capsys):
    from newsletter.deliver.commands import SEND_LOCK
    from newsletter.lock import project_lock

    root = make_project(tmp_path, server.port)
    run(root, "subscribers", "add", "ada@example.org")
    with project_lock(root / ".newsletter-private", name=SEND_LOCK):
        assert run(root, "send") == 1
    assert "another newsletter command" in capsys.readouterr().err
    assert not server.mailbox.received


def test_temporary_failures_are_retried_with_backoff(tmp_path, server, capsys):
    root = make_project(tmp_path, server.port)
    run(root, "subscribers", "add", "ada@example.org", "grace@example.org")
    server.mailbox.script["grace@example.org"] = ["451 4.3.0 try again later", "421 4.7.0 slow down"]
    assert run(root, "send") == 0
    assert server.mailbox.count() == {"ada@example.org": 1, "grace@example.org": 1}
    assert server.mailbox.rcpt_attempts["grace@example.org"] == 3
    assert "2 retries" in capsys.readouterr().out


def test_a_temporary_failure_that_lasts_is_left_for_the_next_send(tmp_path, server, capsys):
    root = make_project(tmp_path, server.port, extra="retries = 1\n")
    run(root, "subscribers", "add", "ada@example.org")
    server.mailbox.script["ada@example.org"] = ["450 mailbox busy"] * 2
    assert run(root, "send") == 1
    assert "1 failed" in capsys.readouterr().out
    assert run(root, "send") == 0
    assert server.mailbox.count() == {"ada@example.org": 1}


def test_a_permanent_refusal_marks_the_subscriber_bounced(tmp_path, server, capsys):
    root = make_project(tmp_path, server.port)
    run(root, "subscribers", "add", "ada@example.org", "nobody@example.org")
    server.mailbox.script["nobody@example.org"] = ["550 5.1.1 no such user"]
    assert run(root, "send") == 0
    assert "1 bounced" in capsys.readouterr().out
    run(root, "subscribers", "list", "--state", "bounced")
    assert capsys.readouterr().out.split("\t")[0] == "nobody@example.org"
    # a later issue is not sent to a bounced address
    run(root, "send")
    assert server.mailbox.rcpt_attempts["nobody@example.org"] == 1
    assert server.mailbox.count() == {"ada@example.org": 1}


def test_proof_and_dry_run_leave_the_journal_alone(tmp_path, server, capsys):
    root = make_project(tmp_path, server.port)
    run(root, "subscribers", "add", "ada@example.org")
    capsys.readouterr()
    assert run(root, "send", "--to", "editor@example.org") == 0
    assert run(root, "send", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "ada@example.org\tto send" in out and "would go to 1 subscribers" in out
    assert server.mailbox.count() == {"editor@example.org": 1}
    (proof,) = server.mailbox.messages("editor@example.org")
    assert proof.keys() == EXPECTED_HEADERS
    assert run(root, "send") == 0
    assert server.mailbox.count() == {"editor@example.org": 1, "ada@example.org": 1}


@pytest.mark.parametrize("issue_id, date", [("2024-09-W4", "2024-09-23"), ("2024-09-W2", "2024-09-09")])
def test_publish_send_sends_the_issue_it_published(tmp_path, server, issue_id, date):
    """The week after the published 2024-09-W3, or the one before it, still unpublished: it is the one sent."""
    root = make_project(tmp_path, server.port)
    issue = root / "issues" / "2024" / f"{issue_id}.yaml"
    issue.write_text(f"date: {date}\nentries:\n  - type: paper\n    title: A paper\n    url: https://arxiv.org/abs/2409.00001\n")
    run(root, "subscribers", "add", "ada@example.org")
    assert run(root, "publish", "--send") == 0
    assert "published: " in issue.read_text()
    (msg,) = server.mailbox.messages("ada@example.org")
    assert issue_id in msg["Message-ID"]


def test_an_unpublished_issue_is_not_sent(tmp_path, server, capsys):
    root = make_project(tmp_path, server.port)
    (root / "issues" / "2024" / "2024-09-W4.yaml").write_text("date: 2024-09-23\nentries: []\n")
    run(root, "subscribers", "add", "ada@example.org")
    assert run(root, "send", "2024-09-W4") == 1
    assert "not a published issue" in capsys.readouterr().err
    assert not server.mailbox.received


def test_an_unreachable_relay_is_one_line_and_sends_nothing(tmp_path):
    with SMTPServer() as gone:
        port = gone.port
    root = make_project(tmp_path, port, extra="retries = 1\n")
    newsletter(root, "subscribers", "add", "ada@example.org")
    result = newsletter(root, "send")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "cannot reach the relay at 127.0.0.1" in result.stderr
    assert "ada@example.org" not in result.stderr + result.stdout


def test_kill_9_mid_send_then_resume_delivers_everyone_and_repeats_only_in_doubt(tmp_path):
    addresses = [f"reader{n:03}@example.org" for n in range(240)]
    with SMTPServer(Mailbox(delay=0.01)) as server:
        root = make_project(tmp_path, server.port, extra="connections = 4\n")
        newsletter(root, "subscribers", "add", *addresses)
        sending = subprocess.Popen([sys.executable, "-m", "newsletter", "-C", str(root), "send"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(server.mailbox.received) < 60 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(sending.pid, signal.SIGKILL)
        sending.wait()
        time.sleep(0.1)  # messages the server was accepting at the kill arrive
        at_kill = len(server.mailbox.received)
        assert 60 <= at_kill < len(addresses)

        resumed = newsletter(root, "send")
        assert resumed.returncode == 0, resumed.stderr
        counts = server.mailbox.count()
        assert set(counts) == set(addresses)  # everyone has it
        twice = [a for a, n in counts.items() if n > 1]
        assert max(counts.values()) <= 2
        in_doubt = int(re.search(r"(\d+) in doubt", resumed.stdout)[1]) if "in doubt" in resumed.stdout else 0
        assert len(twice) <= in_doubt <= 4  # at most one message per open connection
        assert not any(a in resumed.stdout + resumed.stderr for a in addresses)

        again = newsletter(root, "send")
        assert "nothing sent" in again.stdout
        assert server.mailbox.count() == counts
