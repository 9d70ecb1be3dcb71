"""``newsletter publish``: check an issue, build with it published, and record when it went out."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from email.utils import parseaddr

from dateutil import tz

from newsletter import edit, ledger, urls
from newsletter.build.plan import render_build, write_build
from newsletter.check.runner import Loaded, failing, load_all, rule_levels, run_rules
from newsletter.config import CONFIG_NAME, Config
from newsletter.errors import NewsletterError, UsageError
from newsletter.fsio import atomic_write, editable
from newsletter.load import LoadedIssue, load_issue_text
from newsletter.model import in_range
from newsletter.outputs import ARCHIVE, ISSUE, archive_paths, issue_paths
from newsletter.project import Project

Clock = Callable[[], dt.datetime]
# the hosts a new project's config starts with: nobody can receive mail or serve a site there
PLACEHOLDER_HOSTS = {"example.com", "www.example.com"}


def span(loaded: LoadedIssue, config: Config) -> tuple[dt.date, dt.date]:
    """The first and last day an issue covers: by its id, else (an id of another cadence) its ``date``."""
    try:
        return config.periods.span(loaded.id)
    except ValueError:
        return loaded.issue.date, loaded.issue.date  # type: ignore[union-attr]


def current(issues: list[LoadedIssue], today: dt.date, config: Config) -> LoadedIssue | None:
    """The issue to publish now: the oldest unpublished one whose week (day, month) has begun by ``today``."""
    begun = [i for i in issues if i.issue and i.issue.published is None and span(i, config)[0] <= today]
    return begun[0] if begun else None


def find(project: Project, issue_id: str, archive: Loaded) -> LoadedIssue:
    """The issue named ``issue_id`` in the loaded ``archive``; a file that does not load stops here with its errors."""
    for path in project.issue_files():
        if path.stem == issue_id:
            loaded, _ = archive[path]
            if loaded.issue is None:
                refuse_on_errors(project, loaded, archive)  # lists the file's errors and stops
            return loaded
    raise NewsletterError(f"no issue {issue_id}; expected {project.display(project.issue_path(issue_id))}")


def refuse_placeholders(config: Config) -> None:
    """Stop while ``base_url`` or the sender still is the ``example.com`` placeholder of a new project."""
    if urls.host(config.base_url) in PLACEHOLDER_HOSTS:
        raise NewsletterError(f"not published: base_url is still the placeholder {config.base_url}; set it to where the site is served", CONFIG_NAME)
    sender = parseaddr(config.email.from_address)[1]
    if sender.rpartition("@")[2].lower() in PLACEHOLDER_HOSTS:
        raise NewsletterError(f"not published: [email] from_address is still the placeholder {sender}; set the address you send from", CONFIG_NAME)


def refuse_empty(loaded: LoadedIssue) -> None:
    """Stop on an issue with nothing in it: no entries, intro or kept Markdown."""
    issue = loaded.issue
    if issue is not None and not (issue.entries or issue.intro or issue.raw):
        raise NewsletterError(f"not published: {loaded.id} has no entries; add some with `newsletter add URL --issue {loaded.id}`", loaded.source.display)


def refuse_on_errors(project: Project, loaded: LoadedIssue, archive: Loaded) -> None:
    """List the check findings of the issue (in the loaded ``archive``, for the rules across issues) on stderr
    and stop when any is an error."""
    found = run_rules(project.config, archive, {loaded.path}, rule_levels(project.config))
    for d in found:
        print(d, file=sys.stderr)
    errors = failing(found)
    if not errors:
        return
    s = "s" if len(errors) > 1 else ""
    raise NewsletterError(f"not published: {len(errors)} error{s} in {loaded.id}; fix them and publish again")


def timestamp(now: dt.datetime, zone: str) -> str:
    """``now`` in the configured time zone as ISO 8601 with its offset, to the second."""
    return now.astimezone(tz.gettz(zone)).replace(microsecond=0).isoformat()


def parse_at(text: str, zone: str) -> dt.datetime:
    """``--at``: an ISO 8601 date and time; without an offset it is taken in the configured zone."""
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"argument --at: '{text}' is not a time; write it as 2024-09-20T09:00 or 2024-09-20T09:00:00+09:00") from None
    try:
        return in_range(at if at.tzinfo else at.replace(tzinfo=tz.gettz(zone)))
    except ValueError as e:
        raise UsageError(f"argument --at: {e}") from None


def _write(project: Project, out: Path, texts: list[tuple[LoadedIssue, str]]) -> None:
    """Build with the new texts of the issue files, then write them and record them as published."""
    for loaded, text in texts:
        recorded, _ = load_issue_text(text, loaded.path, loaded.source.display)
        if recorded.issue is None or recorded.issue.published is None:
            raise NewsletterError("cannot record the time in this file; add `published:` after `date:` by hand", loaded.source.display)
    data = {loaded.path: text.encode("utf-8") for loaded, text in texts}
    real = {path: editable(path, project.root, loaded.source.display) for path, (loaded, _) in zip(data, texts)}
    ledger.writable(project.root)  # refused now, not once the issue files are written
    build = render_build(project, out, sources=data)
    try:
        for path, raw in data.items():
            atomic_write(real[path], raw)
    except BaseException as e:
        build.staging.abort()
        if isinstance(e, OSError):
            raise NewsletterError(f"cannot write: {e.strerror or e}; nothing was published", e.filename) from None
        raise
    write_build(build)
    ledger.record(project.root, {path.stem: raw for path, raw in data.items()})
    for warning in build.warnings:
        print(f"newsletter: {warning}", file=sys.stderr)


def publish(project: Project, issue_id: str | None, out: Path, clock: Clock | None = None, at: dt.datetime | None = None) -> int:
    """Check, build with the issue published, then record the time in its file.

    A published issue that changed since gets ``updated:``; one that did not is left alone."""
    return _publish(project, issue_id, out, clock, at)[0]


def _publish(project: Project, issue_id: str | None, out: Path, clock: Clock | None,
             at: dt.datetime | None) -> tuple[int, str | None]:
    """:func:`publish`'s status and the id of the issue it took (``None`` when there was none to take)."""
    config = project.config
    now = (clock or _now)()
    refuse_placeholders(config)
    archive, _ = load_all(project, None)  # once: to find the issue and to check it against the others
    if issue_id is None:
        issues = project.valid_issues([doc for doc, _ in archive.values()])
        loaded = current(issues, now.astimezone(tz.gettz(config.timezone)).date(), config)
        if loaded is None:
            print(f"nothing to publish: every issue whose {config.periods.unit} has begun is published (name an issue to publish it early)")
            return 0, None
    else:
        loaded = find(project, issue_id, archive)
    issue = loaded.issue
    assert issue is not None
    if issue.published is not None:
        return _republish(project, loaded, archive, out, now, at), loaded.id
    refuse_empty(loaded)
    begins = span(loaded, config)[0]
    if begins > now.astimezone(tz.gettz(config.timezone)).date():
        print(f"newsletter: warning: the {config.periods.unit} of {loaded.id} begins on {begins.isoformat()}; publishing it early", file=sys.stderr)
    refuse_on_errors(project, loaded, archive)
    stamp = timestamp(at or now, config.timezone)
    _write(project, out, [(loaded, edit.with_timestamp(loaded, "published", "date", stamp))])
    print(f"published {loaded.id} at {stamp} (recorded in {loaded.source.display})")
    paths = {**issue_paths(out, loaded.id), **archive_paths(project.root, out, config)}
    for output in (*ISSUE, *ARCHIVE):
        print(f"  {output.name + ':':<10}{project.display(paths[output.name])}  ({output.what})")
    return 0, loaded.id


