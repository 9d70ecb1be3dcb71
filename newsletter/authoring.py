"""``init``, ``new`` (``new-week``) and ``add``: create a project, an issue file, and entries in it."""

from __future__ import annotations

import codecs
import functools
import datetime as dt
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from newsletter import PACKAGE_TEMPLATES, __version__, edit, urls
from newsletter.config import CONFIG_NAME, Config
from newsletter.errors import NewsletterError, UsageError
from newsletter.fsio import atomic_write
from newsletter.load import LoadedIssue, load_issue, load_issue_text
from newsletter.lock import LOCK_NAME
from newsletter.model import Entry
from newsletter.project import Project

if TYPE_CHECKING:
    from newsletter.links.intake import LinkInfo

SCHEMA_NAME = "issue.schema.json"
# the subscriber store and the signing secret are personal data and a credential: never in git
GITIGNORE = f"dist/\n.newsletter-cache/\n{LOCK_NAME}\n.newsletter-private/\n"


def _reporting_os_errors(command: Callable[..., int]) -> Callable[..., int]:
    """``command`` with a failed write reported as one line naming the file."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return command(*args, **kwargs)
        except OSError as e:
            raise NewsletterError(f"cannot write: {e.strerror or e}", e.filename) from None

    return wrapper


# --- init -----------------------------------------------------------------------------------------

# settings every project should set; the rest are written commented, at their defaults
_SET = {"title", "description", "base_url", "author", "language"}

_NOTES = {
    "title": "the newsletter's name: page titles, email subjects, feeds",
    "description": "one sentence about it, for the feeds and the page header",
    "base_url": "where the built site is served; links in emails and feeds start with it",
    "author": "shown as the author of the feeds",
    "language": '"ko" or "en": the language of the content',
    "label_language": 'week labels ("3rd week" / "3주차") and month names, when not in the content\'s language',
    "timezone": 'IANA time zone of "this week" and of publish times',
    "cadence": '"weekly", "daily" or "monthly": one issue file per week, day or month',
    "week_rule": '"day-of-month": week n holds days 7n-6 to 7n; "monday": calendar rows starting on Monday',
    "types": "Entry types: an emoji, the legend text, the link hosts from which `newsletter add` guesses the type\n"
    '(subdomains match too; "huggingface.co/papers" matches that path), and other spellings of the emoji\n'
    "accepted by `newsletter import`. Any [types.NAME] table replaces ALL of these defaults: copy the ones you keep.",
    "month_emoji": "The emoji after each month's heading in the archive.",
    "digest": "The Markdown archive of every issue. `newsletter import` sets these to the archive's own habits;\n"
    "header and footer (unset: the type legend, nothing) hold Markdown written before the first year and after the last week.",
    "digest.path": "where `newsletter build` writes it",
    "digest.order": '"oldest-first" or "newest-first"',
    "digest.separator": "between an entry's type emoji and its text",
    "digest.indent": "spaces per level of summary bullets",
    "digest.layout": '"archive", "post" or "daily"; an issue\'s own `layout:` wins',
    "email": "The HTML email and the ready-to-send message.",
    "email.unsubscribe_url": 'placeholder your email service fills in per recipient, e.g. "*|UNSUB|*"',
    "email.list_unsubscribe": 'the List-Unsubscribe header, e.g. "<https://example.com/unsubscribe>"',
    "email.size_warning_kb": "warn above this size (Gmail clips larger messages)",
    "feed": "The RSS and Atom feeds.",
    "feed.limit": "how many of the latest issues they carry",
    "subscribers": "The subscriber store (SQLite, with the send journal) and the secret that signs unsubscribe links;\n"
    "keep both out of git and dist/. NEWSLETTER_SECRET in the environment replaces the file.",
    "smtp": "The SMTP relay `newsletter send` uses. User and password come only from the environment:\n"
    "NEWSLETTER_SMTP_USER and NEWSLETTER_SMTP_PASSWORD.",
    "smtp.security": '"none", "starttls" or "tls"',
    "smtp.connections": "messages sent at once over separate connections",
    "smtp.max_per_second": "your relay's rate limit; 0 for none",
    "smtp.retries": "tries again after a temporary failure (4xx, dropped connection), waiting longer each time",
    "serve": "`newsletter serve`: the subscribe, confirm and unsubscribe pages, behind your reverse proxy.",
    "serve.url": 'their public address; "" means <base_url>list/',
    "serve.confirm_hours": "how long a confirmation link works",
    "site": "The web archive (dist/site/).",
    "site.subscribe_url": "where the subscribe form posts, e.g. the address of `newsletter serve`; no form when empty",
    "site.latest": "how many of the latest issues the home page shows in full",
    "check": "`newsletter check`.",
    "check.tracking_params": "query parameters to strip besides utm_*, fbclid, ref, si, ...",
    "check.orgs": "organisation names to accept besides the built-in list",
    "check.rules": 'Severity per rule ("error", "warning", "info" or "off"); `newsletter rules` lists them.\n'
    'Example:  "link-insecure" = "off"',
    "check.org_aliases": 'Other spellings of an organisation and the one to write instead.\nExample:  "Open AI" = "OpenAI"',
    "fetch": "The network: `newsletter add` reading a link's page, `newsletter check --online`.",
    "fetch.user_agent": 'empty: "newsletter/<version> (+<base_url>)"',
    "fetch.timeout": "seconds to wait for a server",
    "fetch.max_bytes": "read at most this much of a page",
    "fetch.max_redirects": "follow at most this many redirects",
    "fetch.concurrency": "links checked at once",
    "fetch.per_host": "links checked at once on one host",
    "fetch.max_retry_after": "longest Retry-After (seconds) waited for before a link counts as unavailable",
    "fetch.cache_hours": "how long `check --online` trusts an earlier answer (--refresh ignores it)",
    "fetch.arxiv_api": "arXiv's API (titles, authors, dates; batched link checks)",
    "fetch.arxiv_batch": "arXiv ids per API request",
    "fetch.arxiv_delay": "seconds between two requests to arXiv's API, as arXiv asks",
    "fetch.github_api": "GitHub's REST API (repository name, description, owner)",
    "fetch.openreview_api": "OpenReview's API (title, venue)",
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_key(key: object) -> str:
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _comment(text: str) -> list[str]:
    return ["# " + line for line in text.splitlines()]


def _setting(path: str, key: object, value: Any) -> str:
    line = f"{_toml_key(key)} = {_toml_value(value)}"
    if path not in _SET:
        line = "# " + line
    note = _NOTES.get(path)
    return f"{line:<40} # {note}" if note else line


def _table(path: str, value: BaseModel | dict) -> list[str]:
    """Commented TOML lines for a table at its defaults, sub-tables after its own settings."""
    lines = [""] + _comment(_NOTES[path]) if path in _NOTES else [""]
    items = dict(value)
    if items and all(isinstance(v, BaseModel) for v in items.values()):
        for key, sub in items.items():
            lines += _table(f"{path}.{_toml_key(key)}", sub)
        return lines
    lines.append(f"# [{path}]")
    nested = {k: v for k, v in items.items() if isinstance(v, (BaseModel, dict))}
    lines += [_setting(f"{path}.{k}", k, v) for k, v in items.items() if k not in nested and v is not None]
    for key, sub in nested.items():
        lines += _table(f"{path}.{key}", sub)
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
    for name in Config.model_fields:
        value = getattr(defaults, name)
        if isinstance(value, (BaseModel, dict)):
            tables += _table(name, value)
        else:
            lines.append(_setting(name, name, language if value is None else value))
    return "\n".join(lines + tables) + "\n"


def package_templates() -> list[str]:
    """Names of the templates shipped with the package, as a project would override them."""
    if not PACKAGE_TEMPLATES.is_dir():
        return []
    found = (p.relative_to(PACKAGE_TEMPLATES) for p in PACKAGE_TEMPLATES.rglob("*") if p.is_file())
    return sorted(p.as_posix() for p in found if not any(part.startswith((".", "__")) for part in p.parts))


def templates_readme() -> str:
    """The README of a new project's ``templates/``: how overriding works and what can be overridden."""
    names = package_templates()
    listing = "\n".join(f"- `{n}`" for n in names) or "- (none)"
    return f"""# Templates

A file in this folder overrides the package template of the same name: `newsletter build`
looks here first and falls back to the templates shipped with newsletter. To change one,
copy the original here under the same name and edit the copy; delete the copy to go back.

Templates are Jinja2. HTML, MJML and XML templates escape their values; Markdown ones do not.
A mistake in a template is reported with the template's file name and line.

An override can build on the packaged template instead of copying it whole: the packaged one
is always reachable as `default/NAME`, for `{{% include "default/NAME" %}}` or
`{{% extends "default/NAME" %}}`.

Templates shipped with newsletter {__version__} when this project was created:

{listing}

The originals are in the `templates` folder of the installed package; print its location with
`python -c "import newsletter; print(newsletter.PACKAGE_TEMPLATES)"`.
"""


