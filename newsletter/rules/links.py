"""Link rules: every URL must be a working, public, canonical https link without tracking."""

from __future__ import annotations

import ipaddress
import re
from typing import Iterator
from urllib.parse import SplitResult, parse_qsl, unquote

from newsletter.load import LoadedIssue
from newsletter.model import Entry
from newsletter.rules import Context, Finding, Link, rule
from newsletter.urls import (
    arxiv_id, canonical_arxiv, config_hosts, deception, infer_type, is_bare_host, is_pdf, on_host, scheme, serves_https,
    strip_tracking, tracking_params, web_parts,
)

# newsletter and shortener wrappers: they hide the destination and stop working when tracking expires
_REDIRECT_HOSTS = (
    "link.mail.beehiiv.com", "link.alphasignal.ai", "t.co", "lnkd.in", "bit.ly", "buff.ly", "ow.ly",
    "tinyurl.com", "goo.gl", "shorturl.at", "rebrand.ly", "dlvr.it", "ift.tt", "trib.al", "l.facebook.com",
    "lm.facebook.com", "out.reddit.com", "awstrack.me", "list-manage.com", "ct.sendgrid.net",
    "click.convertkit-mail.com", "mailchi.mp",
)
# (host, path prefix) pairs; arc.net/l/ are Arc browser share links wrapping a quoted page
_REDIRECT_PATHS = (("google.com", "/url"), ("substack.com", "/redirect/"), ("youtube.com", "/redirect"), ("arc.net", "/l/"))
_TARGET_PARAMS = ("q", "url", "u", "target", "dest", "redirect")
_AWSTRACK_TARGET = re.compile(r"^/L0/([^/]+)")

# a label naming a destination -> hosts that count as that destination
_LABEL_HOSTS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"git\s*hub|깃\s*허브|깃헙", re.I), ("github.com", "github.io", "githubusercontent.com")),
    (re.compile(r"hugging\s*face|허깅\s*페이스|🤗", re.I), ("huggingface.co", "hf.co")),
    (re.compile(r"arxiv|아카이브", re.I), ("arxiv.org",)),
    (re.compile(r"you\s*tube|유튜브", re.I), ("youtube.com", "youtu.be")),
    (re.compile(r"kaggle|캐글", re.I), ("kaggle.com",)),
)
_PAPER_LABEL = re.compile(r"논문|\bpapers?\b", re.I)
# labs publish papers on their own sites under paths like /research/publications/
_PAPER_PATH = re.compile(r"/(?:papers?|publications?)(?:/|$)", re.I)


