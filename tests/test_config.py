"""``newsletter.toml``: defaults, and errors that name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.cli import main
from newsletter.config import Config, find_project, load_config
from newsletter.errors import NewsletterError
from newsletter.project import Project


def config_error(tmp_path: Path, text: str) -> str:
    """The one-line error that loading ``text`` as newsletter.toml produces."""
    path = tmp_path / "newsletter.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NewsletterError) as e:
        load_config(path)
    return str(e.value).replace(str(path), "newsletter.toml")


def test_no_file_means_defaults(tmp_path):
    config = Project(tmp_path).config
    assert config == Config()
    assert list(config.types) == ["paper", "dev", "news"]
    assert (config.language, config.labels, config.week_rule, config.timezone) == ("en", "en", "day-of-month", "Asia/Seoul")


def test_empty_file_means_defaults(tmp_path):
    (tmp_path / "newsletter.toml").write_text("")
    assert load_config(tmp_path / "newsletter.toml") == Config()


def test_settings_are_read(tmp_path):
    (tmp_path / "newsletter.toml").write_text(
        'language = "ko"\nlabel_language = "en"\nbase_url = "https://a.example"\n[feed]\nlimit = 5\n'
        '[types.memo]\nemoji = "📝"\nlabel = "Memo"\n[month_emoji]\n1 = "x"\n', encoding="utf-8")
    config = load_config(tmp_path / "newsletter.toml")
    assert (config.language, config.labels, config.base_url, config.feed.limit) == ("ko", "en", "https://a.example/", 5)
    assert list(config.types) == ["memo"]  # a [types.X] table replaces the defaults
    assert config.month_emoji == {1: "x"}
    assert config.type_for_emoji("📝") == "memo"


def test_shipped_config_loads():
    config = load_config(Path(__file__).parent.parent / "newsletter.toml")
    assert config.type_for_emoji("🧑🏻💻") == "dev"


def test_bad_toml_names_line_and_column(tmp_path):
    assert config_error(tmp_path, 'title = "x"\nlanguage = ko\n') == "newsletter.toml:2:12: invalid TOML: Invalid value"


@pytest.mark.parametrize("text, expected", [
    pytest.param('title = "x"\n\n[feed]\nlimit = 0\n',
                 "newsletter.toml:4:1: feed.limit: Input should be greater than or equal to 1", id="table"),
    pytest.param('title = "x"\nfeed.limit = 0\n',
                 "newsletter.toml:2:1: feed.limit: Input should be greater than or equal to 1", id="dotted-key"),
    pytest.param('title = "x"\nlanguage = "fr"\n',
                 "newsletter.toml:2:1: language: Input should be 'ko' or 'en'", id="choice"),
    pytest.param('timezone = "Mars/Olympus"\n',
                 "newsletter.toml:1:1: timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as 'Asia/Seoul'",
                 id="time-zone"),
    pytest.param('[check]\norgs = []\n[check.rules]\n"link-insecure" = "loud"\n',
                 "newsletter.toml:4:1: check.rules.link-insecure: Input should be 'error', 'warning', 'info' or 'off'",
                 id="quoted-key"),
    pytest.param('\n[types.paper]\nemoji = "x"\n',
                 "newsletter.toml:2:1: types.paper.label: Field required", id="missing-in-table"),
])
def test_bad_value_names_its_line(tmp_path, text, expected):
    assert config_error(tmp_path, text) == expected


@pytest.mark.parametrize("text, expected", [
    ('title = "x"\ncolour = "red"\n', "newsletter.toml:2:1: colour: unknown setting 'colour'"),
    ('[digest]\npath = "x"\nsort = "y"\n', "newsletter.toml:3:1: digest.sort: unknown setting 'sort'"),
])
def test_unknown_setting(tmp_path, text, expected):
    assert config_error(tmp_path, text) == expected


def test_config_error_is_one_line_from_the_cli(tmp_path, capsys):
    (tmp_path / "newsletter.toml").write_text("[feed]\nlimit = 0\n")
    assert main(["-C", str(tmp_path), "new-week", "--date", "2024-09-16"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("newsletter: ") and "newsletter.toml:2:1: feed.limit" in err


def test_find_project_walks_up(tmp_path):
    (tmp_path / "newsletter.toml").write_text("")
    deep = tmp_path / "issues" / "2024"
    deep.mkdir(parents=True)
    assert find_project(deep) == tmp_path.resolve()
