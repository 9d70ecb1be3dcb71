"""The plain-text part of the email, rendered from the issue model (never by stripping the HTML)."""

from __future__ import annotations

import jinja2

from newsletter.model import walk_summary
from newsletter.render.filters import WIDTH, has_inline_syntax, inline_tokens, wrap
from newsletter.render.templates import render

TEXT_TEMPLATE = "email.txt.j2"


def hanging_indent(line: str) -> str:
    """The indent that continues a Markdown line: deeper than its list marker, if it has one."""
    stripped = line.lstrip()
    lead = line[: len(line) - len(stripped)]
    marker = stripped.split(" ", 1)[0]
    if marker in ("-", "*", "+") or (marker[:-1].isdigit() and marker[-1:] in ".)"):
        return lead + " " * (len(marker) + 1)
    return lead


class Footnotes:
    """The links of one message: ``text [1]`` in the body, ``[1] url`` listed at the end."""

    def __init__(self) -> None:
        # numbers by URL, in citation order (a dict: looking a URL up in a list made long messages quadratic)
        self.numbers: dict[str, int] = {}

    @property
    def urls(self) -> list[str]:
        return list(self.numbers)

    def ref(self, url: str) -> int:
        """The number of ``url``, the same number each time it is cited."""
        return self.numbers.setdefault(url, len(self.numbers) + 1)

    def plain(self, markdown: str | None) -> str:
        """One line of Markdown as text: emphasis dropped, code kept in backticks, links as footnotes."""
        if not has_inline_syntax(markdown or ""):
            return markdown or ""
        out: list[str] = []
        hrefs: list[str] = []
        for tok in inline_tokens(markdown or ""):
            if tok.type == "text":
                out.append(tok.content)
            elif tok.type == "code_inline":
                out.append(f"`{tok.content}`")
            elif tok.type in ("softbreak", "hardbreak"):
                out.append(" ")
            elif tok.type == "link_open":
                hrefs.append(str(tok.attrs.get("href", "")))
            elif tok.type == "link_close":
                href = hrefs.pop()
                # an autolink already shows its URL
                if tok.markup != "autolink":
                    out.append(f" [{self.ref(href)}]")
        return "".join(out)

    def lines(self, markdown: str | None, width: int = WIDTH, indent: str = "") -> str:
        """Markdown text line by line as wrapped plain text; list items keep their markers."""
        out = []
        for line in (markdown or "").strip("\n").splitlines():
            if not line.strip():
                out.append("")
                continue
            lead = line[: len(line) - len(line.lstrip())]
            out.append(wrap(self.plain(line.strip()), width, indent + lead, indent + hanging_indent(line)))
        return "\n".join(out)


def email_text(env: jinja2.Environment, context: dict) -> str:
    """The plain-text email of an issue (see :func:`newsletter.render.html.issue_context`)."""
    return render(env, TEXT_TEMPLATE, notes=Footnotes(), walk_summary=walk_summary, width=WIDTH, **context)
