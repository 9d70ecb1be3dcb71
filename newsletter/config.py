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

    emoji: str = Field(description="the emoji that starts the type's entries")
    label: str = Field(description="its text in the type legend")
    heading: str | None = Field(None, description="the section heading of emails and feeds; unset: the label, "
                                "or 논문, 개발, 뉴스 for paper, dev, news when `language = \"ko\"`")
    hosts: list[str] = Field([], description="link hosts from which `add` guesses the type and `type-link-mismatch` "
                             'checks it; subdomains match too, "huggingface.co/papers" matches that path')
    aliases: list[str] = Field([], description="other spellings of the emoji that `import` accepts "
                               "(e.g. without the zero-width joiner)")


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

    path: str = Field("dist/digest.md", description="where `newsletter build` writes it (e.g. README.md): a file inside the "
                      "project that is no source (issues/, templates/, newsletter.toml) and no other output")
    order: Literal["oldest-first", "newest-first"] = Field("oldest-first", description='"oldest-first" or "newest-first"')
    separator: str = Field(" ", description="between an entry's type emoji and its text")
    indent: int = Field(4, ge=1, le=8, description="spaces per level of summary bullets (the first level too)")
    layout: Layout = Field("archive", description='"archive", "post" or "daily"; an issue\'s own `layout:` wins')
    header: str | None = Field(None, description="Markdown written before the first year; unset: the type legend and `---`")
    footer: str | None = Field(None, description="Markdown written after the last week; unset: nothing")


# RFC 2369: links in angle brackets; printable ASCII without "=?", which a mail reader would decode as an encoded word
_URI_IN_BRACKETS = r"<(?:https|mailto):(?:(?!=\?)[!-;=?-~])+>"
_LIST_UNSUBSCRIBE = re.compile(rf"{_URI_IN_BRACKETS}(?:, ?{_URI_IN_BRACKETS})*")


class EmailConfig(_Strict):
    """Settings of the HTML email and the ready-to-send message."""

    from_address: str = Field("newsletter@example.com", description="the sender: one address, `Name <user@host>`")
    to_address: str = Field("subscribers@example.com", description="the `To` of the ready-to-send message")
    unsubscribe_url: str = Field("{{unsubscribe_url}}", description='placeholder your email service fills in per '
                                 'recipient, e.g. "*|UNSUB|*", or an https:// link')
    list_unsubscribe: str = Field("", description='the List-Unsubscribe header: https: or mailto: links in angle '
                                  'brackets, comma-separated, e.g. "<https://example.com/unsubscribe>"')
    size_warning_kb: int = Field(102, description="warn above this size (Gmail clips larger messages)")

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

    database: str = Field(".newsletter-private/subscribers.sqlite3", description="the SQLite store, with the send journal")
    secret_file: str = Field(".newsletter-private/secret", description="the key that signs unsubscribe links; "
                             "NEWSLETTER_SECRET in the environment replaces it")


class SmtpConfig(_Strict):
    """The relay ``newsletter send`` hands messages to; user and password come only from the environment."""

    host: str = Field("localhost", description="the relay's host")
    port: int = Field(587, ge=0, le=65535, description="its port")
    security: Literal["none", "starttls", "tls"] = Field("starttls", description='"none", "starttls" or "tls"')
    connections: int = Field(4, ge=1, le=64, description="messages sent at once over separate connections")
    max_per_second: float = Field(0, ge=0, description="your relay's rate limit in messages per second; 0 for none")
    timeout: float = Field(60, gt=0, description="seconds to wait for the relay")
    retries: int = Field(5, ge=0, description="tries again after a temporary failure (4xx, dropped connection)")
    backoff: float = Field(2.0, ge=0, description="seconds before the first retry; each further one waits twice as long")


class ServeConfig(_Strict):
    """``newsletter serve``: the public address of the subscribe and unsubscribe pages, and their limits."""

    url: str = Field("", description='where readers reach the pages through your reverse proxy; "" means <base_url>list/')
    host: str = Field("127.0.0.1", description="the address it listens on")
    port: int = Field(8025, ge=0, le=65535, description="the port it listens on; 0 for any free one")
    confirm_hours: float = Field(48, gt=0, description="how long a confirmation link works")
    per_client_per_hour: int = Field(10, ge=1, description="subscribe requests per hour from one client address")
    per_address_per_hour: int = Field(3, ge=1, description="subscribe requests per hour for one email address")
    max_body_bytes: int = Field(4096, ge=256, description="the largest form it reads")

    @field_validator("url")
    @classmethod
    def _web(cls, v: str) -> str:
        return _web_link_or_empty(v)


class FeedConfig(_Strict):
    """The RSS and Atom feeds."""

    limit: int = Field(20, ge=1, description="how many of the latest issues they carry")


class SiteConfig(_Strict):
    """The web archive: the subscribe form and the home page."""

    subscribe_url: str = Field("", description="where the home page's subscribe form posts its `email` field (the "
                               "`/subscribe` address of `newsletter serve`); no form when empty")
    latest: int = Field(3, ge=1, description="how many of the latest issues the home page shows in full")

    @field_validator("subscribe_url")
    @classmethod
    def _web(cls, v: str) -> str:
        return _web_link_or_empty(v)


