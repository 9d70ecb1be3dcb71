"""``newsletter subscribers``, ``send`` and ``serve``: thin commands over the store, the sender and the web application."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.deliver import tokens
from newsletter.deliver.addresses import normalise
from newsletter.deliver.store import Store
from newsletter.errors import NewsletterError
from newsletter.fsio import atomic_write
from newsletter.lock import project_lock
from newsletter.outputs import issue_paths, refuse_source
from newsletter.project import Project

if TYPE_CHECKING:
    from starlette.applications import Starlette

SEND_LOCK = "send.lock"  # beside the database: two sends of one issue at once would each send it


def store_path(project: Project) -> Path:
    """Where the subscriber store is; refused inside the build output, which is published."""
    path = (project.root / project.config.subscribers.database).resolve()
    if path.is_relative_to((project.root / "dist").resolve()):
        raise NewsletterError("[subscribers] database must not be inside dist/, which is published", "newsletter.toml")
    return path


def open_store(project: Project) -> Store:
    return Store(store_path(project))


def secret(project: Project) -> bytes:
    return tokens.load_secret(project.root / project.config.subscribers.secret_file)


def _addresses(texts: list[str]) -> list[str]:
    """The addresses of the command line in normal form; an invalid one stops the command, naming its position."""
    found = []
    for n, text in enumerate(texts, 1):
        address = normalise(text)
        if address is None:
            raise NewsletterError(f"address {n} of {len(texts)} is not a valid email address; nothing was changed")
        found.append(address)
    return found


def add(store: Store, addresses: list[str]) -> int:
    """Add ``addresses`` as active subscribers, skipping those on the list or unsubscribed earlier."""
    outcomes = store.add((a, "active") for a in _addresses(addresses))
    print(_summary(outcomes))
    return 0


def import_csv(store: Store, path: Path, project: Project) -> int:
    """Add the subscribers of a mailing service's CSV export, in the states it gives them."""
    from newsletter.deliver.csvimport import read_rows

    path = Path(path)
    layout, rows = read_rows(path)
    rows = list(rows)
    display = project.display(path.resolve())
    valid = [r for r in rows if r.address is not None]
    for r in rows:
        if r.address is None:
            print(f"{display}:{r.line}:1: refused: not a valid email address")
    outcomes = store.add((r.address, r.state) for r in valid)  # type: ignore[misc]
    for r, outcome in zip(valid, outcomes):
        if outcome == "duplicate":
            print(f"{display}:{r.line}:1: skipped: already on the list")
        elif outcome == "unsubscribed":
            print(f"{display}:{r.line}:1: skipped: unsubscribed or bounced earlier; not added again")
    left = sum(1 for r, o in zip(valid, outcomes) if o == "added" and r.state != "active")
    invalid = len(rows) - len(valid)
    print(f"{layout.name} export, {len(rows)} rows: {_summary(outcomes, left)}, {invalid} refused as invalid")
    return 0


def _summary(outcomes: list[str], left: int = 0) -> str:
    added = outcomes.count("added")
    note = f" ({left} of them as unsubscribed or bounced, as in the export)" if left else ""
    return (f"{added} added{note}, {outcomes.count('duplicate')} skipped as duplicates, "
            f"{outcomes.count('unsubscribed')} skipped as unsubscribed earlier")


def list_(store: Store, state: str | None = None) -> int:
    """Print every subscriber (in ``state``): address, state, when it changed."""
    for s in store.subscribers(state):
        print(f"{s.address}\t{s.state}\t{s.changed}")
    return 0


def remove(store: Store, addresses: list[str]) -> int:
    """Unsubscribe ``addresses``; they stay in the store so that no import adds them again."""
    done = missing = 0
    for address in _addresses(addresses):
        found = store.find(address)
        if found is None:
            missing += 1
        elif store.set_state(found.id, "unsubscribed"):
            done += 1
    print(f"{done} unsubscribed, {missing} not on the list (unsubscribed addresses stay, so no import adds them again)")
    return 0


