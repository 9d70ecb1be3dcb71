"""Daily and monthly newsletters: the cadence decides ids, files, the current issue, labels and grouping."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

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