def _republish(project: Project, loaded: LoadedIssue, archive: Loaded, out: Path, now: dt.datetime,
               at: dt.datetime | None) -> int:
    """Publish an issue again: record ``updated:`` when its file changed since, else do nothing."""
    issue = loaded.issue
    assert issue is not None and issue.published is not None
    if at is not None:
        raise NewsletterError(f"{loaded.id} was published at {issue.published.isoformat()}; --at sets only a first publish time")
    recorded = ledger.read(project.root).get(loaded.id)
    data = loaded.path.read_bytes()
    if recorded is None or recorded == ledger.digest(data):
        if recorded is None:
            ledger.record(project.root, {loaded.id: data})  # from now on, its edits are noticed
        print(f"{loaded.id} was published at {issue.published.isoformat()} and has not changed since; nothing to do")
        return 0
    refuse_on_errors(project, loaded, archive)
    stamp = timestamp(now, project.config.timezone)
    _write(project, out, [(loaded, edit.with_timestamp(loaded, "updated", "published", stamp))])
    print(f"updated {loaded.id} at {stamp}: it changed since it was published (recorded in {loaded.source.display})")
    return 0


def backfill(project: Project, out: Path, hour: int, clock: Clock | None = None) -> int:
    """Give every unpublished issue whose week (day, month) has ended a publish time: its last day at ``hour``."""
    config = project.config
    refuse_placeholders(config)
    zone = tz.gettz(config.timezone)
    today = (clock or _now)().astimezone(zone).date()
    past = [i for i in project.valid_issues() if i.issue and i.issue.published is None and span(i, config)[1] < today]
    if not past:
        print(f"nothing to back-fill: every issue whose {config.periods.unit} has ended is published")
        return 0
    texts = []
    for loaded in past:
        when = dt.datetime.combine(span(loaded, config)[1], dt.time(hour), tzinfo=zone)
        texts.append((loaded, edit.with_timestamp(loaded, "published", "date", timestamp(when, config.timezone))))
    _write(project, out, texts)
    print(f"back-filled {len(past)} issues, {past[0].id} to {past[-1].id}: each published on its {config.periods.unit}'s last day at {hour:02d}:00")
    return 0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def publish_and_send(project: Project, issue_id: str | None, out: Path, *, at: dt.datetime | None = None, send: bool = False) -> int:
    """:func:`publish`; with ``send``, then send the issue it took (with nothing to publish, the latest published
    issue, whose subscribers not yet reached get it) to the subscribers."""
    status, published = _publish(project, issue_id, out, None, at)
    if status or not send:
        return status
    from newsletter.deliver.commands import send as send_issue

    return send_issue(project, published, out)
