"""``newsletter.toml``: the project's settings, with defaults that make an empty file work."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from newsletter.errors import NewsletterError
from newsletter.model import Layout
from newsletter.urls import is_web_link
from newsletter.weeks import Cadence, Periods, WeekRule

CONFIG_NAME = "newsletter.toml"
# section headings of the built-in types in a Korean newsletter (the labels are the archive's English legend)
KO_HEADINGS = {"paper": "논문", "dev": "개발", "news": "뉴스"}
RuleLevel = Literal["error", "warning", "info", "off"]


# characters no setting may hold: controls (ESC drives terminals; a line break in a one-line value breaks a
# header or a feed) other than the tab and the line breaks of multi-line Markdown, lone surrogates, noncharacters
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def _text(value: object, one_line: bool = False) -> object:
    """``value`` if every text in it is one a setting may hold, else ValueError naming the character."""
    texts = value if isinstance(value, list) else value.values() if isinstance(value, dict) else [value]
    for text in texts:
        if isinstance(text, str) and (bad := _NOT_TEXT.search(text) or (one_line and _LINE_BREAK.search(text))):
            raise ValueError(f"character U+{ord(bad[0]):04X} cannot be part of a setting; remove it")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _printable(cls, v: object) -> object:
        return _text(v)


class EntryType(_Strict):
    """One kind of entry: its emoji, the legend text, and the link hosts typical for it."""

    emoji: str
    label: str
    # the section heading in emails and feeds; default: the label (in Korean newsletters 논문, 개발, 뉴스)
    heading: str | None = None
    hosts: list[str] = []
    # other spellings of the emoji accepted on import (e.g. without the zero-width joiner)
    aliases: list[str] = []


def _default_types() -> dict[str, EntryType]:
    return {
        "paper": EntryType(
            emoji="📜",
            label="Paper link",
            hosts=[
                "arxiv.org", "openreview.net", "aclanthology.org", "nature.com", "science.org",
                "proceedings.mlr.press", "papers.nips.cc", "proceedings.neurips.cc",
                "openaccess.thecvf.com", "ojs.aaai.org", "dl.acm.org", "ieeexplore.ieee.org",
                "iclr.cc", "icml.cc", "neurips.cc", "jmlr.org", "semanticscholar.org",
                "huggingface.co/papers", "paperswithcode.com",
            ],
            aliases=["📃", "📄"],
        ),
        "dev": EntryType(
            emoji="🧑🏻‍💻",
            label="Developer blog & Github link",
            hosts=["github.com", "gist.github.com", "huggingface.co", "github.blog", "pypi.org", "kaggle.com"],
            aliases=["🧑🏻💻", "👩🏻‍💻", "👨🏻‍💻", "🧑‍💻"],
        ),
        "news": EntryType(
            emoji="🗞️",
            label="News",
            hosts=["theverge.com", "techcrunch.com", "reuters.com", "bloomberg.com", "cnbc.com", "wired.com", "nytimes.com"],
            aliases=["🗞", "📰"],
        ),
    }


def _default_month_emoji() -> dict[int, str]:
    return {1: "🙇🏻", 2: "☃", 3: "🌱", 4: "🌸", 5: "🏕️", 6: "🌞", 7: "☔️", 8: "🔥", 9: "🙇🏻", 10: "🎃", 11: "🍁", 12: "🎄"}


def _web_link_or_empty(v: str) -> str:
    """A setting that becomes a link in the outputs: an https:// address (or nothing), never a script."""
    if v and not is_web_link(v):
        raise ValueError(f"{v!r} is not a web address; write an https:// link, or nothing")
    return v


class DigestConfig(_Strict):
    """The Markdown archive: where it goes and how it is laid out."""

    path: str = "dist/digest.md"
    order: Literal["oldest-first", "newest-first"] = "oldest-first"
    # the character between the type emoji and the rest of the entry line
    separator: str = " "
    # spaces per level of summary bullets (the first level too)
    indent: int = Field(4, ge=1, le=8)
    layout: Layout = "archive"
    # Markdown written verbatim before the first year (instead of the type legend) and after the last week
    header: str | None = None
    footer: str | None = None


