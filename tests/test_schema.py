"""``newsletter schema``: a valid JSON Schema that agrees with the loader on real and broken files."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import jsonschema
import pytest

from newsletter.cli import main
from newsletter.load import parse_yaml

ISSUES = sorted((Path(__file__).parent.parent / "issues").rglob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    """A validator for the schema exactly as the command prints it."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["schema"]) == 0
    schema = json.loads(out.getvalue())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def plain(text: str) -> object:
    """YAML as an editor's language server sees it: every scalar a string (dates included)."""
    _, data, diags = parse_yaml(text, Path("x.yaml"), "x.yaml")
    assert diags == []
    return data


def errors(validator, text: str) -> list[str]:
    return [e.message for e in validator.iter_errors(plain(text))]


def test_schema_declares_its_dialect(validator):
    assert validator.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert validator.schema["title"] == "Newsletter issue"


@pytest.mark.parametrize("path", ISSUES, ids=[p.name for p in ISSUES])
def test_every_shipped_issue_is_valid(validator, path):
    assert list(validator.iter_errors(plain(path.read_text(encoding="utf-8-sig")))) == []


def test_there_are_shipped_issues():
    assert ISSUES


@pytest.mark.parametrize("field", ["org", "authors", "tags"])
def test_one_or_many_fields_take_a_string_or_a_list(validator, field):
    assert errors(validator, f"date: 2024-02-29\nentries:\n  - type: dev\n    title: t\n    {field}: A\n") == []
    assert errors(validator, f"date: 2024-02-29\nentries:\n  - type: dev\n    title: t\n    {field}: [A, B]\n") == []
    assert errors(validator, f"date: 2024-02-29\nentries:\n  - type: dev\n    title: t\n    {field}: {{a: b}}\n") != []


def test_nested_bullets_and_empty_entries(validator):
    assert errors(validator, "date: 2024-02-29\nentries:\n") == []
    text = "date: 2024-02-29\nentries:\n  - type: dev\n    title: t\n    summary:\n      - a\n      - text: b\n        items: [c, {text: d}]\n"
    assert errors(validator, text) == []


@pytest.mark.parametrize("text", [
    pytest.param("label: x\n", id="missing-date"),
    pytest.param("date: 2024-02-30\n", id="bad-date"),
    pytest.param("date: 2024-02-29\nentries:\n  - type: paper\n", id="missing-title"),
    pytest.param("date: 2024-02-29\nentries:\n  - type: paper\n    title: t\n    summry: [a]\n", id="unknown-key"),
    pytest.param("date: 2024-02-29\nentries:\n  - type: paper\n    title: [a]\n", id="wrong-type"),
    pytest.param("date: 2024-02-29\nlayout: poster\n", id="bad-layout"),
    pytest.param("date: 2024-02-29\nentries:\n  - type: paper\n    title: t\n    summary: [{items: [a]}]\n", id="bullet-without-text"),
])
def test_bad_files_are_rejected(validator, text):
    assert errors(validator, text) != []


def test_schema_command_prints_json(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["type"] == "object"