@_reporting_os_errors
def init(root: Path, *, language: str = "en") -> int:
    """Create a project in the empty or new folder ``root``."""
    if root.exists() and not root.is_dir():
        raise NewsletterError("is not a folder; choose an empty or new folder", str(root))
    if root.is_dir() and any(root.iterdir()):
        raise NewsletterError("is not empty; choose an empty or new folder (nothing was written)", str(root))
    title = root.resolve().name or "Newsletter"
    from newsletter.schema import issue_schema

    files = {
        CONFIG_NAME: config_text(title, language),
        SCHEMA_NAME: json.dumps(issue_schema(), ensure_ascii=False, indent=2) + "\n",
        "templates/README.md": templates_readme(),
        ".gitignore": GITIGNORE,
    }
    (root / "issues").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        atomic_write(root / name, text)
    from newsletter.deliver.tokens import load_secret

    load_secret(root / Config().subscribers.secret_file)
    print(f"created {root}: {', '.join(files)}, issues/, a signing secret in .newsletter-private/")
    print(f"next: cd {root} && newsletter new")
    return 0


# --- new, new-week --------------------------------------------------------------------------------


def _today(config: Config) -> dt.date:
    from dateutil import tz

    return dt.datetime.now(tz.gettz(config.timezone)).date()


def _example_entry(config: Config) -> dict[str, Any]:
    ko = config.language == "ko"
    return {
        "type": next(iter(config.types)),
        "org": "Google DeepMind",
        "title": "링크 제목" if ko else "Title of the link",
        "url": "https://example.com/post",
        "summary": ["한 줄 요약 (Markdown)" if ko else "A one-line summary in Markdown"],
    }