# RFC 2369: links in angle brackets; printable ASCII without "=?", which a mail reader would decode as an encoded word
_URI_IN_BRACKETS = r"<(?:https|mailto):(?:(?!=\?)[!-;=?-~])+>"
_LIST_UNSUBSCRIBE = re.compile(rf"{_URI_IN_BRACKETS}(?:, ?{_URI_IN_BRACKETS})*")


class EmailConfig(_Strict):
    """Settings of the HTML email and the ready-to-send message."""

    from_address: str = "newsletter@example.com"
    to_address: str = "subscribers@example.com"
    # placeholder your email service replaces per recipient, e.g. "{{unsubscribe_url}}" or "*|UNSUB|*"
    unsubscribe_url: str = "{{unsubscribe_url}}"
    list_unsubscribe: str = ""
    size_warning_kb: int = 102

    @field_validator("from_address", "to_address")
    @classmethod
    def _addresses(cls, v: str, info: ValidationInfo) -> str:
        """Addresses a mail reader reads as written: one sender, at least one recipient, no encoded words."""
        from email import policy

        try:
            _, header = policy.SMTP.header_store_parse("From", v)
        except (ValueError, IndexError):
            header = None
        wanted = "one sender address" if info.field_name == "from_address" else "a list of addresses"
        if header is None or not header.addresses or header.defects or (info.field_name == "from_address" and len(header.addresses) != 1):
            raise ValueError(f"{v!r} is not {wanted}; write it as 'Name <user@host>'")
        if "=?" in v:
            raise ValueError(f"{v!r} holds an encoded word ('=?'); write the name as plain text, in any script")
        return v

    @field_validator("unsubscribe_url")
    @classmethod
    def _placeholder_or_link(cls, v: str) -> str:
        """Your email service's placeholder, or a web link: never a script or a link that hides its host."""
        scheme = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*):", v)
        if not v.strip() or (scheme and not is_web_link(v)) or re.search(r"[\s<>\"'\\]", v):
            raise ValueError(f"{v!r} is neither a placeholder such as '{{{{unsubscribe_url}}}}' nor an https:// link")
        return v

    @field_validator("list_unsubscribe")
    @classmethod
    def _uris(cls, v: str) -> str:
        if v and not _LIST_UNSUBSCRIBE.fullmatch(v):
            raise ValueError(
                f"{v!r} is not a List-Unsubscribe value; write one or more https: or mailto: links in angle brackets, "
                "separated by commas, e.g. '<https://example.com/unsubscribe>, <mailto:leave@example.com>'"
            )
        return v


class SubscribersConfig(_Strict):
    """Where the subscriber store (with its send journal) and the signing secret live: never in git or dist/."""

    database: str = ".newsletter-private/subscribers.sqlite3"
    # NEWSLETTER_SECRET in the environment takes precedence over this file
    secret_file: str = ".newsletter-private/secret"


