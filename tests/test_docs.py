"""Documentation made from the code: each rule and each setting documents itself; the README's rule and settings
tables and the comments of the newsletter.toml that `init` writes are made from that."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pydantic import BaseModel

from newsletter import config
from newsletter.cli import main
from newsletter.configdoc import config_text
from newsletter.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_rule_and_settings_tables_are_made_from_the_code():
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


def _setting_models() -> list[type[BaseModel]]:
    return [m for m in vars(config).values()
            if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == config.__name__ and m.model_fields]


def test_every_setting_says_what_it_does():
    assert config.Config in _setting_models() and config.SmtpConfig in _setting_models()
    for model in _setting_models():
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_init_comments_every_setting_with_its_description():
    text = config_text("Digest", "ko")
    for model in _setting_models():
        if model is config.EntryType:  # documented once, in the note of [types]
            continue
        for name, field in model.model_fields.items():
            assert field.description.splitlines()[0] in text, f"{model.__name__}.{name}"
    assert '# Example:  "Open AI" = "OpenAI"\n# [check.org_aliases]' in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| `[smtp] backoff` | `2.0` | seconds before the first retry" in readme
