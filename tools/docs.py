"""Rewrite the parts of README.md made from the code: the rule table (from the rule registry) and the settings
table (from the config models)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
_RULES = re.compile(r"(<!-- rules: [^\n]*-->\n)(.*?)(<!-- end rules -->)", re.S)
_SETTINGS = re.compile(r"(<!-- settings: [^\n]*-->\n)(.*?)(<!-- end settings -->)", re.S)


def readme(text: str) -> str:
    """``text`` (the README) with its generated parts made afresh."""
    from newsletter.check.formats import rules_table
    from newsletter.configdoc import settings_table

    text = _RULES.sub(lambda m: m[1] + rules_table() + "\n" + m[3], text)
    return _SETTINGS.sub(lambda m: m[1] + settings_table() + "\n" + m[3], text)


if __name__ == "__main__":
    old = README.read_text(encoding="utf-8")
    new = readme(old)
    if new != old:
        README.write_text(new, encoding="utf-8")
        print("README.md updated")
    sys.exit(0)