def export(store: Store, out: Path | None = None, root: Path | None = None) -> int:
    """Write every subscriber as CSV into ``out`` (readable by its owner only; never a source of the project at
    ``root``), else to standard output."""
    if out and root:
        refuse_source(root, out, "--out")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["email", "state", "changed", "created"])
    for s in store.subscribers():
        writer.writerow([s.address, s.state, s.changed, s.created])
    if out:
        path = Path(out)
        atomic_write(path, buffer.getvalue())
        path.chmod(0o600)
    else:
        sys.stdout.write(buffer.getvalue())
    return 0


def published_issue(project: Project, issue_id: str | None) -> str:
    """``issue_id`` if it is published, else the latest published issue's id."""
    published = [i for i in project.valid_issues() if i.issue.published is not None]
    if issue_id is None:
        if not published:
            raise NewsletterError("no issue is published yet; publish one with `newsletter publish`")
        return published[-1].id
    if not any(i.id == issue_id for i in published):
        raise NewsletterError(f"{issue_id} is not a published issue; publish it first with `newsletter publish {issue_id}`")
    return issue_id


def send(project: Project, issue_id: str | None, out: Path, to: str | None = None, dry_run: bool = False) -> int:
    """Send a published issue to every active subscriber who has not received it (or a proof ``to`` one address)."""
    from newsletter.deliver.message import load_template
    from newsletter.deliver.send import Relay, send_issue, unsubscribe_link

    issue = published_issue(project, issue_id)
    config = project.config
    template = load_template(issue_paths(out, issue)["message"], issue, config)
    key = secret(project)
    if to is not None:
        (address,) = _addresses([to])
        relay = Relay(config)
        try:
            relay.send(address, template.render(unsubscribe_link(config, key, 0, address)))
        except OSError as e:
            raise NewsletterError(f"the proof was not sent: {type(e).__name__} {getattr(e, 'smtp_code', '')}".rstrip()) from None
        finally:
            relay.close()
        print(f"sent a proof of {issue} to {address} (the journal is unchanged)")
        return 0
    with open_store(project) as store:
        if dry_run:
            work = store.unsent(issue)
            for _, address, doubt in work:
                print(f"{address}\t{'in doubt: the last run stopped while sending it' if doubt else 'to send'}")
            print(f"dry run: {issue} would go to {len(work)} subscribers; {store.sent_count(issue)} already have it")
            return 0
        with project_lock(store_path(project).parent, wait=0, name=SEND_LOCK):
            report = send_issue(store, template, config, key)
    if report.to_send == 0:
        print(f"{issue} was already sent to every active subscriber ({report.already}); nothing sent")
        return 0
    print(f"{issue}: {report.sent} sent, {report.bounced} bounced (marked so), {report.failed} failed "
          f"(sent again by the next `newsletter send`), {report.retried} retries")
    if report.in_doubt:
        print(f"{report.in_doubt} in doubt: they were being sent when the last run stopped and were sent again; "
              "those recipients may have it twice")
    return 1 if report.failed else 0


def application_for(project: Project) -> "Starlette":
    """The ASGI application of ``newsletter serve`` for this project."""
    from newsletter.deliver.web import application
    from newsletter.render.templates import environment

    return application(project.config, open_store(project), secret(project), environment(project.templates_dir))


def serve(project: Project, host: str | None, port: int | None) -> int:
    """Serve the subscribe, confirm and unsubscribe pages until interrupted."""
    import socket

    import uvicorn

    app = application_for(project)
    host = host or project.config.serve.host
    port = project.config.serve.port if port is None else port
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # from here on connections wait for the server instead of being refused
    except OSError as e:
        raise NewsletterError(f"cannot listen on {host}:{port}: {e.strerror}; choose another --port") from None
    bound_host, bound_port = sock.getsockname()[:2]
    print(f"serving the subscribe pages on http://{bound_host}:{bound_port}/ for {project.config.serve_url} (Ctrl-C stops)",
          flush=True)
    # no access log: its URLs carry tokens; proxy headers are trusted from the local reverse proxy only
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=True,
                                           forwarded_allow_ips="127.0.0.1"))
    server.run(sockets=[sock])
    return 0
