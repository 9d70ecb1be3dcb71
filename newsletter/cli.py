"""The ``newsletter`` command. Heavy modules are imported only by the command that needs them."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import importlib
import io
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, NoReturn, TextIO

from newsletter import __version__
from newsletter.errors import NewsletterError, UsageError, os_problem, printable

if TYPE_CHECKING:
    from newsletter.project import Project

GC_THRESHOLD = 100_000
# commands that need a project: run outside one they would report on, or write into, a random folder
PROJECT_COMMANDS = {"new", "new-week", "add", "check", "build", "publish", "preview", "subscribers", "send", "serve"}
# command name -> (module that implements it, one-line help, examples)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("newsletter.authoring", "create a new newsletter project in DIR", """
        newsletter init my-digest
        newsletter init .            # the current folder, if it is empty"""),
    "new": ("newsletter.authoring", "create the current issue's file: this week's, today's or this month's, as the cadence says", """
        newsletter new
        newsletter new --date 2024-09-16"""),
    "new-week": ("newsletter.authoring", "create the issue file for a week (default: this week) in a weekly newsletter", """
        newsletter new-week
        newsletter new-week --date 2024-09-16"""),
    "add": ("newsletter.authoring", "append an entry to the current issue (or a given one)", """
        newsletter add https://arxiv.org/abs/2409.12917 --org "Google DeepMind" \\
            --title "Training Language Models to Self-Correct via Reinforcement Learning" \\
            --summary "SCoRe: multi-turn online RL로 self-correction 능력 향상"
        newsletter add https://github.com/karpathy/minbpe --issue 2024-02-W3"""),
    "check": ("newsletter.check.command", "check issue files against the house style and link rules", """
        newsletter check
        newsletter check issues/2024/2024-09-W3.yaml --format json
        newsletter check --fix
        newsletter check --online --since 2024-09-01
        newsletter check --online --select link-moved --unsafe-fixes
        newsletter check --select link-tracking,link-arxiv-form --diff"""),
    "rules": ("newsletter.check.command", "list every check rule, or document one: what, why, an example, its fix", """
        newsletter rules
        newsletter rules org-spelling"""),
    "build": ("newsletter.build.command", "write the Markdown digest, the emails and the feeds", """
        newsletter build
        newsletter build --out public/
        newsletter build --layout post"""),
    "publish": ("newsletter.publish", "check, build and record the publish time of an issue", """
        newsletter publish               # the oldest unpublished issue whose week has begun
        newsletter publish 2024-09-W3
        newsletter publish 2024-09-W3 --at 2024-09-20T09:00+09:00
        newsletter publish --backfill --hour 9   # an imported archive: each week on its last day"""),
    "import": ("newsletter.importer", "turn an existing Markdown archive into issue files", """
        newsletter import README.md
        newsletter import README.md --dry-run --report report.json
        newsletter import blog/2023-12.md --format post
        newsletter import essay.md --format longform"""),
    "schema": ("newsletter.schema", "print the JSON Schema of an issue file", """
        newsletter schema > issue.schema.json"""),
    "preview": ("newsletter.build.command", "serve one issue's email on localhost for a look", """
        newsletter preview 2024-09-W3"""),
    "subscribers": ("newsletter.deliver.commands", "add, import, list, remove or export subscribers", """
        newsletter subscribers add ada@example.org grace@example.org
        newsletter subscribers import substack-export.csv
        newsletter subscribers list --state active
        newsletter subscribers remove ada@example.org
        newsletter subscribers export --out subscribers.csv"""),
    "send": ("newsletter.deliver.commands", "send a published issue to every subscriber over SMTP, exactly once", """
        newsletter send                       # the latest published issue
        newsletter send 2024-09-W3 --dry-run  # who would receive it
        newsletter send --to me@example.org   # a proof to one address"""),
    "serve": ("newsletter.deliver.commands", "serve the subscribe, confirm and unsubscribe pages", """
        newsletter serve
        newsletter serve --port 8025"""),
}


