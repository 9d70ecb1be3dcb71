"""Round trip: importing a seed and rendering it back reproduces the seed, but for documented normalisations."""

from __future__ import annotations

import contextlib
import difflib
import io
from pathlib import Path

from conftest import SEEDS
from newsletter.cli import main
from newsletter.config import load_config
from newsletter.project import Project

ARCHIVE = SEEDS / "archive-2024.md"
DATA = SEEDS.parent
SHIPPED_TOML = Path(__file__).parent.parent / "newsletter.toml"

# seed lines the digest writes differently: each an inconsistency inside its week, normalised and reported
NORMALISED = {
    49: "summary bullet indented 2 spaces, written with 4",
    562: "2 spacing characters between the org and the title written as one space",
    1658: "2 spacing characters between the org and the title written as one space",
    1827: "2 spacing characters between the org and the title written as one space",
    910: "a no-break space between the org and the title written as one space",
    810: "entry has no type emoji; type 'paper' inferred from its link and its emoji written",
    1040: "note 's (ACL 2024)' after the link written after one space",
}


def file_lines(text: str) -> list[str]:
    """The lines of a text file as they are, trailing spaces included (no line after the final newline)."""
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def line_diff(seed: str, rendered: str) -> tuple[int, dict[int, str]]:
    """(lines identical byte for byte, {seed line number: seed text} not reproduced)."""
    a, b = file_lines(seed), file_lines(rendered)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    missing, same = {}, 0
    for op, i1, i2, _, _ in matcher.get_opcodes():
        if op == "equal":
            same += i2 - i1
        else:
            missing.update({n + 1: a[n] for n in range(i1, i2)})
    return same, missing


def fresh_round_trip(tmp_path: Path, seed: Path, *extra: str) -> tuple[Path, str]:
    """``init``, ``import`` and ``build`` as a new user runs them; (project, what import printed)."""
    root = tmp_path / "blog"
    assert main(["init", str(root)]) == 0
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["-C", str(root), "import", str(seed), *extra]) == 0
    assert main(["-C", str(root), "build"]) == 0
    return root, out.getvalue()


def test_archive_round_trip_in_a_fresh_project(tmp_path, capsys):
    root, printed = fresh_round_trip(tmp_path, ARCHIVE)
    seed = ARCHIVE.read_text(encoding="utf-8")
    same, missing = line_diff(seed, (root / "dist" / "digest.md").read_text(encoding="utf-8"))
    assert (same, len(file_lines(seed))) == (2017, 2024)  # 99.65 % of the lines identical, byte for byte
    assert set(missing) == set(NORMALISED)
    for n, message in NORMALISED.items():
        assert f"archive-2024.md:{n}: warning: {message}" in printed
    # what it learned: the dev emoji without the joiner, the no-break space after every type emoji
    assert "learned: types.dev.emoji = '🧑🏻💻' (210 of 210 dev entries)" in printed
    assert "learned: digest.separator = '\\xa0' (after the type emoji of 609 of 618 entries)" in printed
    config = load_config(root / "newsletter.toml")
    assert (config.types["dev"].emoji, config.digest.separator) == ("🧑🏻💻", "\u00a0")


def test_own_archive_round_trips_byte_for_byte(tmp_path):
    """Newest first, Korean months, a preamble with its own headings and lists, a note between months and
    a closing section, July's emoji changing between the years, 2-space bullets in 2024 and 4-space in 2023."""
    source = DATA / "archive-ko-newest.md"
    root, printed = fresh_round_trip(tmp_path, source)
    text = source.read_text(encoding="utf-8")
    same, missing = line_diff(text, (root / "dist" / "digest.md").read_text(encoding="utf-8"))
    assert (same, len(file_lines(text)), missing) == (918, 918, {})
    for learned in ("digest.indent = 2 (117 of 192 summaries)", "language = 'ko' (",
                    "month_emoji.7 = '🍉', month_emoji.8 = '🌊'", "digest.order = 'newest-first'",
                    "digest.header = 19 lines", "digest.footer = 6 lines", "style.indent kept in 24 of 56 issues"):
        assert f"archive-ko-newest.md: learned: {learned}" in printed
    assert 'language = "ko"' in (root / "newsletter.toml").read_text(encoding="utf-8")  # the email speaks Korean too
    assert "archive-ko-newest.md:355: warning: line 355 between weeks kept verbatim" in printed
    july = (root / "issues" / "2023" / "2023-07-W4.yaml").read_text(encoding="utf-8")
    assert july.startswith("date: 2023-07-22\nstyle:\n  month: ☔️ 7월\n  indent: 4\n")


