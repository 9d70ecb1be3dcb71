"""Link health rules: reported by ``check --online`` from what each link does now; silent offline."""

from __future__ import annotations

import dataclasses
from typing import Iterator

from newsletter.rules import Context, Finding, Link, rule


def _health(ctx: Context, link: Link, verdict: str):
    health = ctx.online.get(link.url) if ctx.online else None
    return health if health is not None and health.verdict == verdict else None


@rule("link-dead", "error", "(--online) a link answers 404 or 410, redirects in a loop, or its host does not exist", scope="link")
def link_dead(ctx: Context, link: Link) -> Iterator[Finding]:
    """A link that answers 404 or 410, loops, or whose host is gone, fails every reader (checked only with
    --online).

    Example:
            url: https://example.com/removed-page    # 404 Not Found
    """
    if health := _health(ctx, link, "dead"):
        yield link.finding(f"dead link: {health.reason}; link where the page lives now, or an archived copy")


@rule("link-moved", "warning", "(--online) a link moved permanently (301/308) to another page; the unsafe fix writes the new address",
      fix="unsafe", scope="link")
def link_moved(ctx: Context, link: Link) -> Iterator[Finding]:
    """A page that moved permanently still works through the redirect, until it does not. The fix writes the new
    address, which may be a different page: unsafe.

    Example:
            url: http://old.example.com/post    # unsafe fix: https://new.example.com/post
    """
    if health := _health(ctx, link, "moved"):
        fix = link.fix(health.moved_to, f"write {health.moved_to} (unsafe: check it is the same page)")
        fix = dataclasses.replace(fix, unsafe=True) if fix else None
        yield link.finding(f"moved permanently to {health.moved_to}", fix)


@rule("link-unavailable", "info", "(--online) a link failed for now (429, 5xx, timeout, refused connection): reported, never an error",
      scope="link")
def link_unavailable(ctx: Context, link: Link) -> Iterator[Finding]:
    """A host that is down or slow now may work later; it is reported for information and never fails a check.

    Example:
            url: https://example.com/post    # 503 Service Unavailable
    """
    if health := _health(ctx, link, "unavailable"):
        yield link.finding(f"could not check the link now: {health.reason}")
