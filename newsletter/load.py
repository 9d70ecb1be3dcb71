"""Read issue files: YAML → plain data with source positions → validated :class:`Issue`.

Parsing uses libyaml's composer (fast, constructs no objects) and keeps the node
tree, so any value can later be traced to its file, line and column.
"""

from __future__ import annotations

import bisect
import difflib
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from newsletter.errors import Diagnostic
from newsletter.fsio import inside, outside_message
from newsletter.model import Bullet, Entry, Issue
from newsletter.weeks import parse_issue_id

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PathKey = tuple[str | int, ...]
MAX_DEPTH = 64
# libyaml's composer recurses in C and overflows the stack somewhere past 20,000 levels; below this
# many collection indicators a file cannot nest that deep, so only larger files pay for a pre-scan
PRESCAN_INDICATORS = 5000
_INDICATORS = "[{-:?"
_LINE_BREAK = re.compile(r"\r\n?|\n")
# what XML 1.0 cannot carry (the feeds and the email are XML): C0 controls but tab and line breaks,
# and U+FFFE/U+FFFF; a YAML escape such as "\0" is the only way to write them
_HIDDEN_BREAK = re.compile("[\x85\u2028\u2029]")
_FORBIDDEN_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STANDARD_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
# the plain scalars whose implicit tag matters here: null, and the merge and value markers refused as tags
_IMPLICIT_TAGS = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), "tag:yaml.org,2002:null"),
    "<<": "tag:yaml.org,2002:merge",
    "=": "tag:yaml.org,2002:value",
}


class _TextLoader(Loader):  # type: ignore[misc, valid-type]
    """The C loader resolving implicit tags by one lookup: every other scalar is read as text anyway,
    so matching it against the int, float, bool and timestamp patterns would only cost time."""

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return _IMPLICIT_TAGS.get(value, _STR) if implicit[0] else _STR  # type: ignore[arg-type]
        return _SEQ if kind is yaml.SequenceNode else _MAP


class _LoadError(Exception):
    def __init__(self, message: str, node: yaml.Node | None = None, rule: str = "schema", *, alias: bool = False):
        super().__init__(message)
        self.message, self.node, self.rule, self.alias = message, node, rule, alias


@dataclass
class Source:
    """The text of one YAML file and its node tree, for locating values."""

    path: Path
    display: str
    text: str
    root: yaml.Node | None = None
    _starts: list[int] | None = field(default=None, repr=False)

    def node(self, path: PathKey) -> tuple[yaml.Node | None, yaml.Node | None, bool]:
        """(key node, value node, found) at ``path``; the deepest existing ancestor when absent."""
        key, node = None, self.root
        for part in path:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for k, v in node.value:
                    if k.value == part:
                        key, node = k, v
                        break
                else:
                    return key, node, False
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                key, node = None, node.value[part]
            else:
                return key, node, False
        return key, node, True

    def position(self, path: PathKey = (), *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the value (or its key) at ``path``."""
        k, v, _ = self.node(path)
        n = k if key and k is not None else v
        return (1, 1) if n is None else self.line_column(n.start_mark.index)

    def line_column(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset, counting lines as editors do.

        libyaml also breaks lines at U+0085, U+2028 and U+2029, which editors show inside a line.
        """
        starts = self._line_starts()
        n = bisect.bisect_right(starts, index)
        return n, index - starts[n - 1] + 1

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self.text)]
        return self._starts

    def span(self, path: PathKey) -> tuple[int, int] | None:
        """Character offsets of the value at exactly ``path``, or None when absent."""
        _, v, found = self.node(path)
        return (v.start_mark.index, v.end_mark.index) if found and v is not None else None

    def line(self, n: int) -> str:
        """The text of 1-based line ``n`` without its line break (empty past the end)."""
        starts = self._line_starts()
        if not 0 < n <= len(starts):
            return ""
        end = starts[n] if n < len(starts) else len(self.text)
        return self.text[starts[n - 1] : end].rstrip("\r\n")

    def diagnostic(self, path: PathKey, rule: str, message: str, severity: str = "error", *, key: bool = False) -> Diagnostic:
        line, col = self.position(path, key=key)
        return Diagnostic(self.display, line, col, rule, message, severity)  # type: ignore[arg-type]


@dataclass
class LoadedIssue:
    """An issue file after loading: the validated model (None if invalid) and its source."""

    id: str
    source: Source
    issue: Issue | None
    # the entries that are valid on their own in a file that is not (ruff-like: check them anyway)
    salvaged: list[tuple[int, Entry]] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.source.path

    def entries(self) -> list[tuple[int, Entry]]:
        """(index, entry) of every entry the rules can check: all of a valid issue, else the salvaged ones."""
        return list(enumerate(self.issue.entries)) if self.issue is not None else self.salvaged


MAX_FILE_BYTES = 256 * 2**20