class SmtpConfig(_Strict):
    """The relay ``newsletter send`` hands messages to; user and password come only from the environment."""

    host: str = "localhost"
    port: int = Field(587, ge=0, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    connections: int = Field(4, ge=1, le=64)
    # the relay's rate limit in messages per second; 0 for none
    max_per_second: float = Field(0, ge=0)
    timeout: float = Field(60, gt=0)
    retries: int = Field(5, ge=0)
    # seconds before the first retry of a temporary failure; each further one waits twice as long
    backoff: float = Field(2.0, ge=0)


class ServeConfig(_Strict):
    """``newsletter serve``: the public address of the subscribe and unsubscribe pages, and their limits."""

    # where readers reach `newsletter serve` through the reverse proxy; default: <base_url>list/
    url: str = ""
    host: str = "127.0.0.1"
    port: int = Field(8025, ge=0, le=65535)
    confirm_hours: float = Field(48, gt=0)
    # subscribe requests per hour allowed from one client address, and for one email address
    per_client_per_hour: int = Field(10, ge=1)
    per_address_per_hour: int = Field(3, ge=1)
    max_body_bytes: int = Field(4096, ge=256)

    @field_validator("url")
    @classmethod
    def _web(cls, v: str) -> str:
        return _web_link_or_empty(v)


class FeedConfig(_Strict):
    limit: int = Field(20, ge=1)


class SiteConfig(_Strict):
    """The web archive: the subscribe form and the home page."""

    # where the subscribe form posts (the address of `newsletter serve`); no form when empty
    subscribe_url: str = ""
    # how many of the latest issues the home page shows in full
    latest: int = Field(3, ge=1)

    @field_validator("subscribe_url")
    @classmethod
    def _web(cls, v: str) -> str:
        return _web_link_or_empty(v)


class CheckConfig(_Strict):
    """Per-rule severity overrides and the data the rules use."""

    rules: dict[str, RuleLevel] = {}
    tracking_params: list[str] = []
    orgs: list[str] = []
    org_aliases: dict[str, str] = {}

    @field_validator("tracking_params")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        """Lower-cased, as parameter names are matched without case."""
        return [name.lower() for name in v]


class FetchConfig(_Strict):
    """How ``add`` and ``check --online`` reach the network, and where the remote APIs are."""

    # empty: "newsletter/<version> (+<base_url>)", which names the newsletter to the sites it visits
    user_agent: str = ""
    timeout: float = Field(8.0, gt=0)
    max_bytes: int = Field(2_000_000, ge=1024)
    max_redirects: int = Field(5, ge=0)
    concurrency: int = Field(32, ge=1)
    per_host: int = Field(4, ge=1)
    # longest Retry-After honoured before the link is reported as unavailable
    max_retry_after: float = Field(30.0, ge=0)
    cache_hours: float = Field(72.0, ge=0)
    arxiv_api: str = "https://export.arxiv.org/api/query"
    arxiv_batch: int = Field(100, ge=1)
    # arXiv asks API users for a pause between requests
    arxiv_delay: float = Field(3.0, ge=0)
    github_api: str = "https://api.github.com"
    openreview_api: str = "https://api2.openreview.net"


class Config(_Strict):
    """Everything in ``newsletter.toml``."""

    title: str = "Newsletter"
    description: str = ""
    base_url: str = "https://example.com/"
    author: str = ""
    language: Literal["ko", "en"] = "en"
    # language of week labels and month headings, when it differs from the content's
    label_language: Literal["ko", "en"] | None = None
    timezone: str = "Asia/Seoul"
    cadence: Cadence = "weekly"
    week_rule: WeekRule = "day-of-month"
    types: dict[str, EntryType] = Field(default_factory=_default_types)
    month_emoji: dict[int, str] = Field(default_factory=_default_month_emoji)
    digest: DigestConfig = DigestConfig()
    email: EmailConfig = EmailConfig()
    feed: FeedConfig = FeedConfig()
    site: SiteConfig = SiteConfig()
    check: CheckConfig = CheckConfig()
    fetch: FetchConfig = FetchConfig()
    subscribers: SubscribersConfig = SubscribersConfig()
    smtp: SmtpConfig = SmtpConfig()
    serve: ServeConfig = ServeConfig()

    def entry_type(self, name: str) -> EntryType:
        """The type ``name``; one not configured (kept with ``type-unknown = "off"``) shows as its name, without emoji."""
        return self.types.get(name) or EntryType(emoji="", label=name)

    @field_validator("title", "description", "author")
    @classmethod
    def _one_line(cls, v: str, info: ValidationInfo) -> str:
        _text(v, one_line=True)
        if info.field_name == "title" and not v.strip():
            raise ValueError("the newsletter needs a name; write it, e.g. title = \"AI Weekly\"")
        return v

    @field_validator("base_url")
    @classmethod
    def _slash(cls, v: str) -> str:
        if not is_web_link(v):
            raise ValueError(f"{v!r} is not a web address; write where the built files are served, e.g. 'https://example.com/'")
        return v if v.endswith("/") else v + "/"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        import zoneinfo

        # only IANA names: dateutil would also take a POSIX rule ("ABC-25", an offset no datetime can hold) or a path
        try:
            zoneinfo.ZoneInfo(v)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            raise ValueError(f"unknown time zone {v!r}; use an IANA name such as 'Asia/Seoul'")
        return v

    @field_validator("types")
    @classmethod
    def _some_types(cls, v: dict[str, EntryType]) -> dict[str, EntryType]:
        if not v:
            raise ValueError("at least one entry type is needed")
        return v

    @property
    def serve_url(self) -> str:
        """The public URL of the subscribe and unsubscribe pages, ending in a slash."""
        url = self.serve.url or self.base_url + "list/"
        return url if url.endswith("/") else url + "/"

    @property
    def labels(self) -> str:
        """The language of week labels and month names."""
        return self.label_language or self.language

    @property
    def periods(self) -> Periods:
        """The issues of this newsletter's cadence: ids, files, the days each covers, labels."""
        return Periods(self.cadence, self.week_rule)

    def type_heading(self, name: str) -> str:
        """The heading of the section of entries of type ``name`` in emails and feeds."""
        entry_type = self.entry_type(name)
        default = KO_HEADINGS.get(name) if self.language == "ko" else None
        return entry_type.heading or default or entry_type.label

    def type_for_emoji(self, emoji: str) -> str | None:
        """The type name whose emoji (or an alias of it) is ``emoji``."""
        for name, t in self.types.items():
            if emoji == t.emoji or emoji in t.aliases:
                return name
        return None


def load_config(path: Path) -> Config:
    """Read and validate a ``newsletter.toml``; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise NewsletterError(f"cannot read the config: {e}", str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        line, col = (int(m[1]), int(m[2])) if m else (None, None)
        msg = re.sub(r"\s*\(at line.*\)$", "", str(e))
        raise NewsletterError(f"invalid TOML: {msg}", str(path), line, col) from None
    except ValueError:  # a number longer than Python reads (4,300 digits)
        m = re.search(r"\d{4300}", text)
        line = text.count("\n", 0, m.start()) + 1 if m else None
        raise NewsletterError("invalid TOML: a number is too long; write a shorter one", str(path), line, 1) from None
    except RecursionError:
        raise NewsletterError("invalid TOML: values nested too deeply; write them flatter", str(path)) from None
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = [str(p) for p in err["loc"]]
        line = _locate(text, loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown setting '{loc[-1]}'"
        raise NewsletterError(f"{'.'.join(loc)}: {msg}", str(path), line, 1) from None


_KEY = r"""(?:"[^"]*"|'[^']*'|[\w-]+)"""
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_TABLE_RE = re.compile(rf"^\[\[?\s*({_DOTTED})\s*\]\]?")
_ASSIGN_RE = re.compile(rf"^({_DOTTED})\s*=")


def _key_parts(dotted: str) -> list[str]:
    return [a or b or c for a, b, c in re.findall(r""""([^"]*)"|'([^']*)'|([\w-]+)""", dotted)]


def _locate(text: str, loc: list[str]) -> int:
    """Best-effort line of a dotted setting in TOML text (tomllib keeps no positions)."""
    table: list[str] = []
    best = 1
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if m := _TABLE_RE.match(s):
            table = _key_parts(m[1])
            if table == loc[: len(table)]:
                best = n
        elif m := _ASSIGN_RE.match(s):
            key = table + _key_parts(m[1])
            if key == loc[: len(key)]:
                return n
    return best


def find_project(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding a ``newsletter.toml`` (else ``start``)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return start