def _date(text: str) -> dt.date:
    from newsletter.model import in_range

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; write it as YYYY-MM-DD") from None
    try:
        return in_range(day)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    if name == "init":
        p.add_argument("dir", help="folder for the new project (must be empty or absent)")
        p.add_argument("--language", choices=["ko", "en"], default="en", help="language of labels and month names")
    elif name in ("new", "new-week"):
        p.add_argument("--date", type=_date, help="a day of the issue (YYYY-MM-DD); default: today in the configured time zone")
    elif name == "add":
        p.add_argument("url", help="the link")
        p.add_argument("--type", help="entry type; inferred from the link's host when absent")
        p.add_argument("--org", action="append", default=[], help="organisation (repeat for several)")
        p.add_argument("--title", help="link text (default: the page's own title, fetched)")
        p.add_argument("--icon", help="decoration emoji before the title")
        p.add_argument("--note", help="text after the link, e.g. '(ICLR 2024)'")
        p.add_argument("--summary", action="append", default=[], metavar="TEXT", help="a summary bullet (repeat for several)")
        p.add_argument("--issue", "--week", dest="issue", metavar="ID",
                       help="issue id: 2024-09-W3, 2024-09-16 or 2024-09 as the cadence says (default: the current issue)")
        p.add_argument("--allow-duplicate", action="store_true", help="add even if the URL is already in the archive")
        p.add_argument("--no-fetch", action="store_true", help="never touch the network (without --title the title is the URL)")
        p.add_argument("--force", action="store_true", help="add even if the link breaks a rule `check` reports as an error")
    elif name == "rules":
        p.add_argument("name", nargs="?", metavar="NAME", help="a rule to document")
    elif name == "check":
        p.add_argument("paths", nargs="*", metavar="PATH", help="issue files or folders (default: issues/)")
        p.add_argument("--format", choices=["text", "json", "github"], default="text")
        p.add_argument("--fix", action="store_true", help="apply safe fixes in place")
        p.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes (a moved link's new address); implies --fix")
        p.add_argument("--online", action="store_true", help="also check that every link still works (link-dead, link-moved, link-unavailable)")
        p.add_argument("--refresh", action="store_true", help="with --online: ask every link again, ignoring the cache")
        p.add_argument("--since", type=_date, metavar="DATE", help="only issues dated DATE (YYYY-MM-DD) or later")
        p.add_argument("--diff", action="store_true", help="show the safe fixes as a diff; write nothing")
        p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
        p.add_argument("--select", metavar="RULE,...", help="only these rules")
        p.add_argument("--ignore", metavar="RULE,...", help="skip these rules")
        p.add_argument("--list-rules", action="store_true", help="print the rule catalogue and exit")
    elif name == "build":
        p.add_argument("--out", metavar="DIR", help="output folder (default: dist/)")
        p.add_argument("--layout", choices=["archive", "post", "daily"], help="Markdown layout of the issue pages")
        p.add_argument("--watch", action="store_true", help="rebuild whenever a source changes")
    elif name == "publish":
        p.add_argument("id", nargs="?", metavar="ID", help="issue id (default: the oldest unpublished issue whose week has begun)")
        p.add_argument("--at", metavar="TIME", help="record this publish time instead of now, e.g. 2024-09-20T09:00+09:00")
        p.add_argument("--backfill", action="store_true", help="give every unpublished issue whose week has ended a publish time on its week's last day")
        p.add_argument("--hour", type=int, choices=range(24), default=9, metavar="H", help="hour of the day for --backfill (default: 9)")
        p.add_argument("--out", metavar="DIR", help="output folder (default: dist/)")
        p.add_argument("--send", action="store_true", help="then send it to the subscribers (see `newsletter send`)")
    elif name == "subscribers":
        actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
        for verb, text in (("add", "add addresses as active subscribers"), ("remove", "unsubscribe addresses")):
            actions.add_parser(verb, help=text).add_argument("addresses", nargs="+", metavar="ADDR")
        actions.add_parser("import", help="import a Substack, Buttondown, Mailchimp or listmonk CSV export").add_argument(
            "file", metavar="FILE.csv")
        listing = actions.add_parser("list", help="print every subscriber: address, state, when it changed")
        listing.add_argument("--state", choices=["pending", "active", "unsubscribed", "bounced"])
        actions.add_parser("export", help="write every subscriber as CSV").add_argument(
            "--out", metavar="FILE.csv", help="file to write (default: standard output)")
    elif name == "send":
        p.add_argument("id", nargs="?", metavar="ID", help="issue id (default: the latest published issue)")
        p.add_argument("--to", metavar="ADDR", help="send a proof to this address only; the journal is unchanged")
        p.add_argument("--dry-run", action="store_true", help="print who would receive it; send nothing")
        p.add_argument("--out", metavar="DIR", help="where the built emails are (default: dist/)")
    elif name == "serve":
        p.add_argument("--host", help="address to listen on (default: [serve] host, 127.0.0.1)")
        p.add_argument("--port", type=int, help="port (default: [serve] port, 8025; 0 for any free one)")
    elif name == "import":
        p.add_argument("file", metavar="FILE.md", help="the Markdown archive to import")
        p.add_argument("--into", metavar="DIR", help="folder for the issue files (default: issues/)")
        p.add_argument("--format", choices=["archive", "post", "daily", "longform"],
                       help="the file's layout (default: recognised from the file)")
        p.add_argument("--dry-run", action="store_true", help="write nothing; print the report")
        p.add_argument("--report", metavar="FILE.json", help="also write the report as JSON")
        p.add_argument("--force", action="store_true", help="overwrite existing issue files")
    elif name == "preview":
        p.add_argument("id", metavar="ID", help="issue id")
        p.add_argument("--port", type=int, default=8000)


class _Parser(argparse.ArgumentParser):
    """A parser that reports a bad command line as a :class:`UsageError`, as the commands report theirs,
    so that :func:`main` returns status 2 instead of exiting."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise UsageError(message, self.prog)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsletter",
        description="Write a curated link newsletter in YAML, check it, and publish it as Markdown, HTML email and RSS/Atom.",
        epilog="Run 'newsletter COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("-C", dest="directory", metavar="DIR", help="run in the project at DIR instead of the current one")
    parser.add_argument("--version", action="version", version=f"newsletter {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text, examples) in COMMANDS.items():
        p = sub.add_parser(
            name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
            epilog="examples:\n" + textwrap.dedent(examples).strip("\n"),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        # -C after the command too; SUPPRESS keeps the one given before it when this one is absent
        p.add_argument("-C", dest="directory", metavar="DIR", default=argparse.SUPPRESS,
                       help="run in the project at DIR instead of the current one")
        _add_arguments(name, p)
    return parser


def _names(value: str | None) -> list[str] | None:
    """A comma-separated list of names (``--select``, ``--ignore``)."""
    return [n.strip() for n in value.split(",") if n.strip()] if value else None


def _call(module: Any, project: Project, a: argparse.Namespace) -> int:
    """Run command ``a.command``: the library function of ``module`` that does it, given plain arguments."""
    from newsletter.outputs import output_dir

    command = a.command
    if command == "init":
        return module.init(Path(a.directory or ".") / a.dir, language=a.language)
    if command in ("new", "new-week"):
        return (module.new if command == "new" else module.new_week)(project, date=a.date)
    if command == "add":
        return module.add(project, a.url, type=a.type, orgs=a.org, title=a.title, icon=a.icon, note=a.note,
                          summary=a.summary, issue=a.issue, allow_duplicate=a.allow_duplicate, fetch=not a.no_fetch,
                          force=a.force)
    if command == "rules" or (command == "check" and a.list_rules):
        return module.rules(project, getattr(a, "name", None))
    if command == "check":
        return module.check(project, [Path(p) for p in a.paths], format=a.format, fix=a.fix, unsafe_fixes=a.unsafe_fixes,
                            online=a.online, refresh=a.refresh, since=a.since, diff=a.diff, strict=a.strict,
                            select=_names(a.select), ignore=_names(a.ignore))
    if command == "build":
        out = output_dir(project.root, a.out)
        if a.watch:
            return module.watch(project.root, out, a.layout)
        module.build(project, out, a.layout)
        return 0
    if command == "preview":
        return module.preview(project, a.id, a.port)
    if command == "publish":
        out = output_dir(project.root, a.out)
        if a.backfill:
            if a.id or a.at or a.send:
                raise UsageError("--backfill takes neither an issue id nor --at nor --send")
            return module.backfill(project, out, a.hour)
        at = module.parse_at(a.at, project.config.timezone) if a.at else None
        return module.publish_and_send(project, a.id, out, at=at, send=a.send)
    if command == "import":
        return module.import_file(project, Path(a.file), format=a.format, into=a.into and Path(a.into),
                                  dry_run=a.dry_run, report_path=a.report and Path(a.report), force=a.force)
    if command == "schema":
        return module.print_schema()
    if command == "send":
        return module.send(project, a.id, output_dir(project.root, a.out), a.to, a.dry_run)
    if command == "serve":
        return module.serve(project, a.host, a.port)
    with module.open_store(project) as store:  # subscribers
        if a.action in ("add", "remove"):
            return getattr(module, a.action)(store, a.addresses)
        if a.action == "import":
            return module.import_csv(store, Path(a.file), project)
        if a.action == "list":
            return module.list_(store, a.state)
        return module.export(store, a.out and Path(a.out), project.root)


def _writes(args: argparse.Namespace) -> bool:
    """Whether the command changes files of the project, and so must wait for any other that does."""
    if args.command == "check":
        return args.fix or args.unsafe_fixes
    if args.command == "import":
        return not args.dry_run
    return args.command in ("new", "new-week", "add", "build", "publish", "preview")


class _Printable(io.TextIOBase):
    """A text stream that shows control characters escaped (see :func:`newsletter.errors.printable`): file
    names, keys and values echoed from a project never drive the terminal.

    A reader that stops early (``| head``) or a stream that cannot be written (``> /dev/full``) does not stop
    the command: its output is dropped and the failure kept in ``failed``, so the exit status still tells."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.failed: OSError | None = None

    def _guard(self, action: Callable[[], object]) -> None:
        if self.failed is not None:
            return
        try:
            action()
        except OSError as e:
            self.failed = e
            # later writes, and the interpreter's last flush, go nowhere instead of failing again
            with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())

    def write(self, text: str) -> int:
        self._guard(lambda: self.stream.write(printable(text)))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:  # type: ignore[override]
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._guard(self.stream.flush)

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()


