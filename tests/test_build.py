"""``newsletter build``: every output, parsed; deterministic, atomic and incremental."""

from __future__ import annotations

import email
import os
import shutil
import sqlite3
import time
import xml.etree.ElementTree as ET
from email import policy
from pathlib import Path

import feedparser
import pytest

from checkutil import make_project
from newsletter.build.cache import CACHE_DIR, DATABASE
from newsletter.build.command import _sources
from newsletter.build.plan import render_build, write_build
from newsletter.cli import main

TOML = 'title = "AI 위클리"\nbase_url = "https://weekly.example.com/"\nlanguage = "ko"\n[digest]\npath = "README.md"\n'
W4 = """\
date: 2024-02-22
entries:
  - type: paper
    title: "DataDreamer: A Tool for Synthetic Data Generation"
    url: https://arxiv.org/abs/2402.10379
    summary:
      - 합성 데이터 생성이 포함된 워크 플로우 재현
"""
W5 = """\
# the last week of February
date: 2024-02-29
published: 2024-03-01T09:00:00+09:00
entries:
  - type: dev
    org: Google DeepMind
    title: "Genie: Generative Interactive Environments"
    url: https://sites.google.com/view/genie-2024
"""
FILES = {"issues/2024/2024-02-W4.yaml": W4, "issues/2024/2024-02-W5.yaml": W5}


