"""Hostile text in the ready-to-send message: nothing from an issue file or the config becomes a header line."""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

import pytest

from hostile import assert_graceful, located, run, write_project

ISSUE = "issues/2024/2024-02-W5.yaml"
EML = "dist/email/2024-02-W5.eml"
HEADERS = ["Subject", "From", "To", "Date", "Message-ID", "MIME-Version", "Content-Type"]
UNSUBSCRIBE = ["List-Unsubscribe", "List-Unsubscribe-Post"]
INJECTIONS = {
    "q-encoded-crlf": "=?utf-8?q?Weekly=0D=0ABcc=3A_list=40attacker=2Eexample?=",
    "b-encoded-crlf": "=?UTF-8?B?V2Vla2x5DQpCY2M6IGxpc3RAYXR0YWNrZXIuZXhhbXBsZQ==?=",
    "encoded-lf-mid-text": "AI weekly =?iso-8859-1?q?x=0ABcc:_a=40b.example?= news",
    "adjacent-words": "=?utf-8?q?a?= =?utf-8?q?=0D=0A?= =?utf-8?q?Bcc:_x=40y.example?=",
    "raw-crlf": "Weekly\r\nBcc: list@attacker.example",
    "raw-lf-fold": "Weekly\n Bcc: list@attacker.example\nX-Evil: 1",
    "unicode-breaks": "Weekly\u2028Bcc: a@b.example\u0085X-Evil: 1\u2029X-Other: 2",
    "control": "Weekly\x1b]0;owned\x07\x00 news",
    "long-encoded": "=?utf-8?q?" + "=0D=0AX-Evil:_1" * 40 + "?=",
}


def eml_message(root: Path) -> email.message.EmailMessage:
    return email.message_from_bytes((root / EML).read_bytes(), policy=policy.default)


def build_with(root: Path, field: str, text: str, toml: str = "") -> email.message.EmailMessage | None:
    """The message built from an issue whose ``field`` is ``text``; None when the loader refused the text at its place."""
    issue = f"date: 2024-02-29\n{field}: {json.dumps(text)}\nentries:\n  - type: paper\n    title: T\n    url: https://arxiv.org/abs/2402.12354\n"
    write_project(root, {ISSUE: issue}, toml)
    result = run(root, "build")
    assert_graceful(result)
    if result.status == 1 and located(result).get(Path(ISSUE).name) == [(2, len(field) + 3)]:
        return None
    assert result.status == 0, result.text
    return eml_message(root)


@pytest.mark.parametrize("field", ["title", "label"])
@pytest.mark.parametrize("text", INJECTIONS.values(), ids=INJECTIONS.keys())
def test_issue_text_never_becomes_a_header(tmp_path: Path, field: str, text: str) -> None:
    msg = build_with(tmp_path, field, text)
    if msg is None:
        assert "\x00" in text or "\x1b" in text  # control characters are refused where they stand
        return
    assert msg.keys() == HEADERS and not msg.defects
    # encoded-word markers and line breaks are text of the subject, shown as written (whitespace collapsed)
    assert " ".join(text.split()) in " ".join(msg["Subject"].split())


def test_plain_subject_stays_readable(tmp_path: Path) -> None:
    build_with(tmp_path, "title", "AI weekly: LoRA+ & Genie")
    raw = (tmp_path / EML).read_bytes()
    assert b"\r\nSubject: AI weekly: LoRA+ & Genie\r\n" in b"\r\n" + raw


def test_an_injected_list_unsubscribe_is_refused_at_its_config_line(tmp_path: Path) -> None:
    toml = '[email]\nlist_unsubscribe = "<https://x.example/u>=?utf-8?q?=0D=0ABcc=3A_a=40b.example?="\n'
    write_project(tmp_path, {ISSUE: "date: 2024-02-29\nentries: []\n"}, toml)
    result = run(tmp_path, "build")
    assert_graceful(result)
    assert result.status == 1 and located(result).get("newsletter.toml") == [(2, 1)], result.text
    assert not (tmp_path / EML).exists()