def test_longform_round_trips_with_its_papers_as_entries(tmp_path):
    seed = SEEDS / "longform.md"
    root, printed = fresh_round_trip(tmp_path, seed, "--format", "longform")
    text = seed.read_text(encoding="utf-8")
    page = (root / "dist" / "issues" / "2024-06-W4.md").read_text(encoding="utf-8")
    same, missing = line_diff(text, page)
    assert (same, len(file_lines(text)), missing) == (333, 333, {})
    assert page == text  # even the missing final newline
    issue = Project(root).valid_issues()[0].issue
    assert (issue.date.isoformat(), issue.layout, len(issue.entries)) == ("2024-06-28", "longform", 37)
    assert issue.intro.endswith("유의하십시오.") and issue.raw.startswith("---\n**추가된 최신 연구 논문들:**")
    first = issue.entries[0]
    assert (first.type, first.title, first.authors, first.more_authors, first.note, first.url) == (
        "paper", "Scaling Synthetic Data Creation with 1,000,000,000 Personas", ["Chan", "Wang", "Yu"], True, "6월 28일",
        "https://arxiv.org/abs/2406.20094")
    assert first.summary[0].startswith("이 연구는 LLM을 활용하여")
    assert sum("star" in e.tags for e in issue.entries) == 20
    odd = next(e for e in issue.entries if e.title.startswith("Towards Scalable Automated Alignment"))
    assert (odd.authors, odd.note, odd.style.byline) == (["Cao", "Lu", "Lu"], "6월 3일", " , (6월 3일) by Cao, Lu, Lu, et al.")
    assert "longform.md:290: warning: byline kept as written" in printed