def build(root: Path, *args: str) -> int:
    return main(["-C", str(root), "build", *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output's bytes, the search index's included."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    make_project(tmp_path, FILES, TOML)
    return tmp_path


def test_build_writes_every_output(root, capsys):
    assert build(root) == 0
    dist = root / "dist"
    names = set(snapshot(dist))
    assert {n for n in names if not n.startswith("site/")} == {
        "feed.xml", "atom.xml", "issues/2024-02-W4.md", "issues/2024-02-W5.md",
        *(f"email/2024-02-W{n}.{ext}" for n in (4, 5) for ext in ("html", "txt", "eml"))}
    assert {"site/index.html", "site/issues/2024-02-W4.html", "site/issues/2024-02-W5.html"} <= names
    assert "DataDreamer" in (root / "README.md").read_text(encoding="utf-8")
    assert "Genie" in (dist / "issues/2024-02-W5.md").read_text(encoding="utf-8")
    assert "site/search/2024.json" in names
    assert f"built {len(names) + 1} files" in capsys.readouterr().out  # and README.md


def test_only_published_issues_are_in_the_feeds(root):
    build(root)
    for name in ("feed.xml", "atom.xml"):
        data = (root / "dist" / name).read_bytes()
        ET.fromstring(data)
        feed = feedparser.parse(data)
        assert feed.bozo == 0
        assert [e.id for e in feed.entries] == ["tag:weekly.example.com,2024:2024-02-W5"]
    assert "DataDreamer" in (root / "README.md").read_text(encoding="utf-8")  # unpublished: digest only


def test_eml_and_text_parts_are_written(root):
    build(root)
    msg = email.message_from_bytes((root / "dist/email/2024-02-W5.eml").read_bytes(), policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Date"] == "Fri, 01 Mar 2024 09:00:00 +0900"
    assert "Genie" in (root / "dist/email/2024-02-W5.txt").read_text(encoding="utf-8")


def test_rebuilds_are_byte_identical_with_or_without_the_cache(root, tmp_path_factory):
    build(root)
    first = snapshot(root / "dist")
    shutil.rmtree(root / CACHE_DIR)
    other = tmp_path_factory.mktemp("out")
    build(root, "--out", str(other))
    assert snapshot(other) == first


def _render(root: Path):
    return render_build(make_project(root, {}, TOML), root / "dist")


def test_a_build_without_changes_parses_nothing_and_an_edit_renders_one_issue(root, monkeypatch):
    site = _render(root)
    write_build(site)
    assert (site.rendered, site.reused) == (2, 0)

    def no_parsing(*args):
        raise AssertionError("an unchanged archive must not be parsed")

    monkeypatch.setattr("newsletter.build.render.load_issue_text", no_parsing)
    again = _render(root)
    assert (again.rendered, again.reused, again.files) == (0, 2, set())
    monkeypatch.undo()
    path = root / "issues/2024/2024-02-W4.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("재현", "재현 가능"), encoding="utf-8")
    edited = _render(root)
    assert (edited.rendered, edited.reused) == (1, 1)
    assert set(edited.files) >= {root / "dist/issues/2024-02-W4.md", root / "README.md", root / "dist/feed.xml"}


def _cold(root: Path, tmp_path_factory) -> dict[str, bytes]:
    """The outputs of a build of ``root``'s sources in a fresh copy without cache or outputs."""
    copy = tmp_path_factory.mktemp("cold")
    shutil.copytree(root, copy, dirs_exist_ok=True, ignore=shutil.ignore_patterns("dist", CACHE_DIR, "README.md"))
    assert build(copy) == 0
    return {**snapshot(copy / "dist"), "README.md": (copy / "README.md").read_bytes()}


def _outputs(root: Path) -> dict[str, bytes]:
    return {**snapshot(root / "dist"), "README.md": (root / "README.md").read_bytes()}


@pytest.mark.parametrize("change", ["edit", "publish", "add", "delete", "template", "config"])
def test_an_incremental_build_writes_exactly_what_a_cold_build_writes(root, tmp_path_factory, change):
    assert build(root) == 0
    w4 = root / "issues/2024/2024-02-W4.yaml"
    if change == "edit":
        w4.write_text(W4.replace("재현", "재현 가능"), encoding="utf-8")
    elif change == "publish":
        w4.write_text(W4.replace("entries:", "published: 2024-02-23T09:00:00+09:00\nentries:"), encoding="utf-8")
    elif change == "add":
        (root / "issues/2024/2024-03-W1.yaml").write_text(W5.replace("2024-02-29", "2024-03-01"), encoding="utf-8")
    elif change == "delete":
        (root / "issues/2024/2024-02-W5.yaml").unlink()
    elif change == "template":
        (root / "templates").mkdir()
        (root / "templates/digest.md.j2").write_text("{% for y in years %}{{ y.year }}\n{% endfor %}", encoding="utf-8")
    else:
        (root / "newsletter.toml").write_text(TOML.replace('"ko"', '"en"'), encoding="utf-8")
    assert build(root) == 0
    assert _outputs(root) == _cold(root, tmp_path_factory)


def test_deleting_the_cache_changes_no_output(root):
    build(root)
    first = _outputs(root)
    shutil.rmtree(root / CACHE_DIR)
    assert build(root) == 0
    assert _outputs(root) == first


@pytest.mark.parametrize("damage", ["garbage-file", "garbage-rows"])
def test_a_damaged_cache_is_ignored(root, damage, capsys):
    build(root)
    first = _outputs(root)
    database = root / CACHE_DIR / DATABASE
    if damage == "garbage-file":
        database.write_bytes(b"not a database" * 100)
    else:
        with sqlite3.connect(database) as db:
            db.execute("UPDATE fragments SET meta = x'ff00', body = x'7b'")
            db.execute("UPDATE manifests SET data = '[1, 2'")
    assert build(root) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert _outputs(root) == first


def test_damaged_site_parts_in_the_cache_are_rendered_again(root, tmp_path_factory):
    build(root)
    with sqlite3.connect(root / CACHE_DIR / DATABASE) as db:
        db.execute("UPDATE parts SET data = x'ff00'")
    # the edited week shares the type page of the other week, whose list items and search record are damaged
    (root / "issues/2024/2024-02-W5.yaml").write_text(W5.replace("type: dev", "type: paper"), encoding="utf-8")
    assert build(root) == 0
    assert _outputs(root) == _cold(root, tmp_path_factory)


def test_an_output_changed_by_hand_is_rebuilt(root):
    build(root)
    first = _outputs(root)
    (root / "dist/email/2024-02-W5.html").write_text("mine", encoding="utf-8")
    (root / "dist/feed.xml").unlink()
    assert build(root) == 0
    assert _outputs(root) == first


def test_a_failed_build_leaves_the_previous_output_intact(root, capsys):
    build(root)
    before = snapshot(root / "dist")
    (root / "templates").mkdir()
    (root / "templates/email.mjml.j2").write_text("<mjml>\n{{ no_such_thing }}\n</mjml>\n", encoding="utf-8")
    (root / "issues/2024/2024-02-W4.yaml").write_text(W4.replace("재현", "변경"), encoding="utf-8")
    assert build(root) == 1
    err = capsys.readouterr().err
    assert "email.mjml.j2:2" in err and "Traceback" not in err
    assert snapshot(root / "dist") == before


def test_an_invalid_issue_stops_the_build_with_its_location(root, capsys):
    (root / "issues/2024/2024-02-W4.yaml").write_text("date: 2024-02-22\nentries:\n  - type: paper\n    titel: x\n", encoding="utf-8")
    assert build(root) == 1
    err = capsys.readouterr().err
    assert "2024-02-W4.yaml:3:5: missing required key 'title'" in err and "1 more" in err
    assert not (root / "dist").exists()


def test_files_of_a_deleted_issue_are_removed(root):
    build(root)
    (root / "issues/2024/2024-02-W4.yaml").unlink()
    (root / "dist/email/notes.txt").write_text("mine", encoding="utf-8")
    build(root)
    assert not (root / "dist/email/2024-02-W4.html").exists()
    assert not (root / "dist/issues/2024-02-W4.md").exists()
    assert (root / "dist/email/notes.txt").exists()


def test_an_oversized_email_is_reported_on_stderr(root, capsys):
    (root / "newsletter.toml").write_text(TOML.replace("[digest]", "[email]\nsize_warning_kb = 1\n[digest]"), encoding="utf-8")
    assert build(root) == 0
    err = capsys.readouterr().err
    assert "2024-02-W4" in err and "Gmail" in err


def test_an_oversized_email_is_reported_again_by_a_build_that_renders_nothing(root, capsys):
    (root / "newsletter.toml").write_text(TOML.replace("[digest]", "[email]\nsize_warning_kb = 1\n[digest]"), encoding="utf-8")
    assert build(root) == 0
    first = capsys.readouterr().err
    assert build(root) == 0
    captured = capsys.readouterr()
    assert "issues rendered 0" in captured.out and captured.err == first


def test_watch_looks_at_every_file_a_build_reads(root):
    (root / "templates").mkdir()
    (root / "templates/email.txt.j2").write_text("{{ heading }}\n", encoding="utf-8")
    sources = _sources(root)
    assert set(sources) >= {root / "newsletter.toml", root / "templates/email.txt.j2",
                            *(root / name for name in FILES)}


def test_an_empty_archive_builds_empty_feeds(tmp_path):
    make_project(tmp_path, {}, TOML)
    assert build(tmp_path) == 0
    assert feedparser.parse((tmp_path / "dist/feed.xml").read_bytes()).bozo == 0


def test_rendering_on_several_processes_gives_the_same_bytes(root, tmp_path_factory, monkeypatch):
    for n in range(1, 4):
        (root / f"issues/2024/2024-03-W{n}.yaml").write_text(W5.replace("2024-02-29", f"2024-03-{n * 7 - 6:02d}"), encoding="utf-8")
    monkeypatch.setattr("newsletter.build.pool.MIN_FILES_PER_WORKER", 1)
    monkeypatch.setattr("newsletter.build.pool.cores", lambda: 2)
    assert build(root) == 0
    monkeypatch.undo()
    assert _outputs(root) == _cold(root, tmp_path_factory)


def test_a_build_failing_on_several_processes_leaves_no_staged_file_behind(root, monkeypatch, capsys):
    for n in range(1, 4):
        (root / f"issues/2024/2024-03-W{n}.yaml").write_text(W5.replace("2024-02-29", f"2024-03-{n * 7 - 6:02d}"), encoding="utf-8")
    assert build(root) == 0
    before = snapshot(root / "dist")
    (root / "templates").mkdir()
    # the first batch fails while the other worker stages the last issue's files
    (root / "templates/email.txt.j2").write_text('{% if id == "2024-02-W4" %}{{ no_such_thing }}{% endif %}\n', encoding="utf-8")
    monkeypatch.setattr("newsletter.build.pool.MIN_FILES_PER_WORKER", 1)
    monkeypatch.setattr("newsletter.build.pool.cores", lambda: 2)
    assert build(root) == 1
    assert "email.txt.j2" in capsys.readouterr().err
    assert snapshot(root / "dist") == before


def test_every_filter_is_there_for_an_override_even_when_no_issue_is_rendered(root):
    """An overridden archive template may use any filter, also in a build that renders no issue."""
    (root / "templates").mkdir()
    (root / "templates/digest.md.j2").write_text('{{ header[0] }}\n{{ header[0] | underline("-") }}\n', encoding="utf-8")
    assert build(root) == 0
    (root / "issues/2024/2024-02-W4.yaml").unlink()
    assert build(root) == 0
    assert (root / "README.md").read_text(encoding="utf-8") == "📜: Paper link\n" + "-" * 14 + "\n"


def test_an_override_can_include_or_extend_the_packaged_template(root, tmp_path_factory):
    build(root)
    packaged = (root / "README.md").read_text(encoding="utf-8")
    (root / "templates").mkdir()
    (root / "templates/digest.md.j2").write_text('Our archive\n{% include "default/digest.md.j2" %}', encoding="utf-8")
    assert build(root) == 0
    assert (root / "README.md").read_text(encoding="utf-8") == "Our archive\n" + packaged
    (root / "templates/digest.md.j2").write_text('{% extends "default/digest.md.j2" %}', encoding="utf-8")
    assert build(root) == 0
    assert (root / "README.md").read_text(encoding="utf-8") == packaged
    (root / "templates/digest.md.j2").write_text(
        '{% extends "default/digest.md.j2" %}{% block header %}Papers, code and news.\n{% endblock %}', encoding="utf-8")
    assert build(root) == 0
    assert (root / "README.md").read_text(encoding="utf-8") == "Papers, code and news.\n" + packaged.split("---\n", 1)[1]
    (root / "templates/email.txt.j2").write_text(
        '{% extends "default/email.txt.j2" %}{% block footer %}-- \n{{ words.unsubscribe }}: {{ links.unsubscribe }}\n{% endblock %}',
        encoding="utf-8")
    assert build(root) == 0
    assert (root / "dist/email/2024-02-W5.txt").read_text(encoding="utf-8").endswith("\n-- \n수신 거부: {{unsubscribe_url}}\n")


def test_a_build_writes_exactly_the_listed_outputs(root):
    from newsletter.outputs import SITE, archive_paths, issue_paths, output_dir

    assert build(root) == 0
    project = make_project(root, {}, TOML)
    out = output_dir(root, None)
    listed = {*archive_paths(root, out, project.config).values()}
    for issue_id in ("2024-02-W4", "2024-02-W5"):
        listed |= {*issue_paths(out, issue_id).values()}
    sources = {".newsletter-cache", "issues", "newsletter.toml", ".newsletter.lock"}
    written = {p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] not in sources}
    # besides, the web archive's pages made from the whole archive
    assert listed <= written and all(p.is_relative_to(out / SITE) for p in written - listed)


@pytest.mark.parametrize("package", ["markdown-it-py", "mjml-python", "Jinja2", "feedgen"])
def test_upgrading_a_renderer_dependency_renders_everything_again(root, monkeypatch, package):
    from importlib.metadata import version

    build(root)
    monkeypatch.setattr("newsletter.build.plan.version", lambda name: "99.0" if name == package else version(name))
    assert _render(root).rendered == 2


def _same_size_edit(path: Path, *, keep_mtime: bool = True) -> None:
    """Change a word of an issue file to one of the same size, and put its modification time back, as tools that
    restore times do."""
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "워크 플로우" in text
    path.write_text(text.replace("워크 플로우", "워크-플로우"), encoding="utf-8")
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


def test_an_edit_that_keeps_the_size_and_the_mtime_is_built(root, tmp_path_factory, monkeypatch):
    monkeypatch.setattr("newsletter.build.sources.RACY_NS", 0)  # every file is trusted by its stat, as it is once old enough
    assert build(root) == 0
    time.sleep(0.05)  # past a tick of the file system's clock
    _same_size_edit(root / "issues/2024/2024-02-W4.yaml")
    assert build(root) == 0
    assert "워크-플로우" in (root / "README.md").read_text(encoding="utf-8")
    assert _outputs(root) == _cold(root, tmp_path_factory)


def test_a_file_changed_within_a_tick_of_the_clock_after_a_build_is_read_again(root, monkeypatch):
    """On a file system whose clock is coarse, a file changed right after a build can keep its size, times and inode."""
    from newsletter.build import sources

    path = root / "issues/2024/2024-02-W4.yaml"
    st, now = path.stat(), time.time_ns()
    real = sources.file_stat
    monkeypatch.setattr(sources, "file_stat", lambda p: (st.st_size, now, now, st.st_ino) if p == path else real(p))
    assert build(root) == 0
    _same_size_edit(path, keep_mtime=False)
    assert build(root) == 0
    assert "워크-플로우" in (root / "README.md").read_text(encoding="utf-8")


def test_an_override_may_list_a_weeks_blocks_one_by_one(root):
    from newsletter import PACKAGE_TEMPLATES

    assert build(root) == 0
    packaged = (root / "README.md").read_text(encoding="utf-8")
    joined = "{% if week.blocks %}\n{{ week.text }}\n{% endif %}\n"
    template = (PACKAGE_TEMPLATES / "digest.md.j2").read_text(encoding="utf-8")
    assert joined in template
    (root / "templates").mkdir()
    one_by_one = "{% for block in week.blocks %}\n{{ block }}\n{% endfor %}\n{{ week.blocks | length }} {{ week.blocks[-1][:1] }}\n"
    (root / "templates/digest.md.j2").write_text(template.replace(joined, one_by_one), encoding="utf-8")
    assert build(root) == 0
    assert (root / "README.md").read_text(encoding="utf-8") == packaged.replace("</details>", "1 -\n</details>")


def test_damaged_compiled_templates_are_compiled_again(root, capsys):
    from jinja2.bccache import bc_magic

    from newsletter.render.templates import environment

    assert build(root) == 0
    first = _outputs(root)
    compiled = list(Path(environment(None).bytecode_cache.directory).glob("newsletter-*.cache"))
    assert compiled
    for path in compiled:
        path.write_bytes(bc_magic + b"\x80\x05not a pickle")
    shutil.rmtree(root / CACHE_DIR)
    shutil.rmtree(root / "dist")
    assert build(root) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert _outputs(root) == first


def test_a_build_failing_in_the_list_pages_on_several_processes_leaves_no_staged_file_behind(root, monkeypatch, capsys):
    for n in range(1, 4):
        (root / f"issues/2023/2023-03-W{n}.yaml").parent.mkdir(exist_ok=True)
        (root / f"issues/2023/2023-03-W{n}.yaml").write_text(W5.replace("2024-02-29", f"2023-03-{n * 7 - 6:02d}"), encoding="utf-8")
    assert build(root) == 0
    before = snapshot(root / "dist")
    (root / "templates").mkdir()
    # the lists of 2023 fail while the other worker stages those of 2024
    (root / "templates/site-list.html.j2").write_text(
        '{% extends "default/site-list.html.j2" %}{% block main %}{{ no_such_thing if "2023" in title else "" }}{% endblock %}',
        encoding="utf-8")
    monkeypatch.setattr("newsletter.build.pool.MIN_FILES_PER_WORKER", 1)
    monkeypatch.setattr("newsletter.build.pool.cores", lambda: 2)
    assert build(root) == 1
    assert "site-list.html.j2" in capsys.readouterr().err
    assert snapshot(root / "dist") == before


def test_an_issue_file_changed_while_the_build_reads_it_stops_the_build_and_the_next_one_builds_it(root, monkeypatch, capsys):
    """A file whose stat still says unchanged, but whose bytes differ when the build comes to render it."""
    from newsletter.build import sources

    monkeypatch.setattr(sources, "RACY_NS", 0)
    assert build(root) == 0
    path = root / "issues/2024/2024-02-W4.yaml"
    st = path.stat()
    (root / "dist/issues/2024-02-W4.md").unlink()  # so that the issue is rendered again, from its bytes
    path.write_text(W4.replace("재현", "재현 가능"), encoding="utf-8")
    real = sources.file_stat
    monkeypatch.setattr(sources, "file_stat", lambda p: (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) if p == path else real(p))
    assert build(root) == 1
    err = capsys.readouterr().err
    assert "issues/2024/2024-02-W4.yaml" in err and "run it again" in err and "Traceback" not in err
    monkeypatch.setattr(sources, "file_stat", real)
    assert build(root) == 0
    assert "재현 가능" in (root / "README.md").read_text(encoding="utf-8")