@pytest.mark.parametrize("value", [
    "<https://x.example/u>\r\nBcc: a@b.example", "<https://x.example/u> Bcc: a@b.example", "<javascript:alert(1)>",
    "https://x.example/u", "<https://x.example/a=?b>", "<https://x.example/\u2028>", "",
])
def test_list_unsubscribe_holds_only_links_in_brackets(tmp_path: Path, value: str) -> None:
    toml = f"[email]\nlist_unsubscribe = {json.dumps(value)}\n"
    write_project(tmp_path, {ISSUE: "date: 2024-02-29\nentries: []\n"}, toml)
    result = run(tmp_path, "build")
    assert_graceful(result)
    if value:
        assert result.status == 1 and "newsletter.toml" in located(result), result.text
    else:
        assert result.status == 0 and eml_message(tmp_path).keys() == HEADERS


def test_a_valid_list_unsubscribe_adds_exactly_its_two_headers(tmp_path: Path) -> None:
    toml = '[email]\nlist_unsubscribe = "<https://x.example/u?id=1>, <mailto:leave@x.example?subject=unsubscribe>"\n'
    msg = build_with(tmp_path, "title", INJECTIONS["q-encoded-crlf"], toml)
    assert msg is not None and msg.keys() == HEADERS[:-1] + UNSUBSCRIBE + HEADERS[-1:]
    assert msg["List-Unsubscribe"].strip() == "<https://x.example/u?id=1>, <mailto:leave@x.example?subject=unsubscribe>"


@pytest.mark.parametrize("sender", [
    "=?utf-8?q?x=22_=3Cevil=40attacker.example=3E?= <a@b.example>",
    "=?utf-8?q?A=0D=0ABcc=3A_q=40y.example?= <a@b.example>",
    "", "   ", "nobody", "a@b.example, c@d.example",
])
def test_a_sender_that_would_change_meaning_is_refused(tmp_path: Path, sender: str) -> None:
    toml = f"[email]\nfrom_address = {json.dumps(sender)}\n"
    write_project(tmp_path, {ISSUE: "date: 2024-02-29\nentries: []\n"}, toml)
    result = run(tmp_path, "build")
    assert_graceful(result)
    assert result.status == 1 and "newsletter.toml" in located(result), result.text


def test_a_named_sender_in_any_script_is_kept(tmp_path: Path) -> None:
    msg = build_with(tmp_path, "title", "t", '[email]\nfrom_address = "AI 위클리 <weekly@x.example>"\n')
    assert msg is not None and msg.keys() == HEADERS
    assert msg["From"].addresses[0].display_name == "AI 위클리"


SENT = ["Subject", "From", "MIME-Version", "To", "Date", "Message-ID", "List-Id", "List-Unsubscribe",
        "List-Unsubscribe-Post", "Content-Type"]


@pytest.mark.parametrize("title", [*INJECTIONS.values(), "AI 위클리 " * 12, 'A" <x@evil.example>, "B'],
                         ids=[*INJECTIONS.keys(), "long-korean", "quotes"])
def test_the_sent_message_has_exactly_its_headers(tmp_path: Path, title: str) -> None:
    """Each subscriber's copy (made by `send` from the built message) adds its own headers, the List-Id among them
    with the newsletter's title as text: whatever the title holds, no other header appears."""
    from newsletter.deliver.message import Recipient, load_template
    from newsletter.project import Project

    toml = f"title = {json.dumps(title)}\n"
    write_project(tmp_path, {ISSUE: "date: 2024-02-29\nentries: []\n"}, toml)
    result = run(tmp_path, "build")
    assert_graceful(result)
    if result.status == 1:  # a title with control characters is refused at its line
        assert located(result).get("newsletter.toml") == [(1, 1)] and any(c in title for c in "\r\n\x00\x1b\u2028\u0085")
        return
    template = load_template(tmp_path / EML, "2024-02-W5", Project(tmp_path).config)
    sent = template.render(Recipient("reader@example.org", "https://x.example/u?t=1", "mailto:u@x.example?subject=t"))
    msg = email.message_from_bytes(sent, policy=policy.default)
    assert msg.keys() == SENT and not msg.defects
    # the title is text of the List-Id, shown as written (an encoded-word marker in it stays as typed)
    shown = " ".join(str(msg["List-Id"]).replace('"', "").split())
    assert shown == " ".join(title.replace('"', "").replace("<", "").replace(">", "").split()) + " <newsletter.example.com>"
