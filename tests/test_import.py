"""`newsletter import`: issue files written, the report, refusals and hard inputs."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEEDS
from newsletter.cli import main
from newsletter.errors import NewsletterError
from newsletter.importer.writer import dump_block, read_back, write_issues
from newsletter.load import _FORBIDDEN_CHAR as FORBIDDEN
from newsletter.model import Issue
from newsletter.importer import parse
from newsletter.load import load_issue
from newsletter.project import Project

ARCHIVE = SEEDS / "archive-2024.md"


def run(project: Project, *args: str) -> int:
    return main(["-C", str(project.root), "import", *map(str, args)])


def small_archive(body: str, year: str = "2024", month: str = "## ☃ February") -> str:
    return f"📜: Paper link\n\n---\n# {year}\n{month}\n{body}"


def issue_text(project: Project, ident: str) -> str:
    return project.issue_path(ident).read_text(encoding="utf-8")


def test_archive_import_writes_hand_written_yaml_that_loads(archive_project, capsys):
    assert run(archive_project, ARCHIVE) == 0
    files = sorted(archive_project.issues_dir.rglob("*.yaml"))
    assert len(files) == 35 and files[0].name == "2024-02-W3.yaml" and files[-1].name == "2024-09-W4.yaml"
    text = issue_text(archive_project, "2024-02-W3")
    assert text.startswith("date: 2024-02-15\nlabel: 1st ~ 3rd week\nentries:\n  - type: paper\n    org: Cohere\n")
    assert "\\u" not in text and "119개국" in text
    assert "label:" not in issue_text(archive_project, "2024-02-W4")  # equals the computed label
    wrapped = issue_text(archive_project, "2024-08-W5")
    assert "    title: |-\n      Open-FinLLMs: Open Multimodal Large Language Models for Financial\n      Applications\n" in wrapped
    for path in files:
        loaded, diags = load_issue(path)
        assert diags == [] and loaded.issue is not None


def test_hard_entries_are_mapped(archive_project, capsys):
    run(archive_project, ARCHIVE)

    def entry(ident: str, title_start: str) -> dict:
        data = yaml.safe_load(issue_text(archive_project, ident))
        return next(e for e in data["entries"] if e["title"].startswith(title_start))

    both = entry("2024-06-W2", "Extracting Concepts")  # '🧑🏻💻📜': a dev post that is also a paper
    assert (both["type"], both["tags"]) == ("dev", ["paper"])
    assert entry("2024-06-W2", "Contextual Position")["type"] == "paper"  # no emoji: type from arxiv.org
    assert "url" not in entry("2024-09-W3", "Qwen2.5-Coder")
    bare = entry("2024-06-W5", "https://github.com/karpathy/LLM101n")
    assert bare["url"] == bare["title"] and bare["org"] == "Andrej Karpathy"
    genie = entry("2024-02-W5", "Genie")
    assert (genie["org"], genie["icon"]) == ("Google DeepMind", "🧞")
    assert entry("2024-06-W5", "Selective Prompting")["note"] == "s (ACL 2024)"
    assert entry("2024-02-W4", "Linear Transformers")["summary"][0].startswith("Transformer 기반의")
    award = entry("2024-08-W3", "[ACL 2024 Best Paper Award]")
    assert award["summary"][0]["text"].startswith("[Cohere] [Aya Model") and len(award["summary"][0]["items"]) == 2
    saul = entry("2024-07-W5", "SaulLM-54B")
    # trailing spaces are kept: in Markdown two of them break the line
    assert saul["summary"][1] == "domain adaptation 과정은 세 단계로 구성됨. \n1) 540B 토큰 이상의 corpus로 continued pretraining \n2) 법률 특화 instruction-following protocol \n3) human preference와의 alignment"
    reading = entry("2024-02-W3", "A Human-Inspired Reading Agent")
    assert reading["org"] == "Google DeepMind & Research"
    assert entry("2024-06-W3", "The Prompt Report")["org"] == ["OpenAI", "Stnaford", "Microsoft"]


def test_report_counts_and_warnings(archive_project, tmp_path, capsys):
    report_file = tmp_path / "report.json"
    assert run(archive_project, ARCHIVE, "--dry-run", "--report", report_file) == 0
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert (report["weeks"], report["entries"]) == (35, 619)
    assert report["entries_per_type"] == {"dev": 210, "news": 29, "paper": 380}
    lines = {w["line"] for w in report["warnings"]}
    assert {49, 810, 910, 1040, 1827} <= lines and len(report["warnings"]) == 14
    # the project is configured like the archive: only what some weeks do differently is learned
    assert report["learned"] == [
        "style.open kept in 10 of 35 issues, where they differ from the rest",
        "style.close kept in 9 of 35 issues, where they differ from the rest",
        "style.before kept in 2 of 35 issues, where they differ from the rest",
    ]
    printed = capsys.readouterr().out
    assert "archive-2024.md:810: warning: entry has no type emoji; type 'paper' inferred" in printed
    assert printed.rstrip().endswith("35 weeks, 619 entries (dev 210, news 29, paper 380), 14 warnings")


def test_dry_run_writes_nothing(archive_project, capsys):
    assert run(archive_project, ARCHIVE, "--dry-run") == 0
    assert not archive_project.issues_dir.exists()


def test_refuses_to_overwrite_without_force(archive_project, capsys):
    target = archive_project.issue_path("2024-09-W4")
    target.parent.mkdir(parents=True)
    target.write_text("date: 2024-09-22\n", encoding="utf-8")
    assert run(archive_project, ARCHIVE) == 1
    assert "2024-09-W4.yaml already exists; use --force" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "date: 2024-09-22\n"
    assert len(list(archive_project.issues_dir.rglob("*.yaml"))) == 1
    assert run(archive_project, ARCHIVE, "--force") == 0
    assert "entries:" in target.read_text(encoding="utf-8")


def test_into_another_folder(archive_project, tmp_path, capsys):
    assert run(archive_project, ARCHIVE, "--into", tmp_path / "out") == 0
    assert (tmp_path / "out" / "2024" / "2024-02-W3.yaml").is_file()


@pytest.mark.parametrize("line", [
    "- 📜\u00a0[" + "[" * 1_000_000,
    "- 📜\u00a0[Org] [" + "a](" * 333_333,
    "- 📜\u00a0" + "[x] " * 250_000,
    "    - " + "<details>" * 110_000,
    "- 📜\u00a0[Org] [T](" + "(" * 1_000_000,
])
def test_a_megabyte_line_is_linear(archive_project, line):
    text = small_archive(f"<details>\n  <summary>1st week</summary>\n\n- 📜\u00a0[T](https://arxiv.org/abs/1)\n{line}\n</details>\n")
    # its cost is measured by `benchmarks/run.py --hostile-sizes`
    report = parse(text, "archive", archive_project.config, "big.md")
    assert len(report.issues) == 1


def test_korean_months_descending_order_typos_and_tabs(archive_project, capsys):
    text = small_archive(
        "<details>\n  <summary>4rd week</summary>\n\n- 📜\u00a0[A](https://arxiv.org/abs/2)\n\t- tabbed bullet\n</details>\n\n"
        "<details>\n  <summary>1주차</summary>\n\n- 🗞\u00a0[B](https://example.com/b)\n</details>\n",
        month="## 🌱 3월",
    )
    source = archive_project.root / "ko.md"
    source.write_text(text, encoding="utf-8")
    assert run(archive_project, source) == 0
    typo = yaml.safe_load(issue_text(archive_project, "2024-03-W4"))
    assert (str(typo["date"]), typo["label"]) == ("2024-03-22", "4rd week")
    assert typo["entries"][0]["summary"] == ["tabbed bullet"]
    first = yaml.safe_load(issue_text(archive_project, "2024-03-W1"))
    # the Korean month heading makes Korean labels the project's: '1주차' is then the computed label
    assert (str(first["date"]), "label" in first, first["entries"][0]["type"]) == ("2024-03-01", False, "news")
    assert archive_project.config.label_language == "ko"
    assert "week label '4rd week' is malformed" in capsys.readouterr().out


def test_unmappable_lines_are_kept_raw_with_warnings(archive_project):
    text = small_archive(
        "<details>\n  <summary>2nd week</summary>\n\n- 📜\u00a0[A](https://arxiv.org/abs/2)\n"
        "- 🦄 something odd\n    - its bullet\n</details>\n"
    )
    report = parse(text, "archive", archive_project.config, "odd.md")
    issue = report.issues["2024-02-W2"]
    assert issue.entries[0].raw == "- 🦄 something odd\n    - its bullet"
    assert [(w.line, "unknown type emoji" in w.message) for w in report.warnings if w.line > 1] == [(10, True)]


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe broken", "ko.md:1:1: the file is not valid UTF-8"),
    (b"# 2024\n## \xe2\x98\x83 February\n<details>\n  <summary>1st week\xc3</summary>", "ko.md:4:20: the file is not valid UTF-8"),
    (b"<details>\n</details>\n", "ko.md:1:1: no week found: an archive has '<details>' blocks under '# <year>'"),
])
def test_user_errors_are_one_line_with_a_position(archive_project, capsys, content, message):
    (archive_project.root / "ko.md").write_bytes(content)
    assert run(archive_project, archive_project.root / "ko.md") == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_file(archive_project, capsys):
    assert run(archive_project, archive_project.root / "nope.md") == 1
    assert "nope.md: cannot read the file" in capsys.readouterr().err


def test_post_and_daily_imports(tmp_path, capsys):
    (tmp_path / "newsletter.toml").write_text('language = "ko"\ncadence = "weekly"\nauthor = "Kim"\n', encoding="utf-8")
    project = Project(tmp_path)
    assert run(project, SEEDS / "post-2023-12.md", "--format", "post") == 0
    newest = yaml.safe_load(issue_text(project, "2023-12-W4"))
    assert newest["title"] == "LLM Paper Abstract - 2023.12" and newest["layout"] == "post"
    assert str(newest["published"]) == "2024-01-05 10:00:00+00:00"
    assert newest["image"] == "img/llm-abs-202310.jpg"
    # the author differs from the configured one: kept verbatim
    assert newest["raw"] == "author:\n  - Soohwan Kim"
    second = yaml.safe_load(issue_text(project, "2023-12-W2"))
    assert [e["title"] for e in second["entries"]][0] == "Efficient Memory Management for Large Language Model Serving with PagedAttention"
    assert run(project, SEEDS / "daily-2024-01-09.md", "--format", "daily") == 0
    daily = yaml.safe_load(issue_text(project, "2024-01-W2"))
    assert daily["entries"][0]["authors"][:2] == ["Albert Q. Jiang", "Albert Q. Jiang"]
    assert daily["entries"][0]["raw"] == "Vote: 86"


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
values = st.recursive(text | st.none(), lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), inner, max_size=4), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(values)
def test_the_issue_file_emitter_reads_back_what_it_was_given(value):
    written = dump_block(value)
    if any(FORBIDDEN.search(s) for s in _strings(value)):
        with pytest.raises(ValueError):  # characters the loader refuses: issue_yaml reports them
            read_back(written)
    else:
        assert read_back(written) == value
        assert yaml.load(written, Loader=yaml.CSafeLoader) == value or not isinstance(value, str)


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in _strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_an_issue_file_that_would_not_read_back_is_not_written(tmp_path):
    issue = Issue(date="2024-02-15", title="bell \x07")
    with pytest.raises(NewsletterError, match=r"U\+0007.*nothing was written"):
        write_issues({"2024-02-W3": issue}, tmp_path, force=False)
    assert not any(tmp_path.rglob("*"))