@rule("link-missing", "error", "an entry has no `url`")
def link_missing(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    """An entry without a link cannot be followed from the email, the feeds or the web archive.

    Example:
          - type: paper
            title: Attention Is All You Need    # add `url:`
    """
    if entry.url is None:
        yield Finding("entry has no link; add `url:` with the address of the page", ("entries", i, "title"))
    elif not entry.url.strip():
        yield Finding("`url` is empty; write the address of the page", ("entries", i, "url"))


@rule("link-invalid", "error", "a URL is not an absolute http(s) link (no scheme, javascript:, spaces, garbage)", fix="safe", scope="link")
def link_invalid(ctx: Context, link: Link) -> Iterator[Finding]:
    """Mail clients and feed readers open only absolute http(s) links; anything else is dead, or dangerous
    (javascript:). Adding https:// to a bare host is always right.

    Example:
            url: arxiv.org/abs/2409.12917    # fix: https://arxiv.org/abs/2409.12917
    """
    url = link.url
    if web_parts(url) is not None:
        return
    written = scheme(url)
    if is_bare_host(url):
        yield link.finding(f"'{url}' has no scheme; write https://{url}", link.fix("https://" + url, "add https://"))
    elif written is not None and written.lower() == "file":
        return  # link-private explains why a file on the editor's disk cannot be linked
    elif written is not None and written.lower() not in ("http", "https"):
        yield link.finding(f"'{written}:' links do not work in an email or a feed; link a web page (https://…)")
    elif reason := deception(url):
        yield link.finding(f"the link holds {reason}; copy the address again from the browser's address bar")
    elif re.search(r"\s", url):
        yield link.finding("the URL contains spaces; copy the address again from the browser")
    else:
        yield link.finding(f"'{url}' is not a valid web address; copy it again from the browser")


@rule("link-insecure", "warning", "a link uses http:// (fixable for hosts known to serve https)", fix="safe", scope="link")
def link_insecure(ctx: Context, link: Link) -> Iterator[Finding]:
    """An http:// link is rewritten or blocked by some readers and warns in browsers; hosts known to serve https
    are fixed safely.

    Example:
            url: http://github.com/karpathy/minbpe    # fix: https://github.com/karpathy/minbpe
    """
    parts = web_parts(link.url)
    if parts is None or parts.scheme.lower() != "http" or _is_private_host(parts.hostname or ""):
        return
    host = parts.hostname or ""
    if serves_https(host, config_hosts(ctx.config)):
        secure = "https" + link.url[len(parts.scheme) :]
        yield link.finding(f"use https: {host} serves it securely", link.fix(secure, "use https://"))
    else:
        yield link.finding("insecure http:// link; check whether the page opens with https:// and use that")


@rule("link-tracking", "warning", "a URL carries tracking parameters (utm_*, fbclid, ref, _bhlid, si, …)", fix="safe", scope="link")
def link_tracking(ctx: Context, link: Link) -> Iterator[Finding]:
    """Tracking parameters follow readers, make two links to one page look different, and add nothing; removing
    them never changes the page.

    Example:
            url: https://stability.ai/news/sd3?utm_source=x    # fix: https://stability.ai/news/sd3
    """
    if web_parts(link.url) is None:
        return
    extra = frozenset(ctx.config.check.tracking_params)
    names = tracking_params(link.url, extra)
    if names:
        clean = strip_tracking(link.url, extra)
        listed = ", ".join(dict.fromkeys(names))
        yield link.finding(f"remove the tracking parameters {listed}", link.fix(clean, f"remove {listed}"))


def redirect_target(parts: SplitResult) -> str | None:
    """The destination a redirect URL carries inside itself, if any."""
    if on_host(parts.hostname or "", ("awstrack.me",)) and (m := _AWSTRACK_TARGET.match(parts.path)):
        return unquote(m[1])
    for name, value in parse_qsl(parts.query):
        if name in _TARGET_PARAMS and value.startswith(("http://", "https://")):
            return value
    return None


def is_redirect(parts: SplitResult) -> bool:
    host = parts.hostname or ""
    if on_host(host, _REDIRECT_HOSTS):
        return True
    return any(on_host(host, (h,)) and parts.path.startswith(p) for h, p in _REDIRECT_PATHS)


@rule("link-redirect", "error", "a link goes through a newsletter tracker or URL shortener that hides and expires", fix="unsafe", scope="link")
def link_redirect(ctx: Context, link: Link) -> Iterator[Finding]:
    """Newsletter trackers and shorteners hide where a link goes and stop working when the tracking expires. The
    fix is the target the redirect carries, which may not be where it lands: unsafe.

    Example:
            url: https://www.google.com/url?q=https://example.com/post    # unsafe fix: https://example.com/post
    """
    parts = web_parts(link.url)
    if parts is None or not is_redirect(parts):
        return
    host = parts.hostname
    target = redirect_target(parts)
    target_parts = web_parts(target) if target else None
    if target and target_parts is not None and not is_redirect(target_parts):
        yield link.finding(f"{host} is a tracking redirect; link its destination {target}", link.fix(target, f"link {target}"))
    elif target:
        yield link.finding(f"{host} is a tracking redirect to {target}, itself a redirect; open it and link the page it lands on")
    else:
        yield link.finding(f"{host} is a redirect that hides the destination and expires; open it and link the page it lands on")


def _is_private_host(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved


@rule("link-private", "error", "a link only the editor can open (private Notion page, localhost, private IP, file:)", scope="link")
def link_private(ctx: Context, link: Link) -> Iterator[Finding]:
    """A link only the editor can open (a Notion page inside a workspace, localhost, a private address, a file)
    is broken for every reader.

    Example:
            url: https://www.notion.so/17f90df74bce4c62a295849f0dc8fb7e?pvs=21
    """
    url = link.url
    if url.lower().startswith("file:"):
        yield link.finding("file: links point at the editor's own disk; upload the file or link a public page")
        return
    parts = web_parts(url)
    if parts is None:
        return
    host = parts.hostname or ""
    if _is_private_host(host):
        yield link.finding(f"{host} is only reachable from the editor's network; link a public address")
    elif on_host(host, ("notion.so",)) and any(k == "pvs" for k, _ in parse_qsl(parts.query, keep_blank_values=True)):
        yield link.finding("a Notion link copied from inside a workspace (?pvs=) is private; publish the page and link its notion.site address")


@rule("link-arxiv-form", "warning", "an arXiv link is not the abstract page https://arxiv.org/abs/<id> (pdf/, html/, www., .pdf)", fix="safe", scope="link")
def link_arxiv_form(ctx: Context, link: Link) -> Iterator[Finding]:
    """The abstract page is the stable, readable address of an arXiv paper and lets duplicates be found; the fix
    only rewrites the form.

    Example:
            url: https://arxiv.org/pdf/2409.12917v1.pdf    # fix: https://arxiv.org/abs/2409.12917v1
    """
    canonical = canonical_arxiv(link.url)
    parts = web_parts(link.url)
    if canonical is None or parts is None:
        return
    if "https" + link.url[len(parts.scheme) :] != canonical:
        yield link.finding(f"link the arXiv abstract page {canonical}", link.fix(canonical, f"use {canonical}"))


@rule("link-label-mismatch", "warning", "a summary link's label names a site (GitHub, 허깅페이스, 논문, YouTube …) its URL does not go to", scope="link")
def link_label_mismatch(ctx: Context, link: Link) -> Iterator[Finding]:
    """A summary link labelled GitHub, 논문 or YouTube that goes elsewhere is usually a link pasted into the wrong
    place.

    Example:
              - "[깃허브](https://arxiv.org/abs/2409.12917)"    # the label names GitHub
    """
    parts = web_parts(link.url)
    if not link.inline or parts is None or is_redirect(parts):
        return  # redirects hide the destination; link-redirect reports them
    label, host = link.label or "", parts.hostname or ""
    named = [hosts for pattern, hosts in _LABEL_HOSTS if pattern.search(label)]
    if named:
        if not any(on_host(host, hosts) for hosts in named):
            yield link.finding(f"the label '{label}' names another site than {host}; check the link")
    elif _PAPER_LABEL.search(label) and not _is_paper_url(ctx, link.url):
        yield link.finding(f"the label '{label}' names a paper but {host} is not a paper host nor a PDF; check the link")


def _is_paper_url(ctx: Context, url: str) -> bool:
    """A PDF, a link whose host suggests the paper type, or a publications page on a lab's own site."""
    parts = web_parts(url)
    on_paper_page = parts is not None and _PAPER_PATH.search(parts.path) is not None
    return is_pdf(url) or on_paper_page or infer_type(url, ctx.config.types) == "paper"


@rule("type-link-mismatch", "warning", "a paper entry links no paper host or PDF, or a dev/news entry links an arXiv paper")
def type_link_mismatch(ctx: Context, doc: LoadedIssue, i: int, entry: Entry) -> Iterator[Finding]:
    """An entry's type is its section: a paper entry should link the paper, and an arXiv paper belongs under
    paper. The host patterns are the `hosts` of the types.

    Example:
          - type: dev
            url: https://arxiv.org/abs/2409.12917    # make it `type: paper`
    """
    url = entry.url or ""
    parts = web_parts(url)
    if parts is None or is_redirect(parts) or "paper" not in ctx.config.types:
        return
    path = ("entries", i, "url")
    if entry.type == "paper" and not _is_paper_url(ctx, url):
        yield Finding(f"a paper entry should link the paper (arXiv, a venue, a PDF), not {parts.hostname}; link the paper or change `type`", path)
    elif entry.type != "paper" and arxiv_id(url):
        yield Finding(f"this {entry.type} entry links an arXiv paper; make it `type: paper`", path)
