"""``init``, ``new`` (``new-week``) and ``add``: create a project, an issue file, and entries in it."""

from __future__ import annotations

import codecs
import functools
import datetime as dt
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsletter import PACKAGE_TEMPLATES, __version__, edit, urls
from newsletter.config import CONFIG_NAME, Config
from newsletter.configdoc import config_text
from newsletter.errors import NewsletterError, UsageError
from newsletter.fsio import atomic_write, editable, rewrite
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
    from newsletter.deliver.tokens import load_secret

    made = not root.exists()
    try:
        (root / "issues").mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            atomic_write(root / name, text)
        load_secret(root / Config().subscribers.secret_file)
    except BaseException:
        # the folder was new or empty: whatever is in it now is this run's, and half a project is worse than none
        _empty(root, remove=made)
        raise
    print(f"created {root}: {', '.join(files)}, issues/, a signing secret in .newsletter-private/")
    print(f"next: cd {root} && newsletter new")
    return 0


def _empty(root: Path, *, remove: bool) -> None:
    """Delete what ``root`` holds (and ``root`` itself if ``remove``)."""
    if remove:
        shutil.rmtree(root, ignore_errors=True)
        return
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


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
    rewrite(path, issue_file_text(project, day), project.root, project.display(path))
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
    loaded, diags = load_issue(path, project.display(path), project.root)
    editable(path, project.root, loaded.source.display)
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
    rewrite(loaded.path, (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"), project.root, display)
    position = ("entries", len(expected) - 1)
    if not existed:
        print(f"created {display}")
    if not title and info is None:
        line, col = check.source.position(position + ("title",))
        print(f"{display}:{line}:{col}: no --title given, so the title is the link; replace it with the link text")
    line, col = check.source.position(position)
    print(f"{display}:{line}:{col}: added a {entry_type} entry to {ident}")
    return 0
