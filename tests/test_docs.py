"""Documentation made from the code: each rule documents itself, and the README's rule table is the registry's."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from newsletter.cli import main
from newsletter.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_rule_table_is_the_registry():
    spec = importlib.util.spec_from_file_location("docs", ROOT / "tools" / "docs.py")
    docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docs)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.readme(text) == text, "README.md is out of date: run `python tools/docs.py`"


def test_every_rule_says_what_why_and_shows_an_example():
    for r in all_rules().values():
        assert r.description and r.why and r.example and r.fix in (None, "safe", "unsafe"), r.name


def test_rules_name_prints_one_rules_documentation(tmp_path, capsys):
    assert main(["-C", str(tmp_path), "rules", "link-tracking"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("link-tracking (warning)") and "Why it matters:" in out and "Fix: safe" in out
    assert "utm_source=x" in out  # the example
    assert main(["-C", str(tmp_path), "rules", "link-trackin"]) == 2
    assert "did you mean 'link-tracking'" in capsys.readouterr().err