def issue_file_text(project: Project, day: dt.date) -> str:
    """The text of a new issue file for the issue covering ``day``: its date, a commented example, no entries."""
    lines = []
    schema = project.root / SCHEMA_NAME
    if schema.is_file():
        folder = project.issue_path(project.config.periods.issue_id(day)).parent
        lines.append(f"# yaml-language-server: $schema={Path(os.path.relpath(schema, folder)).as_posix()}")
    lines.append(f"date: {day.isoformat()}")
    lines.append("# Add links with `newsletter add URL`, or by hand below `entries:` like this:")
    lines += ["#" + line for line in edit.item_lines(_example_entry(project.config), 3, 2)]
    lines.append("entries: []")
    return "\n".join(lines) + "\n"


def _existing_issue_file(project: Project, ident: str) -> Path | None:
    """The file of issue ``ident`` wherever it is under ``issues/``."""
    return next((p for p in project.issue_files() if p.stem == ident), None)


@_reporting_os_errors
def new_week(project: Project, *, date: dt.date | None = None) -> int:
    """``new`` in a weekly newsletter; in another, an error pointing to ``new``."""
    cadence = project.config.cadence
    if cadence != "weekly":
        raise NewsletterError(f"this newsletter is {cadence} (cadence in {CONFIG_NAME}), so its issues are not weeks; "
                              "create the current issue with `newsletter new`")
    return new(project, date=date)


