"""``newsletter import``: turn a Markdown archive, monthly post or daily digest into issue files."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from newsletter.config import CONFIG_NAME, Config
from newsletter.errors import NewsletterError
from newsletter.fsio import atomic_write
from newsletter.importer.report import Report
from newsletter.importer.writer import write_issues
from newsletter.load import decode_text
from newsletter.project import Project
from newsletter.tomledit import set_settings, toml_value


def read_markdown(path: Path, display: str) -> str:
    """The text of ``path`` as UTF-8 (a BOM is allowed); errors say where and what to do."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise NewsletterError(f"cannot read the file: {e.strerror or e}; check the path", display) from None
    text, diags = decode_text(data, display)
    if text is None:
        raise NewsletterError("the file is not valid UTF-8; save it as UTF-8 and import again", display, diags[0].line, diags[0].column)
    return text.replace("\r\n", "\n")


def parse(text: str, fmt: str, config: Config, display: str) -> Report:
    """Parse ``text`` in format ``archive``, ``post`` or ``daily`` into a report holding the issues."""
    from newsletter.importer import archive, daily, longform, post

    parser = {"archive": archive.import_archive, "post": post.import_post, "daily": daily.import_daily,
              "longform": longform.import_longform}[fmt]
    return parser(text, config, Report(display, fmt, unit=config.periods.unit))


def updated_config(text: str, report: Report, display: str) -> str:
    """``newsletter.toml``'s text with the settings the import learned, checked by reading it back."""
    learned: Config = report.config
    tables = {f"types.{name}": t.model_dump(exclude_defaults=False) for name, t in learned.types.items()}
    new = set_settings(text, report.settings, tables)
    try:
        ok = Config.model_validate(tomllib.loads(new)).model_dump() == learned.model_dump()
    except (tomllib.TOMLDecodeError, ValueError):
        ok = False
    if not ok:
        raise NewsletterError("the learned settings could not be written into the file; nothing was imported (please report this)", display)
    return new


def import_file(
    project: Project, path: Path, *, format: str = "archive", into: Path | None = None, dry_run: bool = False,
    report_path: Path | None = None, force: bool = False,
) -> int:
    """Import ``path`` into ``into`` (default: ``issues/``); print the report (also as JSON into ``report_path``);
    write the issues and the learned settings unless ``dry_run``."""
    path = Path(path)
    display = project.display(path)
    report = parse(read_markdown(path, display), format, project.config, display)
    config_path = project.root / CONFIG_NAME
    config_text = None
    if report.settings:
        old = config_path.read_text(encoding="utf-8") if config_path.is_file() else ""
        config_text = updated_config(old, report, project.display(config_path))
    if not dry_run:
        folder = Path(into) if into else project.issues_dir
        report.written = [project.display(p) for p in write_issues(report.issues, folder, force=force)]
        if config_text is not None:
            atomic_write(config_path, config_text)
            report.written.append(project.display(config_path))
    if report_path:
        atomic_write(Path(report_path), report.json())
    print(report.text())
    if dry_run:
        if report.settings:
            print(f"dry run: would set in {project.display(config_path)}:", file=sys.stderr)
            for name, value in report.settings.items():
                print(f"  {name} = {toml_value(value)}", file=sys.stderr)
        print("dry run: nothing written", file=sys.stderr)
    return 0