def main(argv: list[str] | None = None) -> int:
    """The command line, its output shown printable; output that could not be written is reported."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = stdout = _Printable(out)
    sys.stderr = _Printable(err)
    try:
        status = _main(argv)
        stdout.flush()
    finally:
        sys.stdout, sys.stderr = out, err
    failed = stdout.failed
    if failed is None or isinstance(failed, BrokenPipeError):
        # a reader that has seen enough (`check | head -1`) is no failure; the status stays the command's
        return status
    with contextlib.suppress(OSError):
        print(f"newsletter: cannot write the output: {failed.strerror or failed}; write it where there is room", file=err)
    return status or 1


def _main(argv: list[str] | None = None) -> int:
    # a run builds millions of long-lived objects (node trees, models) and few cycles: at the default
    # thresholds the collector's passes over them take nearly half of a large archive's check
    gc.set_threshold(GC_THRESHOLD, 50, 100)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        print(f"{e.prog}: error: {e}", file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    from newsletter.lock import project_lock
    from newsletter.project import Project

    try:
        project = Project.find(args.directory)
        if args.command in PROJECT_COMMANDS and not project.exists:
            where = f"in {args.directory}" if args.directory else "here or above; run `newsletter init DIR` or use -C DIR"
            raise NewsletterError(f"no newsletter.toml {where}" + ("; run `newsletter init DIR`" if args.directory else ""))
        with project_lock(project.root) if _writes(args) and project.exists else contextlib.nullcontext():
            return _call(module, project, args)
    except UsageError as e:
        print(f"{e.prog or 'newsletter ' + args.command}: error: {e}", file=sys.stderr)
        return 2
    except NewsletterError as e:
        print(f"newsletter: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as e:  # the disk, not the program: a full disk, a read-only folder, a folder in the way
        print(f"newsletter: {os_problem(e)}", file=sys.stderr)
        return 1
    except Exception as e:  # a bug, not the user's fault: one line unless debugging
        if os.environ.get("NEWSLETTER_DEBUG"):
            raise
        print(f"newsletter: internal error: {type(e).__name__}: {e} (set NEWSLETTER_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1
