"""Round trip: importing a seed and rendering it back reproduces the seed, but for documented normalisations."""

from __future__ import annotations

import difflib
from pathlib import Path

from conftest import SEEDS
from newsletter.cli import main
from newsletter.config import load_config
from newsletter.importer import parse
from newsletter.project import Project
from newsletter.render.markdown import digest, issue_page, post
from newsletter.render.templates import environment

ARCHIVE = SEEDS / "archive-2024.md"
SHIPPED_TOML = Path(__file__).parent.parent / "newsletter.toml"
DEV_ZWJ, DEV_PLAIN = "🧑🏻\u200d💻", "🧑🏻💻"

# seed lines the digest writes differently, each a documented normalisation
NORMALISED = {
    49: "summary bullet at 2 spaces written at 4",
    68: "space after the emoji → separator", 70: "space after the emoji → separator",
    91: "space after the emoji → separator", 162: "space after the emoji → separator",
    281: "space after the emoji → separator", 298: "space after the emoji → separator",
    483: "space after the emoji → separator", 1819: "space after the emoji → separator",
    1581: "no separator after the emoji → separator",
    562: "two spaces before the title → one", 1658: "two spaces before the title → one",
    1827: "two spaces before the title → one", 910: "no-break space before the title → space",
    810: "missing type emoji added (type from the link's host)",
    1040: "note glued to the link gets a space",
    601: "blank line before </details> dropped", 804: "blank line before </details> dropped",
    868: "blank line before </details> dropped", 1412: "blank line before </details> dropped",
    1472: "blank line before </details> dropped",
    728: "blank line moved from before </details> to between the weeks",
}


def normalised_lines(text: str) -> list[str]:
    """Lines without trailing whitespace, without the final newline."""
    return [line.rstrip() for line in text.rstrip("\n").split("\n")]


def line_diff(seed: str, rendered: str) -> tuple[int, dict[int, str], list[str]]:
    """(identical lines, {seed line number: seed text} not reproduced, rendered lines not in the seed)."""
    a, b = normalised_lines(seed), normalised_lines(rendered)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    missing, added, same = {}, [], 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same += i2 - i1
            continue
        missing.update({n + 1: a[n] for n in range(i1, i2)})
        added.extend(b[j1:j2])
    return same, missing, added


def import_and_render(project: Project, seed: Path = ARCHIVE) -> str:
    assert main(["-C", str(project.root), "import", str(seed)]) == 0
    loaded = Project(project.root).valid_issues()
    return digest([(i.id, i.issue) for i in loaded], project.config, environment(None))


def test_archive_round_trip_is_exact_but_for_documented_normalisations(archive_project, capsys):
    rendered = import_and_render(archive_project)
    seed = ARCHIVE.read_text(encoding="utf-8")
    same, missing, added = line_diff(seed, rendered)
    assert set(missing) == set(NORMALISED)
    # each non-blank seed line has its normalised twin; plus the blank line before '## 🔥 August'
    assert len(added) == 18 and added.count("") == 1
    assert (same, len(normalised_lines(seed))) == (2002, 2024)  # 98.9 % of the lines identical
    for n in NORMALISED:
        if missing[n].strip():
            assert any(_equivalent(missing[n], line) for line in added), n


def _equivalent(seed_line: str, rendered: str) -> bool:
    """Equal once spacing is folded and the inferred emoji is removed: only a normalisation differs."""
    fold = lambda s: "".join(s.replace("📜", "").split())  # noqa: E731
    return fold(seed_line) == fold(rendered)


def test_shipped_config_writes_the_canonical_dev_emoji(tmp_path):
    (tmp_path / "newsletter.toml").write_text(SHIPPED_TOML.read_text(encoding="utf-8"), encoding="utf-8")
    project = Project(tmp_path)
    rendered = import_and_render(project)
    seed = ARCHIVE.read_text(encoding="utf-8")
    _, missing, _ = line_diff(seed, rendered)
    dev_lines = {n for n, line in missing.items() if line.startswith(("- " + DEV_PLAIN, DEV_PLAIN + ":"))}
    assert len(dev_lines) == 211  # 210 entries and the legend
    assert set(missing) - dev_lines == set(NORMALISED) - dev_lines
    # the canonical emoji is the only further change
    canonical = "\n".join(
        line.replace(DEV_PLAIN, DEV_ZWJ, 1) if line.startswith(("- " + DEV_PLAIN, DEV_PLAIN + ":")) else line
        for line in seed.split("\n")
    )
    same, missing, _ = line_diff(canonical, rendered)
    assert (same, set(missing)) == (2002, set(NORMALISED))


def test_post_round_trip(tmp_path, env):
    (tmp_path / "newsletter.toml").write_text('language = "ko"\nauthor = "Soohwan Kim"\n', encoding="utf-8")
    config = load_config(tmp_path / "newsletter.toml")
    seed = (SEEDS / "post-2023-12.md").read_text(encoding="utf-8")
    report = parse(seed, "post", config, "post-2023-12.md")
    assert normalised_lines(post(list(report.issues.items()), config, env)) == normalised_lines(seed)


def test_daily_round_trip_is_exact(tmp_path, env):
    config = load_config(_toml(tmp_path, 'language = "ko"\n'))
    seed = (SEEDS / "daily-2024-01-09.md").read_text(encoding="utf-8")
    report = parse(seed, "daily", config, "daily-2024-01-09.md")
    (ident, issue), = report.issues.items()
    assert ident == "2024-01-W2" and issue.layout == "daily"
    assert normalised_lines(issue_page(ident, issue, config, env)) == normalised_lines(seed)


def _toml(folder: Path, text: str) -> Path:
    path = folder / "newsletter.toml"
    path.write_text(text, encoding="utf-8")
    return path