def source_bytes(path: Path, root: Path | None = None) -> bytes:
    """The bytes of a source file; OSError when it is a link leading out of the project at ``root`` (never read),
    or not a regular file of a sane size (a FIFO would block the open, a device such as /dev/zero never ends)."""
    if root is not None and not inside(root, path):
        raise OSError(outside_message(path))
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"{path.name} is not a regular file (a pipe, a device or a socket); an issue must be a plain file")
    if info.st_size > MAX_FILE_BYTES:
        raise OSError(f"{path.name} is larger than {MAX_FILE_BYTES // 2**20} MB; split it")
    return path.read_bytes()


def read_text(path: Path, display: str, root: Path | None = None) -> tuple[str | None, list[Diagnostic]]:
    """Read a file of the project at ``root`` as UTF-8 (a BOM is allowed); report unreadable or undecodable files."""
    try:
        data = source_bytes(path, root)
    except OSError as e:
        return None, [Diagnostic(display, 1, 1, "yaml-syntax", f"cannot read file: {e.strerror or e}")]
    return decode_text(data, display)


def decode_text(data: bytes, display: str) -> tuple[str | None, list[Diagnostic]]:
    """A file's bytes as UTF-8 text (a BOM is allowed); report undecodable bytes."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        return None, [Diagnostic(display, line, col, "yaml-syntax", "file is not valid UTF-8; save it as UTF-8")]


def parse_yaml(text: str, path: Path, display: str) -> tuple[Source, Any, list[Diagnostic]]:
    """Parse YAML text into (source, plain data, diagnostics); data is None on error."""
    source = Source(path, display, text)

    def error(index: int, rule: str, message: str) -> tuple[Source, Any, list[Diagnostic]]:
        return source, None, [Diagnostic(display, *source.line_column(index), rule, message)]

    # YAML reads these as line breaks, editors and line-based tools do not: a "comment" could hide real keys
    if sep := _HIDDEN_BREAK.search(text):
        return error(sep.start(), "yaml-syntax", f"the invisible line break U+{ord(sep[0]):04X} is not allowed in an issue file; "
                     f"remove it (in a double-quoted string it may be written \\u{ord(sep[0]):04X})")
    try:
        if deep := _too_deep(text):
            return error(deep.index, "yaml-syntax", f"nesting is too deep (over {MAX_DEPTH} levels)")
        source.root = yaml.compose(text, Loader=_TextLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "invalid YAML"
        return error(mark.index if mark else 0, "yaml-syntax", f"{problem}; fix the YAML syntax here")
    except yaml.reader.ReaderError as e:
        # its position counts bytes under libyaml; the offending character is the first of its kind
        return error(max(text.find(chr(e.character)), 0), "yaml-syntax", f"character U+{e.character:04X} is not allowed; remove it")
    except yaml.YAMLError as e:
        return error(0, "yaml-syntax", str(e).splitlines()[0])
    try:
        data = _plain(source.root, set(), 0) if source.root is not None else None
    except _LoadError as e:
        # the composer merges an alias into its anchor's node: only the events know where the alias is
        mark = _first_alias(text) if e.alias else e.node.start_mark if e.node else None
        return error(mark.index if mark else 0, e.rule, e.message)
    return source, data, []


def _too_deep(text: str) -> yaml.Mark | None:
    """Where the text first nests collections deeper than :data:`MAX_DEPTH`, without composing it."""
    if sum(text.count(c) for c in _INDICATORS) <= PRESCAN_INDICATORS:
        return None
    depth = 0
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return event.start_mark
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _plain(node: yaml.Node, seen: set[int], depth: int) -> Any:
    """Turn a node into str/None/list/dict, rejecting aliases, custom tags and duplicate keys."""
    if id(node) in seen:
        raise _LoadError("YAML anchors and aliases are not supported; write the value out", node, alias=True)
    if depth > MAX_DEPTH:
        raise _LoadError(f"nesting is too deep (over {MAX_DEPTH} levels)", node, "yaml-syntax")
    if node.tag not in _STANDARD_TAGS:
        raise _LoadError(f"YAML tag {node.tag!r} is not allowed; remove it", node)
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        if bad := _FORBIDDEN_CHAR.search(node.value):
            raise _LoadError(f"character U+{ord(bad[0]):04X} is not allowed in text; remove its escape", node)
        # every scalar is text: a title of `1984` or `yes` means the text the editor typed
        return None if node.tag.endswith(":null") else node.value
    if isinstance(node, yaml.SequenceNode):
        return [_plain(n, seen, depth + 1) for n in node.value]
    out: dict[str, Any] = {}
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            raise _LoadError("a key must be plain text", k)
        if k.value in out:
            raise _LoadError(f"duplicate key '{k.value}'; keep only one", k)
        out[k.value] = _plain(v, seen, depth + 1)
    return out


def _first_alias(text: str) -> yaml.Mark | None:
    """Where the first ``*alias`` of the text is."""
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark
    return None


def load_issue(path: Path, display: str | None = None, root: Path | None = None) -> tuple[LoadedIssue, list[Diagnostic]]:
    """Load and validate one issue file of the project at ``root``, returning every problem found as a diagnostic."""
    display = display or str(path)
    issue_id = path.stem
    text, diags = read_text(path, display, root)
    if text is None:
        return LoadedIssue(issue_id, Source(path, display, ""), None), diags
    return load_issue_text(text, path, display)


def load_issue_text(text: str, path: Path, display: str) -> tuple[LoadedIssue, list[Diagnostic]]:
    """Like :func:`load_issue` for text already read."""
    loaded, diags = _load_issue_text(text, path, display)
    if parse_issue_id(path.stem) is None:
        # the name is the issue's id: it becomes file names, URLs and message ids in every output
        loaded.issue = None
        diags.insert(0, Diagnostic(display, 1, 1, "schema", f"the file name '{path.name}' is not an issue id; name the file after "
                                   "its week, day or month as 2024-09-W3.yaml, 2024-09-16.yaml or 2024-09.yaml"))
    return loaded, diags


def _load_issue_text(text: str, path: Path, display: str) -> tuple[LoadedIssue, list[Diagnostic]]:
    source, data, diags = parse_yaml(text, path, display)
    loaded = LoadedIssue(path.stem, source, None)
    if diags:
        return loaded, diags
    if not isinstance(data, dict):
        what = "empty" if data is None else "not a mapping of keys"
        return loaded, [source.diagnostic((), "schema", f"an issue file must be a mapping with at least `date:`; this one is {what}")]
    try:
        issue = Issue.model_validate(data)
    except ValidationError as e:
        loaded.salvaged = _valid_entries(data.get("entries"))
        return loaded, _validation_diagnostics(e, data, source)
    loaded.issue = issue
    return loaded, []


def _valid_entries(entries: Any) -> list[tuple[int, Entry]]:
    """(index, entry) of each item of ``entries`` that is a valid entry on its own."""
    valid = []
    for i, item in enumerate(entries if isinstance(entries, list) else []):
        try:
            valid.append((i, Entry.model_validate(item)))
        except ValidationError:
            pass  # the file's own validation has reported it
    return valid


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {str: "text", list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` naming the choice closest to ``word``, or '' when none is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


_FIELDS = {"issue": list(Issue.model_fields), "entry": list(Entry.model_fields), "bullet": list(Bullet.model_fields)}
_UNION_TAGS = {"str", "Bullet"}


def _data_path(loc: tuple, data: Any) -> tuple[PathKey, Any, Any]:
    """Strip union-branch tags from a pydantic location: (path, value, parent)."""
    path: list[str | int] = []
    value, parent = data, None
    for part in loc:
        if isinstance(value, dict) and part in value:
            parent, value = value, value[part]
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            parent, value = value, value[part]
        elif part in _UNION_TAGS:
            continue
        else:
            path.append(part)
            parent, value = value, None
            break
        path.append(part)
    return tuple(path), value, parent


def _fields_for(path: PathKey) -> list[str]:
    if not path:
        return _FIELDS["issue"]
    if len(path) == 2 and path[0] == "entries":
        return _FIELDS["entry"]
    return _FIELDS["bullet"]


def _validation_diagnostics(err: ValidationError, data: Any, source: Source) -> list[Diagnostic]:
    out: dict[tuple, Diagnostic] = {}
    for e in err.errors():
        path, value, parent = _data_path(e["loc"], data)
        kind, key = e["type"], path[-1] if path else ""
        container = path[:-1]
        in_union = any(p in _UNION_TAGS for p in e["loc"])
        if in_union and isinstance(value, dict) and "str" in e["loc"]:
            continue  # the item is a mapping: only the Bullet branch's errors matter
        if kind == "missing":
            d = source.diagnostic(container, "schema", f"missing required key '{key}'; add `{key}:` here")
        elif kind == "extra_forbidden":
            d = source.diagnostic(path, "schema", f"unknown key '{key}'{did_you_mean(str(key), _fields_for(container))}; remove or rename it", key=True)
        elif path == ("date",):
            why = e["msg"].removeprefix("Value error, ") if kind == "value_error" else f"'{value}' is not a valid date; write it as YYYY-MM-DD"
            d = source.diagnostic(path, "date-invalid", why)
        elif path in (("published",), ("updated",)):
            why = e["msg"].removeprefix("Value error, ") if kind == "value_error" else f"'{value}' is not a timestamp with a time zone, e.g. 2024-09-20T09:00:00+09:00"
            d = source.diagnostic(path, "schema", why)
        elif in_union:
            d = source.diagnostic(path, "schema", f"a summary item must be text or a mapping with `text:` and `items:`, not {_kind(value)}")
        elif kind == "string_type":
            d = source.diagnostic(path, "schema", f"'{key}' must be text, not {_kind(value)}")
        elif kind == "list_type":
            d = source.diagnostic(path, "schema", f"'{key}' must be a list, not {_kind(value)}")
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            d = source.diagnostic(path, "schema", f"expected a mapping of keys here, not {_kind(value)}")
        elif kind == "literal_error":
            d = source.diagnostic(path, "schema", f"'{key}' {e['msg'].replace('Input should be', 'must be')}")
        else:
            d = source.diagnostic(path, "schema", f"'{key}': {e['msg']}")
        out.setdefault((d.line, d.column, d.message), d)
    return sorted(out.values(), key=lambda d: d.sort_key)