class CheckConfig(_Strict):
    """Per-rule severity overrides and the data the rules use."""

    rules: dict[str, RuleLevel] = Field({}, description='Severity per rule ("error", "warning", "info" or "off"); '
                                        "`newsletter rules` lists them.", examples=[{"link-insecure": "off"}])
    tracking_params: list[str] = Field([], description="query parameters to strip besides utm_*, fbclid, ref, si, …")
    orgs: list[str] = Field([], description="organisation names to accept besides the built-in list")
    org_aliases: dict[str, str] = Field({}, description="Other spellings of an organisation and the one to write instead.",
                                        examples=[{"Open AI": "OpenAI"}])

    @field_validator("tracking_params")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        """Lower-cased, as parameter names are matched without case."""
        return [name.lower() for name in v]


class FetchConfig(_Strict):
    """How ``add`` and ``check --online`` reach the network, and where the remote APIs are."""

    user_agent: str = Field("", description='empty: "newsletter/<version> (+<base_url>)", naming the newsletter to '
                            "the sites it visits")
    timeout: float = Field(8.0, gt=0, description="seconds to wait for a server")
    max_bytes: int = Field(2_000_000, ge=1024, description="read at most this much of a page")
    max_redirects: int = Field(5, ge=0, description="follow at most this many redirects")
    concurrency: int = Field(32, ge=1, description="links checked at once")
    per_host: int = Field(4, ge=1, description="links checked at once on one host")
    max_retry_after: float = Field(30.0, ge=0, description="longest Retry-After (seconds) waited for before a link "
                                   "counts as unavailable")
    cache_hours: float = Field(72.0, ge=0, description="how long `check --online` trusts an earlier answer "
                               "(--refresh ignores it)")
    arxiv_api: str = Field("https://export.arxiv.org/api/query", description="arXiv's API (titles, authors, dates; "
                           "batched link checks)")
    arxiv_batch: int = Field(100, ge=1, description="arXiv ids per API request")
    arxiv_delay: float = Field(3.0, ge=0, description="seconds between two requests to arXiv's API, as arXiv asks")
    github_api: str = Field("https://api.github.com", description="GitHub's REST API (repository name, description, owner)")
    openreview_api: str = Field("https://api2.openreview.net", description="OpenReview's API (title, venue)")


class Config(_Strict):
    """Everything in ``newsletter.toml``."""

    title: str = Field("Newsletter", description="the newsletter's name: page titles, email subjects, feeds")
    description: str = Field("", description="one sentence about it, for the feeds and the page header")
    base_url: str = Field("https://example.com/", description="where the built site is served; links in emails and "
                          "feeds start with it")
    author: str = Field("", description="shown as the author of the feeds")
    language: Literal["ko", "en"] = Field("en", description='"ko" or "en": the language of the content (the `lang` '
                                          "of emails and feeds)")
    label_language: Literal["ko", "en"] | None = Field(None, description='week labels ("3rd week" / "3주차") and '
                                                       "month names, when not in the content's language (unset: as `language`)")
    timezone: str = Field("Asia/Seoul", description='IANA time zone of "this week" (today, this month) and of publish times')
    cadence: Cadence = Field("weekly", description='"weekly", "daily" or "monthly": one issue file per week, day or '
                             "month; the current issue of `new`, `add` and `publish`, the labels and the archive's grouping")
    week_rule: WeekRule = Field("day-of-month", description='"day-of-month": week n holds days 7n-6 to 7n (29–31 are W5); '
                                '"monday": calendar rows starting on Monday')
    types: dict[str, EntryType] = Field(
        default_factory=_default_types,
        description="Entry types: an emoji, the legend text, the link hosts from which `newsletter add` guesses the type\n"
        '(subdomains match too; "huggingface.co/papers" matches that path), and other spellings of the emoji\n'
        "accepted by `newsletter import`. Any [types.NAME] table replaces ALL of these defaults: copy the ones you keep.",
    )
    month_emoji: dict[int, str] = Field(default_factory=_default_month_emoji,
                                        description="The emoji after each month's heading in the archive, by month number (1 = January).")
    digest: DigestConfig = Field(DigestConfig(), description="The Markdown archive of every issue. `newsletter import` "
                                 "sets these to the archive's own habits.")
    email: EmailConfig = Field(EmailConfig(), description="The HTML email and the ready-to-send message.")
    feed: FeedConfig = Field(FeedConfig(), description="The RSS and Atom feeds.")
    site: SiteConfig = Field(SiteConfig(), description="The web archive (dist/site/).")
    check: CheckConfig = Field(CheckConfig(), description="`newsletter check`.")
    fetch: FetchConfig = Field(FetchConfig(), description="The network: `newsletter add` reading a link's page, "
                               "`newsletter check --online`.")
    subscribers: SubscribersConfig = Field(SubscribersConfig(), description="The subscriber store and the secret "
                                           "that signs unsubscribe links; keep both out of git and dist/.")
    smtp: SmtpConfig = Field(SmtpConfig(), description="The SMTP relay `newsletter send` uses. User and password come "
                             "only from the environment:\nNEWSLETTER_SMTP_USER and NEWSLETTER_SMTP_PASSWORD.")
    serve: ServeConfig = Field(ServeConfig(), description="`newsletter serve`: the subscribe, confirm and unsubscribe "
                               "pages, behind your reverse proxy.")

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


def setting_line(path: Path, loc: list[str]) -> int:
    """The line of the setting ``loc`` (``["digest", "path"]``) in the config file at ``path``; 1 if unknown."""
    try:
        return _locate(path.read_text(encoding="utf-8"), loc)
    except (OSError, UnicodeDecodeError):
        return 1


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