def test_learned_settings_keep_the_comments_of_newsletter_toml(tmp_path, capsys):
    (tmp_path / "newsletter.toml").write_text(SHIPPED_TOML.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["-C", str(tmp_path), "import", str(ARCHIVE), "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert 'types.dev.emoji = "🧑🏻💻"' in err and "nothing written" in err
    assert (tmp_path / "newsletter.toml").read_text(encoding="utf-8") == SHIPPED_TOML.read_text(encoding="utf-8")
    assert main(["-C", str(tmp_path), "import", str(ARCHIVE)]) == 0
    before = SHIPPED_TOML.read_text(encoding="utf-8").split("\n")
    after = (tmp_path / "newsletter.toml").read_text(encoding="utf-8").split("\n")
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and changed == [
        ('emoji = "🧑🏻‍💻"', 'emoji = "🧑🏻💻"'),
        ('aliases = ["🧑🏻💻", "🧑‍💻"]', 'aliases = ["🧑‍💻", "🧑🏻‍💻"]'),
    ]


def test_post_round_trips_byte_for_byte_in_a_fresh_project(tmp_path):
    """No --format and no setting by hand: the monthly post is recognised, the project becomes monthly and learns
    its author, and the blank lines holding two spaces and the intro's hard break come back as they were."""
    seed = SEEDS / "post-2023-12.md"
    root, printed = fresh_round_trip(tmp_path, seed)
    text = seed.read_text(encoding="utf-8")
    page = (root / "dist" / "issues" / "2023-12.md").read_text(encoding="utf-8")
    assert line_diff(text, page) == (len(file_lines(text)), {}) and page == text
    assert "post-2023-12.md: read as --format post (recognised from the file)" in printed
    for learned in ("cadence = 'monthly' (a post of 4 week sections of one month)",
                    "author = 'Soohwan Kim'", "style.blank = '  '", "style.blank kept in 1 entry"):
        assert f"post-2023-12.md: learned: {learned}" in printed
    config = load_config(root / "newsletter.toml")
    assert (config.cadence, config.author) == ("monthly", "Soohwan Kim")


def test_daily_round_trips_byte_for_byte_in_a_fresh_project(tmp_path):
    seed = SEEDS / "daily-2024-01-09.md"
    root, printed = fresh_round_trip(tmp_path, seed)
    text = seed.read_text(encoding="utf-8")
    page = (root / "dist" / "issues" / "2024-01-09.md").read_text(encoding="utf-8")
    assert line_diff(text, page) == (len(file_lines(text)), {}) and page == text  # even its final blank line
    assert "daily-2024-01-09.md: learned: cadence = 'daily'" in printed
    assert "daily-2024-01-09.md: learned: style.end = ['']" in printed


def test_a_fresh_project_speaks_the_language_of_what_it_imports(tmp_path):
    """A Korean archive makes a fresh project Korean: the email's `lang` and its section headings follow."""
    root, printed = fresh_round_trip(tmp_path, SEEDS / "daily-2024-01-09.md")
    assert "daily-2024-01-09.md: learned: language = 'ko' (44% of the file's letters are Hangul)" in printed
    email = (root / "dist" / "email" / "2024-01-09.html").read_text(encoding="utf-8")
    assert '<html lang="ko"' in email and "논문" in email


def test_post_text_after_an_entry_is_kept_at_its_place(tmp_path):
    """Text after the last entry of the newest week, paragraphs apart, comes back verbatim after that entry."""
    lines = (SEEDS / "post-2023-12.md").read_text(encoding="utf-8").split("\n")
    at = lines.index("### 12월 3주차")
    lines[at:at] = ["이번 주는 여기까지입니다.", "다음 주에 뵙겠습니다.", "", "추신: 휴가 중입니다.", ""]
    seed = tmp_path / "post.md"
    seed.write_text("\n".join(lines), encoding="utf-8")
    root, printed = fresh_round_trip(tmp_path, seed)
    assert (root / "dist" / "issues" / "2023-12.md").read_text(encoding="utf-8") == seed.read_text(encoding="utf-8")
    for n in (at + 1, at + 2, at + 4):
        assert f"post.md:{n}: warning: text after an entry kept verbatim after it" in printed


def test_archive_follows_a_daily_project_s_cadence(tmp_path):
    """In a daily project each week of the archive is the issue of its first day, and the digest comes back whole."""
    root = tmp_path / "blog"
    assert main(["init", str(root)]) == 0
    _set_cadence(root, "daily")
    source = DATA / "archive-ko-newest.md"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["-C", str(root), "import", str(source)]) == 0
    assert "is written as a weekly newsletter (one '<details>' block per week) but the project's cadence is 'daily'" in out.getvalue()
    ids = sorted(p.stem for p in (root / "issues").rglob("*.yaml"))
    assert len(ids) == 56 and ids[0] == "2023-07-01" and all(len(i) == 10 for i in ids)
    assert main(["-C", str(root), "build"]) == 0
    assert (root / "dist" / "digest.md").read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def test_archive_into_a_monthly_project_says_why_it_cannot(tmp_path, capsys):
    root = tmp_path / "blog"
    assert main(["init", str(root)]) == 0
    _set_cadence(root, "monthly")
    assert main(["-C", str(root), "import", str(DATA / "archive-ko-newest.md")]) == 1
    err = capsys.readouterr().err
    assert "archive-ko-newest.md:43:1: this week and the week at line 22 are both in the monthly issue 2024-08" in err
    assert 'cadence = "weekly"' in err and "Traceback" not in err
    assert not list((root / "issues").rglob("*.yaml"))


def test_a_project_with_issues_keeps_its_cadence(tmp_path):
    """The post is monthly, but a project that already has issues (here a daily one) keeps its cadence, and says so:
    each week section is the issue of its first day."""
    root, _ = fresh_round_trip(tmp_path, SEEDS / "daily-2024-01-09.md")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["-C", str(root), "import", str(SEEDS / "post-2023-12.md")]) == 0
    assert "post-2023-12.md:1: warning: the file is written as a monthly newsletter" in out.getvalue()
    assert sorted(p.stem for p in (root / "issues").rglob("*.yaml"))[:2] == ["2023-12-01", "2023-12-08"]


def _set_cadence(root: Path, cadence: str) -> None:
    toml = root / "newsletter.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('# cadence = "weekly"', f'cadence = "{cadence}"'), encoding="utf-8")
