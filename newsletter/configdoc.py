"""The settings documented from the config models: the commented ``newsletter.toml`` of ``init``, the README's table."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from newsletter.config import Config
from newsletter.tomledit import toml_key, toml_value

# settings every project should set; the rest are written commented, at their defaults
_SET = {"title", "description", "base_url", "author", "language"}


def _note(field: FieldInfo | None) -> str:
    """A setting's documentation, with its examples as TOML."""
    if field is None:
        return ""
    lines = [field.description or ""]
    for example in field.examples or []:
        lines.append("Example:  " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in example.items()))
    return "\n".join(lines).strip()


def _is_table(value: Any) -> bool:
    return isinstance(value, (BaseModel, dict))


def _models(value: Any) -> bool:
    """Whether ``value`` is a table of tables, each one model (``[types.NAME]``)."""
    return isinstance(value, dict) and bool(value) and all(isinstance(v, BaseModel) for v in value.values())


def _fields(value: Any) -> dict[str, FieldInfo]:
    return type(value).model_fields if isinstance(value, BaseModel) else {}


# --- the commented newsletter.toml ----------------------------------------------------------------


def _comment(text: str) -> list[str]:
    return ["# " + line for line in text.splitlines()]


def _setting(path: str, key: object, value: Any, note: str) -> str:
    line = f"{toml_key(key)} = {toml_value(value)}"
    if path not in _SET:
        line = "# " + line
    return f"{line:<40} # {note}" if note else line


def _table(path: str, value: BaseModel | dict, note: str, documented: bool = True) -> list[str]:
    """Commented TOML lines for a table at its defaults, sub-tables after its own settings; the keys of a table
    of tables (``[types.paper]``, ``[types.dev]``) are documented once, in the note of the whole."""
    lines = [""] + _comment(note)
    if _models(value):
        for key, sub in dict(value).items():
            lines += _table(f"{path}.{toml_key(key)}", sub, "", documented=False)
        return lines
    lines.append(f"# [{path}]")
    fields = _fields(value) if documented else {}
    items = dict(value)
    nested = {k: v for k, v in items.items() if _is_table(v)}
    for key, v in items.items():
        if key in nested:
            continue
        if v is None:  # unset by default: only described
            if note := _note(fields.get(key)):
                lines.append(f"# {key}: {note}")
            continue
        lines.append(_setting(f"{path}.{key}", key, v, _note(fields.get(key))))
    for key, sub in nested.items():
        lines += _table(f"{path}.{key}", sub, _note(fields.get(key)))
    return lines


def config_text(title: str, language: str) -> str:
    """A ``newsletter.toml`` showing every setting with its default and what it does."""
    defaults = Config(title=title, language=language)
    lines = [
        "# Settings of this newsletter. Every setting is optional and shown with its default;",
        '# a line starting with "# " keeps the default: remove the "# " (and that of its [table]) to change it.',
        "",
    ]
    tables = []
    for name, field in Config.model_fields.items():
        value = getattr(defaults, name)
        if _is_table(value):
            tables += _table(name, value, _note(field))
        else:
            lines.append(_setting(name, name, language if value is None else value, _note(field)))
    return "\n".join(lines + tables) + "\n"


# --- the README's table ---------------------------------------------------------------------------


def _cell(text: str) -> str:
    """``text`` as one table cell: on one line, ``|`` escaped, and ``<`` outside code spans too (GitHub would take
    ``<base_url>`` for an HTML tag)."""
    parts = " ".join(text.split("\n")).replace("|", "\\|").split("`")
    return "`".join(p if i % 2 else p.replace("<", "&lt;") for i, p in enumerate(parts))


def _default(value: Any) -> str:
    if value is None or isinstance(value, BaseModel):
        return ""
    if _models(value):
        return ", ".join(value)
    if isinstance(value, dict):
        return " ".join(map(str, value.values()))
    return f"`{toml_value(value)}`"


def _rows(name: str, field: FieldInfo, value: Any) -> list[str]:
    """The row of one setting; a table's row is followed by the rows of its settings."""
    if not _is_table(value):
        return [f"| `{name}` | {_cell(_default(value))} | {_cell(_note(field))} |"]
    rows = [f"| `[{name}]` | {_cell(_default(value))} | {_cell(_note(field))} |"]
    if _models(value):
        model = type(next(iter(value.values())))
        name, value = f"{name}.NAME", model.model_construct()
    nested = []
    for key, sub in _fields(value).items():
        default = getattr(value, key, None) if not sub.is_required() else None
        if _is_table(default):
            nested += _rows(f"{name}.{key}", sub, default)
        else:
            rows.append(f"| `[{name}] {key}` | {_cell(_default(default))} | {_cell(_note(sub))} |")
    return rows + nested


def settings_table() -> str:
    """The README's table of every setting: its default and what it does."""
    defaults = Config()
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for name, field in Config.model_fields.items():
        rows += _rows(name, field, getattr(defaults, name))
    return "\n".join(rows) + "\n"
