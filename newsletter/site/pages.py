"""The site's pages as text: pure generators from the issues (or their listing data) and the config.

Every page links to the others by relative paths, so the site works under any base path and from
disk; ``base_url`` makes only the absolute URLs (canonical, Open Graph, sitemap, feeds).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

import jinja2
from markupsafe import Markup

from newsletter.build.cache import pack, texts, unpack
from newsletter.config import Config
from newsletter.model import Entry, Issue
from newsletter.render.html import Group, groups, heading, preheader
from newsletter.render.templates import macro, render
from newsletter.site import search
from newsletter.site.listing import OrgNames, anchors, slug
from newsletter.urls import issue_page as issue_path
from newsletter.weeks import issue_label, month_name

# files copied into the site as they are (overridable like every template)
ASSETS = {"style.css": "site.css", "favicon.svg": "site-favicon.svg", "search.js": "site-search.js"}


def org_path(org_slug: str, year: int | None = None) -> str:
    """The page of an organisation's entries of one year, or (no year) the index of its years."""
    return f"orgs/{org_slug}.html" if year is None else f"orgs/{org_slug}-{year}.html"


def type_path(type_name: str, year: int | None = None) -> str:
    """The page of a type's entries of one year, or (no year) the index of its years."""
    return f"types/{slug(type_name)}.html" if year is None else f"types/{slug(type_name)}-{year}.html"


def _root(path: str) -> str:
    """The relative path from the page at ``path`` back to the site's root."""
    return "../" * path.count("/")


def id_label(issue_id: str, config: Config) -> str:
    """An issue's name from its id alone: ``September 2024 · 3rd week`` / ``2024년 9월 3주차``."""
    try:
        first, _ = config.periods.span(issue_id)
    except ValueError:
        return issue_id
    return config.periods.heading(first, config.labels)


@dataclass(frozen=True)
class SiteEntry:
    """An entry as an issue's page shows it: the entry, its anchor, and its organisations' names and pages."""

    entry: Entry
    anchor: str
    orgs: list[tuple[str, str]]


@dataclass(frozen=True)
class Article:
    """An issue as a web page shows it in full."""

    id: str
    issue: Issue
    heading: str
    label: str
    entries: list[SiteEntry]  # in the issue's order
    groups: list[tuple[Group, list[SiteEntry]]]  # each type's group (its heading as the email's) and its entries


def article(issue_id: str, issue: Issue, config: Config, orgs: OrgNames) -> Article:
    """The issue's content grouped by type, each entry with its anchor and organisation links."""
    entries = [SiteEntry(e, anchor, [orgs.name_and_slug(o) for o in e.org])
               for e, anchor in zip(issue.entries, anchors(e.title for e in issue.entries))]
    of = {id(s.entry): s for s in entries}
    grouped = [(g, [of[id(e)] for e in g.entries]) for g in groups(issue, config)]
    return Article(issue_id, issue, heading(issue, config), issue_label(issue, config), entries, grouped)


