"""``newsletter schema``: the JSON Schema of an issue file, for editor completion."""

from __future__ import annotations

import json

from newsletter.model import Issue


def issue_schema() -> dict:
    """The JSON Schema of an issue file, derived from the model."""
    schema = Issue.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Newsletter issue"
    # `published` is a date-time string: the loader reads every scalar as text, quoted or not
    return schema


def print_schema() -> int:
    """Print the JSON Schema of an issue file."""
    print(json.dumps(issue_schema(), ensure_ascii=False, indent=2))
    return 0