@_reporting_os_errors
def new(project: Project, *, date: dt.date | None = None) -> int:
    """Create the file of the issue covering ``date`` (default today); never overwrite."""
    day = date or _today(project.config)
    ident = project.config.periods.issue_id(day)
    path = project.issue_path(ident)
    # the path itself too: whatever lies there (a file the listing could not see) is never replaced
    existing = _existing_issue_file(project, ident) or (path if os.path.lexists(path) else None)
    if existing is not None:
        raise NewsletterError(f"the issue file of {ident} already exists; nothing changed", project.display(existing))
    atomic_write(path, issue_file_text(project, day))
    print(project.display(path))
    return 0


# --- add ------------------------------------------------------------------------------------------


def _entry_type(url: str, given: str | None, config: Config) -> str:
    known = ", ".join(config.types)
    if given is not None:
        if given not in config.types:
            raise UsageError(f"argument --type: unknown entry type '{given}'; use one of: {known}")
        return given
    inferred = urls.infer_type(url, config.types)
    if inferred is None:
        raise UsageError(f"cannot tell the type of a link to {urls.host(url)}; give --type (one of: {known})")
    return inferred


def _normalized_url(given: str, config: Config) -> str:
    """The link as stored; says what normalisation changed."""
    extra = set(config.check.tracking_params)
    url = urls.normalize(given, extra, urls.config_hosts(config))
    if not urls.is_web_link(url):
        raise UsageError(f"{given!r} is not a web link; give it as https://host/path")
    if url != given:
        removed = urls.tracking_params(given, extra)
        why = f" (removed tracking parameters: {', '.join(removed)})" if removed else ""
        print(f"url: {given} -> {url}{why}")
    return url


def _issue(text: str | None, config: Config) -> tuple[str, dt.date]:
    """The issue id to add to and a date in that issue (today for the current issue)."""
    periods = config.periods
    if text is None:
        today = _today(config)
        return periods.issue_id(today), today
    try:
        return text, periods.span(text)[0]
    except ValueError as e:
        raise UsageError(f"argument --issue: {e}") from None


def _refuse_duplicate(issues: list[LoadedIssue], *links: str | None) -> None:
    """Fail naming the earlier entry when the archive already links to the same page as one of ``links``."""
    keys = {urls.identity(u): u for u in links if u}
    for loaded in issues:
        for i, entry in enumerate(loaded.issue.entries if loaded.issue else []):
            if entry.url and (url := keys.get(urls.identity(entry.url))):
                line, col = loaded.source.position(("entries", i, "url"))
                raise NewsletterError(
                    f"{url} is already in the archive ({loaded.id}: {entry.title}); add --allow-duplicate to add it again",
                    loaded.source.display, line, col,
                )


def _refuse_check_errors(project: Project, doc: LoadedIssue, index: int) -> None:
    """Fail with the message ``check`` would give when the new entry breaks a rule it treats as an error."""
    from newsletter.check.runner import entry_diagnostics, failing

    errors = failing(entry_diagnostics(project.config, doc, index))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise NewsletterError(f"error[{first.rule}] {first.message}{more}; not added (add --force to add it anyway)")


def _refuse_published(loaded: LoadedIssue, named: bool) -> None:
    """Fail when the issue already went out, unless the editor named its week on purpose."""
    if loaded.issue is not None and loaded.issue.published is not None and not named:
        raise NewsletterError(
            f"{loaded.id} was published at {loaded.issue.published.isoformat()}; add --issue {loaded.id} to change it anyway",
            loaded.source.display,
        )


def fetch_info(config: Config, url: str, issues: list[LoadedIssue]) -> LinkInfo:
    """What the link says about itself, organisations spelled as ``check`` wants; one line if the network fails."""
    from newsletter.links.fetch import FetchError
    from newsletter.links.intake import lookup
    from newsletter.rules import Context
    from newsletter.rules.text import org_index, org_uses

    index = org_index(Context(config, sum((org_uses(d) for d in issues if d.issue), Counter())))
    try:
        return lookup(config, url, index.canonical)
    except FetchError as e:
        raise NewsletterError(f"could not read {url}: {e}; give the entry's text with --title (or use --no-fetch)") from None