class Pages:
    """Renders the site's pages with one template environment and config."""

    def __init__(self, env: jinja2.Environment, config: Config, orgs: OrgNames) -> None:
        self.env, self.config, self.orgs = env, config, orgs
        self._item: Callable[..., str] | None = None

    def _page(self, template: str, path: str, root: str | None = None, **context: object) -> str:
        return render(self.env, template, config=self.config, root=_root(path) if root is None else root, path=path,
                      canonical=self.config.base_url + ("" if path == "index.html" else path),
                      type_path=type_path, org_path=org_path, issue_path=issue_path, **context)

    def article(self, issue_id: str, issue: Issue) -> Article:
        """The issue as its page shows it, made once for its page and its parts of the lists."""
        return article(issue_id, issue, self.config, self.orgs)

    def issue(self, shown: Article, prev_id: str | None, next_id: str | None) -> str:
        """The page of one issue, with links to the issues before and after it."""
        issue = shown.issue
        image = issue.image or next((e.image for e in issue.entries if e.image), None)
        nav = {k: (issue_path(i), id_label(i, self.config)) for k, i in (("prev", prev_id), ("next", next_id)) if i}
        return self._page("site-issue.html.j2", issue_path(shown.id), article=shown, description=preheader(issue), image=image, nav=nav)

    def home(self, latest: list[tuple[str, Issue]], issues: list[tuple[str, dt.date, str]]) -> str:
        """The home page: ``latest`` issues in full, then every issue (id, date, heading) by year and month."""
        years: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        for issue_id, date, title in sorted(issues, key=lambda i: (i[1], i[0]), reverse=True):
            years[date.year][date.month].append((issue_path(issue_id), title, id_label(issue_id, self.config)))
        articles = [self.article(i, issue) for i, issue in latest]
        return self._page("site-home.html.j2", "index.html", articles=articles, years=years,
                          month_name=lambda m: month_name(m, self.config.labels))

    def listing(self, shown: Article) -> tuple[dict, Parts]:
        """The issue's part of the site's lists, as plain data the build cache can store: its heading, its number of
        entries by type and by organisation, and the names it gives each organisation; and its parts of the list pages
        and of the search index, rendered once, here."""
        if self._item is None:
            self._item = macro(self.env, "site-list-item.html.j2", "item", config=self.config)
        issue_id, issue = shown.id, shown.issue
        # links and the type's words are made here, where a call costs a fraction of one in a template (an item took
        # twice as long); every organisation and type page sits one folder below the root
        root, year = _root(org_path("-", 1)), issue.date.year
        label, date, page = id_label(issue_id, self.config), issue.date.isoformat(), root + issue_path(issue_id)
        items = [self._item(s.entry, *self._kind(s.entry.type), [(name, root + org_path(slug, year)) for name, slug in s.orgs],
                            f"{page}#{s.anchor}", label, date) for s in shown.entries]
        # an entry naming two spellings of one organisation is listed on its page once
        slugs = [list(dict.fromkeys(slug for _, slug in s.orgs)) for s in shown.entries]
        names = Counter(pair for s in shown.entries for pair in s.orgs)
        data = {"heading": shown.heading, "types": Counter(e.type for e in issue.entries), "orgs": Counter(chain.from_iterable(slugs)),
                "names": [[slug, name, n] for (name, slug), n in names.items()]}
        record = search.record(issue_id, issue, label, [s.anchor for s in shown.entries], [s.orgs for s in shown.entries])
        return data, Parts(items, record, [(e.type, s) for e, s in zip(issue.entries, slugs)])

    def org_year(self, org_slug: str, name: str, year: int, items: list[str]) -> str:
        """Every entry naming one organisation in one year (``items``, newest first)."""
        return self._list(org_path(org_slug, year), f"{name} · {year}", (org_path(org_slug), name), items)

    def type_year(self, type_name: str, year: int, items: list[str]) -> str:
        """Every entry of one type in one year (``items``, newest first)."""
        name = self._type_name(type_name)
        return self._list(type_path(type_name, year), f"{name} · {year}", (type_path(type_name), name), items)

    def _kind(self, type_name: str) -> tuple[str, str]:
        """A type's emoji (its name, for a type not in the config) and heading."""
        t = self.config.types.get(type_name)
        return t.emoji if t else type_name, self.config.type_heading(type_name)

    def _type_name(self, type_name: str) -> str:
        t = self.config.types.get(type_name)
        return f"{t.emoji} {self.config.type_heading(type_name)}" if t else type_name

    def _list(self, path: str, title: str, up: tuple[str, str], items: list[str]) -> str:
        # the items were rendered from the same templates, escaped as they were; joined here, as one Markup, since a
        # template loop would copy each of a large archive's hundred thousand items twice, escaping it again
        return self._page("site-list.html.j2", path, title=title, up=up, count=len(items), items=Markup("".join(items)))

    def type_years(self, type_name: str, counts: dict[int, int]) -> str:
        """A type's years, each with its number of entries."""
        years = [(type_path(type_name, y), y, n) for y, n in sorted(counts.items(), reverse=True)]
        return self._page("site-years.html.j2", type_path(type_name), title=self._type_name(type_name), years=years)

    def org_years(self, org_slug: str, name: str, counts: dict[int, int]) -> str:
        """An organisation's years, each with its number of entries."""
        years = [(org_path(org_slug, y), y, n) for y, n in sorted(counts.items(), reverse=True)]
        return self._page("site-years.html.j2", org_path(org_slug), title=name, years=years)

    def org_index(self, counts: dict[str, tuple[str, int]]) -> str:
        """Every organisation (slug → name and number of entries), by name."""
        orgs = sorted(((org_path(s), name, n) for s, (name, n) in counts.items()), key=lambda o: (o[1].casefold(), o[0]))
        return self._page("site-orgs.html.j2", "orgs/index.html", orgs=orgs)

    def search(self, years: Iterable[int], types: Iterable[str], orgs: dict[str, str]) -> str:
        """The search page over the indexes of ``years`` (see newsletter/site/search.py), with filters by the
        ``types`` and the organisations (slug → name) found in the archive."""
        shown = [[name, self._type_name(name)] for name in sorted(types, key=self._type_order)]
        return self._page("site-search.html.j2", "search.html", years=sorted(years, reverse=True), types=shown,
                          orgs=sorted(([s, n] for s, n in orgs.items()), key=lambda o: (o[1].casefold(), o[0])))

    def _type_order(self, name: str) -> tuple[int, str]:
        """The configured types in their order, then any other by name."""
        order = list(self.config.types)
        return (order.index(name), "") if name in order else (len(order), name)

    def not_found(self) -> str:
        # served at any depth: its links are absolute, from base_url's path
        return self._page("site-404.html.j2", "404.html", root=urlsplit(self.config.base_url).path or "/")

    def asset(self, name: str) -> str:
        return render(self.env, ASSETS[name], config=self.config)


