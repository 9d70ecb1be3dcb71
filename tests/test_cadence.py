"""Daily and monthly newsletters: the cadence decides ids, files, the current issue, labels and grouping."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import feedparser
import pytest
from dateutil import tz

from newsletter.cli import main
from newsletter.project import Project
from newsletter.render import markdown

DAILY = 'cadence = "daily"\nlabel_language = "en"\n'
MONTHLY = 'cadence = "monthly"\nlabel_language = "en"\n'


@pytest.fixture
def cli(capsys):
    """Run ``newsletter ARGS`` in-process: (exit status, stdout, stderr)."""
    def run(*args: object) -> tuple[int, str, str]:
        status = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return status, out, err
    return run


# where a publishable newsletter is served and sent from (publish refuses the example.com placeholders)
SITE = 'base_url = "https://papers.example.org/"\n[email]\nfrom_address = "papers@example.org"\n'


def project(tmp_path: Path, toml: str) -> Path:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "newsletter.toml").write_text(toml, encoding="utf-8")
    (tmp_path / "issues").mkdir()
    return tmp_path


def write(root: Path, name: str, text: str) -> Path:
    path = root / "issues" / name[:4] / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_new_makes_the_issue_of_the_cadence(tmp_path, cli):
    root = project(tmp_path, DAILY)
    status, out, _ = cli("-C", root, "new", "--date", "2024-01-09")
    assert status == 0 and out.strip().endswith(str(Path("issues/2024/2024-01-09.yaml")))
    assert (root / "issues/2024/2024-01-09.yaml").read_text().startswith("date: 2024-01-09\n")
    assert cli("-C", root, "new", "--date", "2024-01-10")[0] == 0
    assert cli("-C", root, "new", "--date", "2024-01-10")[0] == 1  # never overwrites
    monthly = project(tmp_path / "m", MONTHLY)
    assert cli("-C", monthly, "new", "--date", "2024-01-09")[0] == 0
    assert (monthly / "issues/2024/2024-01.yaml").is_file()


def test_new_week_is_only_for_weekly_newsletters(tmp_path, cli):
    root = project(tmp_path, DAILY)
    status, _, err = cli("-C", root, "new-week", "--date", "2024-01-09")
    assert status == 1 and "`newsletter new`" in err
    assert not (root / "issues/2024").exists()


def test_add_to_a_given_day_and_to_today(tmp_path, cli):
    root = project(tmp_path, DAILY)
    assert cli("-C", root, "add", "https://arxiv.org/abs/2401.04088", "--title", "Mixtral", "--issue", "2024-01-09")[0] == 0
    assert "Mixtral" in (root / "issues/2024/2024-01-09.yaml").read_text()
    status, _, err = cli("-C", root, "add", "https://arxiv.org/abs/2401.04081", "--issue", "2024-01-W2")
    assert status == 2 and "'2024-01-W2' is not the id of a day; write it like 2024-09-16" in err
    config = Project(root).config
    today = config.periods.issue_id(dt.datetime.now(tz.gettz(config.timezone)).date())
    assert cli("-C", root, "add", "https://arxiv.org/abs/2401.04081", "--title", "MoE-Mamba")[0] == 0
    assert (root / "issues" / today[:4] / f"{today}.yaml").is_file()


def test_check_names_files_of_another_cadence(tmp_path, cli):
    root = project(tmp_path, DAILY)
    write(root, "2024-01-W2", "date: 2024-01-09\nentries:\n  - {type: paper, title: T, url: 'https://arxiv.org/abs/2401.04088'}\n")
    write(root, "2024-01-10", "date: 2024-01-09\nentries:\n  - {type: paper, title: U, url: 'https://arxiv.org/abs/2401.04081'}\n")
    status, out, _ = cli("-C", root, "check", "--format", "json")
    assert status == 1
    found = {(Path(d["file"]).stem, d["rule"]) for d in json.loads(out)}
    assert found == {("2024-01-W2", "date-invalid"), ("2024-01-10", "date-invalid")}
    _, text, _ = cli("-C", root, "check")
    assert "is that of a weekly issue, but this newsletter is daily" in text
    assert "date 2024-01-09 is not in day 2024-01-10" in text


def _digest(root: Path) -> str:
    p = Project(root)
    from newsletter.render.templates import environment
    return markdown.digest([(i.id, i.issue) for i in p.valid_issues()], p.config, environment(None))


def test_daily_digest_groups_days_under_their_month(tmp_path):
    root = project(tmp_path, DAILY)
    for day in ("2024-01-09", "2024-01-10", "2024-02-01"):
        write(root, day, f"date: {day}\nentries:\n  - {{type: paper, title: T{day}, url: 'https://arxiv.org/abs/{day}'}}\n")
    text = _digest(root)
    assert text.count("# 2024\n") == 1
    assert "\n## 🙇🏻 January\n" in text and "\n## ☃ February\n" in text
    summaries = [line.strip() for line in text.splitlines() if "<summary>" in line]
    assert summaries == ["<summary>January 9</summary>", "<summary>January 10</summary>", "<summary>February 1</summary>"]
    assert text.index("## ") < text.index("January 9") < text.index("February 1")
    assert text.count("\n## ") == 2


def test_monthly_digest_lists_months_under_their_year(tmp_path):
    root = project(tmp_path, MONTHLY)
    for month in ("2023-12", "2024-01", "2024-02"):
        write(root, month, f"date: {month}-05\nentries:\n  - {{type: paper, title: T{month}, url: 'https://arxiv.org/abs/{month}'}}\n")
    text = _digest(root)
    assert "\n## " not in text
    assert "# 2023\n<details>\n  <summary>December</summary>" in text
    assert "# 2024\n<details>\n  <summary>January</summary>" in text
    assert "</details>\n\n<details>\n  <summary>February</summary>" in text


SEED = Path(__file__).parent / "data" / "seeds" / "daily-2024-01-09.md"


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip("\n").split("\n")]


def test_three_days_of_the_daily_digest_make_three_issues_emails_and_feed_items(tmp_path, cli):
    root = project(tmp_path / "daily", 'cadence = "daily"\nlanguage = "ko"\n' + SITE)
    seed = SEED.read_text(encoding="utf-8")
    # one day, then one file holding the next two days
    (tmp_path / "two.md").write_text(seed.replace("2024-01-09", "2024-01-10") + seed.replace("2024-01-09", "2024-01-11"), encoding="utf-8")
    status, out, _ = cli("-C", root, "import", SEED, "--format", "daily")
    assert status == 0 and "1 day, 11 entries" in out
    status, out, _ = cli("-C", root, "import", tmp_path / "two.md", "--format", "daily")
    assert status == 0 and "2 days, 22 entries" in out
    days = ["2024-01-09", "2024-01-10", "2024-01-11"]
    assert sorted(p.stem for p in (root / "issues" / "2024").iterdir()) == days
    assert cli("-C", root, "check")[0] == 0  # warnings only: the seed's repeated authors
    for day in days:
        assert cli("-C", root, "publish", day)[0] == 0
    assert sorted(p.name for p in (root / "dist" / "issues").iterdir()) == [f"{d}.md" for d in days]
    assert sorted(p.stem for p in (root / "dist" / "email").glob("*.eml")) == days
    subjects = [(root / "dist" / "email" / f"{d}.eml").read_bytes().split(b"\n", 1)[0] for d in days]
    assert all(s.startswith(b"Subject: ") for s in subjects) and len(set(subjects)) == 3
    feed = feedparser.parse((root / "dist" / "feed.xml").read_bytes())
    assert sorted(e.title for e in feed.entries) == [f"Daily Papers ({d})" for d in days]
    # the seed still round-trips: the day's page is the digest it was imported from
    assert _lines((root / "dist" / "issues" / "2024-01-09.md").read_text(encoding="utf-8")) == _lines(seed)


def test_a_weekly_newsletter_refuses_two_days_of_one_week(tmp_path, cli):
    root = project(tmp_path / "weekly", 'language = "ko"\n')
    seed = SEED.read_text(encoding="utf-8")
    (tmp_path / "two.md").write_text(seed + seed.replace("2024-01-09", "2024-01-10"), encoding="utf-8")
    status, _, err = cli("-C", root, "import", tmp_path / "two.md", "--format", "daily")
    assert status == 1 and "cadence = \"daily\"" in err and ":173:1:" in err
    assert not (root / "issues" / "2024").exists()


def test_a_monthly_newsletter_from_new_to_publish(tmp_path, cli):
    root = project(tmp_path / "monthly", 'cadence = "monthly"\nlabel_language = "en"\n' + SITE)
    config = Project(root).config
    month = config.periods.issue_id(dt.datetime.now(tz.gettz(config.timezone)).date())
    path = root / "issues" / month[:4] / f"{month}.yaml"
    status, out, _ = cli("-C", root, "new")
    assert status == 0 and out.strip().endswith(f"{month}.yaml") and path.is_file()
    assert cli("-C", root, "add", "https://arxiv.org/abs/2312.15166", "--title", "SOLAR 10.7B", "--summary", "depth up-scaling")[0] == 0
    assert cli("-C", root, "add", "https://huggingface.co/blog/moe", "--type", "dev", "--title", "Mixture of Experts Explained")[0] == 0
    assert [e.title for e in Project(root).valid_issues()[0].issue.entries] == ["SOLAR 10.7B", "Mixture of Experts Explained"]
    assert cli("-C", root, "check")[0] == 0
    assert cli("-C", root, "build")[0] == 0
    status, out, _ = cli("-C", root, "publish")
    assert status == 0 and f"published {month}" in out
    assert "published: " in path.read_text(encoding="utf-8")
    name = config.periods.heading(dt.date(int(month[:4]), int(month[5:]), 1), "en")  # e.g. "November 2026"
    eml = (root / "dist" / "email" / f"{month}.eml").read_text(encoding="utf-8")
    assert eml.startswith(f"Subject: {name}\n")
    assert [e.title for e in feedparser.parse((root / "dist" / "feed.xml").read_bytes()).entries] == [name]
    digest = (root / "dist" / "digest.md").read_text(encoding="utf-8")
    assert f"# {month[:4]}\n<details>\n  <summary>{name.split()[0]}</summary>" in digest


def test_authors_cut_short_keep_their_mark(tmp_path, cli):
    root = project(tmp_path / "daily", 'cadence = "daily"\nlanguage = "ko"\n')
    assert cli("-C", root, "import", SEED, "--format", "daily")[0] == 0
    text = (root / "issues" / "2024" / "2024-01-09.yaml").read_text(encoding="utf-8")
    assert "more_authors: true" in text and "- +" not in text
    assert cli("-C", root, "build")[0] == 0
    email = (root / "dist" / "email" / "2024-01-09.txt").read_text(encoding="utf-8")
    assert "Théophile Gervet 외" in " ".join(email.split())
    assert "Sebastian Jaszczur\n" in email  # a whole list has no mark


def test_authors_duplicate_is_reported_and_fixed(tmp_path, cli):
    root = project(tmp_path / "daily", DAILY)
    path = write(root, "2024-01-09", (
        "date: 2024-01-09\nentries:\n  - type: paper\n    title: Mixtral of Experts\n    url: https://arxiv.org/abs/2401.04088\n"
        "    authors:\n      - Albert Q. Jiang\n      - Albert Q. Jiang\n      - Arthur Mensch\n      - Albert Q. Jiang\n"
    ))
    status, out, _ = cli("-C", root, "check", "--format", "json")
    found = [(d["rule"], d["line"], d["fixable"]) for d in json.loads(out)]
    assert found == [("authors-duplicate", 8, True), ("authors-duplicate", 10, True)]
    assert cli("-C", root, "check", "--fix")[0] == 0
    assert path.read_text(encoding="utf-8").endswith("    authors:\n      - Albert Q. Jiang\n      - Arthur Mensch\n")


def test_a_monthly_post_is_one_issue_whose_sections_are_weeks(tmp_path, cli):
    root = project(tmp_path / "monthly", 'cadence = "monthly"\nlanguage = "ko"\nauthor = "Soohwan Kim"\n')
    seed = (SEED.parent / "post-2023-12.md").read_text(encoding="utf-8")
    assert cli("-C", root, "import", SEED.parent / "post-2023-12.md", "--format", "post")[0] == 0
    assert sorted(p.name for p in (root / "issues" / "2023").iterdir()) == ["2023-12.yaml"]
    issue = Project(root).valid_issues()[0].issue
    assert list(dict.fromkeys(e.section for e in issue.entries)) == ["12월 4주차", "12월 3주차", "12월 2주차", "12월 1주차"]
    assert cli("-C", root, "check", "--select", "date-invalid,schema")[0] == 0
    assert cli("-C", root, "build", "--layout", "post")[0] == 0
    assert _lines((root / "dist" / "issues" / "2023-12.md").read_text(encoding="utf-8")) == _lines(seed)


def test_publish_takes_the_oldest_day_that_has_begun(tmp_path, capsys):
    from newsletter.publish import publish

    root = project(tmp_path / "daily", DAILY + SITE)
    for day in ("2024-01-09", "2024-01-10", "2024-01-12"):
        write(root, day, f"date: {day}\nentries:\n  - {{type: paper, title: T{day}, url: 'https://arxiv.org/abs/{day}'}}\n")
    clock = lambda: dt.datetime(2024, 1, 11, 9, tzinfo=tz.gettz("Asia/Seoul"))  # noqa: E731
    for _ in range(3):
        assert publish(Project(root), None, root / "dist", clock) == 0
    out = capsys.readouterr().out
    assert out.count("published 2024-01-09 ") == 1 and out.count("published 2024-01-10 ") == 1
    assert "every issue whose day has begun is published" in out
    assert "published:" not in (root / "issues/2024/2024-01-12.yaml").read_text(encoding="utf-8")


def test_a_day_or_month_label_is_free_text(tmp_path, cli):
    root = project(tmp_path / "daily", DAILY)
    write(root, "2024-01-09", "date: 2024-01-09\nlabel: Tuesday\nentries:\n  - {type: paper, title: T, url: 'https://arxiv.org/abs/2401.04088'}\n")
    status, out, _ = cli("-C", root, "check", "--format", "json")
    assert status == 0 and json.loads(out) == []
    assert "<summary>Tuesday</summary>" in _digest(root)


def test_a_long_form_essay_is_the_issue_of_its_month(tmp_path, cli):
    root = project(tmp_path / "monthly", MONTHLY)
    assert cli("-C", root, "import", SEED.parent / "longform.md", "--format", "longform")[0] == 0
    (path,) = (root / "issues").rglob("*.yaml")
    assert len(path.stem) == 7 and path.stem == Project(root).config.periods.issue_id(Project(root).valid_issues()[0].issue.date)
    status, out, _ = cli("-C", root, "check", "--format", "json", "--select", "date-invalid")
    assert json.loads(out) == []