def _one_or_list(values: list[str]) -> str | list[str] | None:
    return values[0] if len(values) == 1 else values or None


def _entry(given: dict[str, Any], entry_type: str, url: str, info: LinkInfo | None) -> dict[str, Any]:
    """The new entry as plain data, keys in the order the issue files use; ``given`` wins over what was fetched."""
    summary = given["summary"] or ([info.summary] if info and info.summary else None)
    entry = {
        "type": entry_type, "org": _one_or_list(given["orgs"] or (info.orgs if info else [])), "icon": given["icon"],
        "title": given["title"] or (info.title if info else url), "url": url,
        "note": given["note"] or (info.note if info else None), "summary": summary,
        "authors": _one_or_list(info.authors) if info else None,
    }
    return {k: v for k, v in entry.items() if v is not None}


def _target(project: Project, ident: str, day: dt.date) -> tuple[LoadedIssue, bool, bool]:
    """The issue to add to (loaded, or new from the issue template), whether it exists, whether it has a BOM."""
    path = _existing_issue_file(project, ident)
    if path is None:
        path = project.issue_path(ident)
        loaded, _ = load_issue_text(issue_file_text(project, day), path, project.display(path))
        return loaded, False, False
    loaded, diags = load_issue(path, project.display(path))
    if loaded.issue is None:
        d = diags[0]
        raise NewsletterError(f"{d.message}; fix this file before adding to it", d.file, d.line, d.column)
    return loaded, True, path.read_bytes().startswith(codecs.BOM_UTF8)


@_reporting_os_errors
def add(
    project: Project, url: str, *, type: str | None = None, orgs: Sequence[str] = (), title: str | None = None,
    icon: str | None = None, note: str | None = None, summary: Sequence[str] = (), issue: str | None = None,
    allow_duplicate: bool = False, fetch: bool = True, force: bool = False,
) -> int:
    """Append an entry linking ``url`` to the current issue (or ``issue``), keeping everything else in the file
    as it was. The type is inferred from the link and the text fetched from its page unless given."""
    config = project.config
    given = {"orgs": list(orgs), "title": title, "icon": icon, "note": note, "summary": list(summary)}
    url = _normalized_url(url, config)
    entry_type = _entry_type(url, type, config)
    ident, day = _issue(issue, config)
    issues, _ = project.load_issues()
    if not allow_duplicate:
        _refuse_duplicate(issues, url)
    loaded, existed, bom = _target(project, ident, day)
    _refuse_published(loaded, issue is not None)
    info = None
    if title is None and fetch:
        info = fetch_info(config, url, issues)
        if info.url != url:
            print(f"url: {url} -> {info.url} (where it redirects)")
            url = _normalized_url(info.url, config)
        if not allow_duplicate:
            _refuse_duplicate(issues, url, info.same_as)
        if info.submitted:
            print(f"submitted {info.submitted}")
    entry = _entry(given, entry_type, url, info)
    display = loaded.source.display
    text = edit.append_item(loaded.source, "entries", entry)
    check, _ = load_issue_text(text, loaded.path, display)
    expected = [*(loaded.issue.entries if loaded.issue else []), Entry.model_validate(entry)]
    if check.issue is None or check.issue.entries != expected:
        raise NewsletterError("could not append the entry without disturbing the file; add it by hand", display)
    if not force:
        _refuse_check_errors(project, check, len(expected) - 1)
    atomic_write(loaded.path, (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    position = ("entries", len(expected) - 1)
    if not existed:
        print(f"created {display}")
    if not title and info is None:
        line, col = check.source.position(position + ("title",))
        print(f"{display}:{line}:{col}: no --title given, so the title is the link; replace it with the link text")
    line, col = check.source.position(position)
    print(f"{display}:{line}:{col}: added a {entry_type} entry to {ident}")
    return 0