def sitemap(paths: Iterable[str], config: Config) -> str:
    """``sitemap.xml`` of the given page paths."""
    urls = "".join(f"<url><loc>{xml_escape(config.base_url + p)}</loc></url>\n" for p in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'


def robots(config: Config) -> str:
    """``robots.txt``: everything may be crawled; where the sitemap is."""
    return f"User-agent: *\nAllow: /\nSitemap: {config.base_url}sitemap.xml\n"


@dataclass(frozen=True)
class Listing:
    """One issue's part of the site's lists: what its fragment in the build cache keeps (see :meth:`Pages.listing`)."""

    id: str
    date: dt.date
    data: dict

    @property
    def valid(self) -> bool:
        """Whether the data is what :meth:`Pages.listing` gives: a fragment of another version may differ."""
        d = self.data
        return isinstance(d, dict) and isinstance(d.get("heading"), str) and all(isinstance(d.get(k), dict) for k in ("types", "orgs")) \
            and isinstance(d.get("names"), list)


@dataclass(frozen=True)
class Parts:
    """One issue's parts of the pages made from the whole archive: its entries' items on the organisation and type
    pages, its record in its year's search index, and each entry's type and organisations (slugs), which say on
    which pages its item goes. Large: the build cache keeps them apart from the fragment."""

    items: list[str]
    record: str
    entries: list[tuple[str, list[str]]]

    def to_bytes(self) -> bytes:
        """The texts one after another (see :func:`pack`): as JSON, each quote of their HTML would be escaped and
        unescaped again, which cost more than the rest of a list page."""
        return pack(self.entries, [*self.items, self.record])

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> "Parts":
        """The parts :meth:`to_bytes` gave; raises ValueError when they are malformed."""
        entries, packed = _unpacked(data)
        *items, record = texts(packed)
        return cls(items, record, entries)

    @staticmethod
    def checked(data: bytes | memoryview) -> bytes:
        """``data`` as bytes once it has the shape :meth:`to_bytes` gives (its texts are decoded only where they are
        used); raises ValueError otherwise."""
        _unpacked(data)
        return bytes(data)


def _unpacked(data: bytes | memoryview) -> tuple[list, list[memoryview]]:
    entries, packed = unpack(data)
    if not isinstance(entries, list) or len(packed) != len(entries) + 1:
        raise ValueError("malformed parts: not one item per entry and a search record")
    return entries, packed


def list_pages(listings: Iterable[Listing]) -> set[str]:
    """The organisation and type pages and the search indexes (paths) that the entries of ``listings`` appear in."""
    paths = set()
    for item in listings:
        year = item.date.year
        paths.add(search.search_path(year))
        for name in item.data["types"]:
            paths.update((type_path(name, year), type_path(name)))
        for org_slug in item.data["orgs"]:
            paths.update((org_path(org_slug, year), org_path(org_slug)))
    return paths


def _counted(listings: list[Listing]) -> tuple[dict[str, Counter[int]], dict[str, Counter[int]], dict[str, str]]:
    """The number of entries by organisation and year and by type and year; and each organisation's name on its pages,
    its most used spelling."""
    by_org: dict[str, Counter[int]] = defaultdict(Counter)
    by_type: dict[str, Counter[int]] = defaultdict(Counter)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for item in listings:
        year, data = item.date.year, item.data
        for org_slug, n in data["orgs"].items():
            by_org[org_slug][year] += n
        for name, n in data["types"].items():
            by_type[name][year] += n
        for org_slug, name, n in data["names"]:
            spellings[org_slug][name] += n
    names = {s: min(c, key=lambda n: (-c[n], n)) for s, c in spellings.items()}
    return by_org, by_type, names


@dataclass(frozen=True)
class YearLists:
    """A year's organisation and type pages and search index to make: all a process that has the year's issues'
    parts (see :func:`year_lists`) needs besides."""

    year: int
    ids: list[str]  # the year's issues, newest first
    orgs: dict[str, str]  # the organisation pages to make: slug → name
    types: list[str]  # the type pages to make
    index: bool  # whether to make the search index

    @property
    def paths(self) -> list[str]:
        return [*(org_path(s, self.year) for s in self.orgs), *(type_path(t, self.year) for t in self.types),
                *([search.search_path(self.year)] if self.index else [])]


def archive(pages: Pages, listings: list[Listing], latest: list[tuple[str, Issue]],
            only: set[str] | None) -> tuple[dict[str, str], list[YearLists], set[str]]:
    """The pages made from the whole archive: the fixed ones (path → text); the organisation and type pages and the
    search indexes to make, those in ``only`` (all when None), a year at a time (see :func:`year_lists`); and the
    paths of every such page, made now or not."""
    by_org, by_type, names = _counted(listings)
    by_year: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for item in listings:
        by_year[item.date.year].append((item.date, item.id))
    newest = {y: [i for _, i in sorted(issues, reverse=True)] for y, issues in by_year.items()}
    out = {org_path(s): pages.org_years(s, names[s], by_org[s]) for s in by_org if only is None or org_path(s) in only}
    out.update({type_path(n): pages.type_years(n, years) for n, years in by_type.items()})
    out["orgs/index.html"] = pages.org_index({s: (names[s], sum(by_org[s].values())) for s in by_org})
    out["index.html"] = pages.home(latest, [(i.id, i.date, i.data["heading"]) for i in listings])
    out["search.html"] = pages.search(by_year, by_type, names)
    out["404.html"] = pages.not_found()
    out.update({name: pages.asset(name) for name in ASSETS})
    lists = [*(org_path(s, y) for s, years in by_org.items() for y in years), *(type_path(n, y) for n, years in by_type.items() for y in years)]
    years = [*(org_path(s) for s in by_org), *(type_path(n) for n in by_type)]
    every = [*(issue_path(i.id) for i in listings), *sorted(lists), *sorted(years)]
    out["sitemap.xml"] = sitemap(["", "orgs/index.html", *every], pages.config)
    out["robots.txt"] = robots(pages.config)

    def wanted(path: str) -> bool:
        return only is None or path in only

    jobs = [YearLists(y, newest[y], {s: names[s] for s in by_org if y in by_org[s] and wanted(org_path(s, y))},
                      [n for n in by_type if y in by_type[n] and wanted(type_path(n, y))], wanted(search.search_path(y)))
            for y in sorted(newest)]
    indexes = [search.search_path(y) for y in newest]
    return out, [job for job in jobs if job.paths], {*out, *lists, *indexes, *years}


def year_lists(pages: Pages, job: YearLists, found: dict[str, Parts]) -> list[tuple[str, str]]:
    """The pages of ``job`` (path, text), from the parts of the year's issues: each list's items newest first, an
    issue's in their order."""
    by_type: dict[str, list[str]] = defaultdict(list)
    by_org: dict[str, list[str]] = defaultdict(list)
    for i in job.ids:
        for item, (name, slugs) in zip(found[i].items, found[i].entries):
            by_type[name].append(item)
            for org_slug in slugs:
                by_org[org_slug].append(item)
    year = job.year
    made = [(org_path(s, year), pages.org_year(s, name, year, by_org[s])) for s, name in job.orgs.items()]
    made += [(type_path(n, year), pages.type_year(n, year, by_type[n])) for n in job.types]
    if job.index:
        made.append((search.search_path(year), search.year_index(found[i].record for i in job.ids)))
    return sorted(made)
