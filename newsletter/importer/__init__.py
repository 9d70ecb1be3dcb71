"""``newsletter import``: turn a Markdown archive, monthly post or daily digest into issue files."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.config import CONFIG_NAME, Config
from newsletter.errors import NewsletterError
from newsletter.fsio import atomic_write, inside
from newsletter.importer.report import Report
from newsletter.importer.writer import write_issues
from newsletter.load import decode_text
from newsletter.outputs import refuse_source
from newsletter.tomledit import set_settings, toml_value

if TYPE_CHECKING:
    from newsletter.project import Project


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


_YEAR = re.compile(r"^#\s+\d{4}\s*$", re.M)
_DAY = re.compile(r"^## .*\d{4}-\d{2}-\d{2}", re.M)
_SECTION = re.compile(r"^### ", re.M)


def detect_format(text: str) -> str:
    """The format ``text`` is written in: an archive (``# 2024`` and ``<details>``), a post (front matter and
    ``### `` sections), a daily digest (``## … (2024-01-09)``), a long-form essay with a paper list; else archive."""
    from newsletter.importer.longform import PAPER

    if _YEAR.search(text) and "<details>" in text:
        return "archive"
    if text.startswith("---\n") and _SECTION.search(text):
        return "post"
    if _DAY.search(text):
        return "daily"
    if any(PAPER.fullmatch(line) for line in text.split("\n")):
        return "longform"
    return "archive"


def parse(text: str, fmt: str, config: Config, display: str) -> Report:
    """Parse ``text`` in format ``archive``, ``post``, ``daily`` or ``longform`` into a report holding the issues."""
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


_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")


def text_language(text: str) -> tuple[str, str]:
    """``"ko"`` when Hangul syllables make a tenth of the letters or more, else ``"en"``, and why: a Korean
    newsletter quotes English titles and names, and one syllable is worth two or three Latin letters."""
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    share = hangul / (hangul + latin) if hangul + latin else 0.0
    return ("ko" if share >= 0.1 else "en"), f"{share:.0%} of the file's letters are Hangul"


def parse_into(text: str, fmt: str, config: Config, display: str, *, fresh: bool, cadence_free: bool) -> Report:
    """:func:`parse` into the project. A project without issues yet (``fresh``) takes the file's language; when
    the file is written in another cadence, a project that may still choose its cadence (``cadence_free``)
    learns the file's, and one that may not is told what that means."""
    learned: dict[str, tuple[str, str]] = {}
    language, why = text_language(text)
    if fresh and language != config.language:
        learned["language"] = (language, why)
        config = config.model_copy(update={"language": language})
    report = parse(text, fmt, config, display)
    if report.cadence is not None and report.cadence[0] != config.cadence:
        cadence, why = report.cadence
        if cadence_free:
            learned["cadence"] = (cadence, why)
            config = config.model_copy(update={"cadence": cadence})
            report = parse(text, fmt, config, display)
        else:
            report.warn(1, f"the file is written as a {cadence} newsletter ({why}) but the project's cadence is "
                           f"{config.cadence!r} (set in {CONFIG_NAME} or kept by its issues): it is imported as {config.cadence} issues")
    if learned:
        report.settings = {**{name: value for name, (value, _) in learned.items()}, **report.settings}
        report.learned[:0] = [f"{name} = {value!r} ({why})" for name, (value, why) in learned.items()]
        report.config = (report.config or config).model_copy(update={name: value for name, (value, _) in learned.items()})
    return report


def import_file(
    project: Project, path: Path, *, format: str | None = None, into: Path | None = None, dry_run: bool = False,
    report_path: Path | None = None, force: bool = False,
) -> int:
    """Import ``path`` (in ``format``, else the layout recognised from it) into ``into`` (default: ``issues/``); print
    the report (also as JSON into ``report_path``); write the issues and the learned settings unless ``dry_run``."""
    path = Path(path)
    display = project.display(path)
    text = read_markdown(path, display)
    config, config_path = project.config, project.root / CONFIG_NAME
    old = config_path.read_text(encoding="utf-8") if config_path.is_file() else ""
    # a project without issues takes the file's language, and its cadence unless newsletter.toml sets one
    fresh = not project.issue_files()
    cadence_free = fresh and "cadence" not in tomllib.loads(old)
    report = parse_into(text, format or detect_format(text), config, display, fresh=fresh, cadence_free=cadence_free)
    report.recognised = format is None
    config_text = None
    if report.settings:
        config_text = updated_config(old, report, project.display(config_path))
    if report_path:
        refuse_source(project.root, Path(report_path), "--report")
    if not dry_run:
        folder = Path(into).resolve() if into else project.issues_dir
        root = project.root if inside(project.root, folder) else folder
        also = {config_path: config_text} if config_text is not None else {}
        written = write_issues(report.issues, folder, force=force, root=root, also=also)
        report.written = [project.display(p) for p in written]
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
