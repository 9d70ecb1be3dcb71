"""The HTML email: an MJML template rendered with Jinja, compiled to HTML by mjml-python."""

from __future__ import annotations

import jinja2
from mjml import mjml2html

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.render.templates import render

EMAIL_TEMPLATE = "email.mjml.j2"


def email_html(env: jinja2.Environment, context: dict) -> str:
    """The complete HTML email of an issue (see :func:`newsletter.render.html.issue_context`)."""
    source = render(env, EMAIL_TEMPLATE, **context)
    try:
        # fonts={}: no web-font <link>; the template names system fonts only
        return mjml2html(source, fonts={})
    except Exception as e:  # mjml-python reports every MJML problem as a plain exception
        raise NewsletterError(f"the MJML made from this template is invalid: {e}", EMAIL_TEMPLATE) from None


def size_warning(issue_id: str, html: str, config: Config) -> str | None:
    """A warning when the email is over the size at which Gmail clips messages."""
    size = len(html.encode("utf-8"))
    limit = config.email.size_warning_kb * 1024
    if size <= limit:
        return None
    return (
        f"warning: the email of {issue_id} is {size / 1024:.0f} KB, over {config.email.size_warning_kb} KB; "
        "Gmail will clip it (shorten summaries or split the issue)"
    )
