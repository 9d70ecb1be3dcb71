"""arXiv's API: title, authors and submission date of papers, many per request."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

_NS = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
_ABS_ID = re.compile(r"/abs/(.+?)(v\d+)?$")


@dataclass
class Paper:
    """One paper as arXiv's API describes it."""

    id: str  # without version
    title: str
    authors: list[str]
    affiliations: list[str]
    submitted: str  # YYYY-MM-DD


def query_params(ids: list[str]) -> dict[str, str]:
    return {"id_list": ",".join(ids), "max_results": str(len(ids))}


def base_id(ident: str) -> str:
    """``2409.12917v2`` → ``2409.12917``."""
    return re.sub(r"v\d+$", "", ident)


def parse_feed(xml: bytes) -> dict[str, Paper]:
    """The papers of an API answer by id without version; an unreadable answer raises ValueError."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        raise ValueError(f"arXiv's API answered something that is not Atom XML ({e})") from None
    papers = {}
    for entry in root.iterfind("a:entry", _NS):
        m = _ABS_ID.search((entry.findtext("a:id", "", _NS) or "").strip())
        title = " ".join((entry.findtext("a:title", "", _NS) or "").split())
        if not m or not title:  # the API's error entries have no /abs/ id
            continue
        authors = [" ".join((a.findtext("a:name", "", _NS) or "").split()) for a in entry.iterfind("a:author", _NS)]
        affiliations = [
            " ".join((aff.text or "").split()) for aff in entry.iterfind("a:author/arxiv:affiliation", _NS)
        ]
        papers[m[1]] = Paper(
            m[1], title, [a for a in authors if a], list(dict.fromkeys(a for a in affiliations if a)),
            (entry.findtext("a:published", "", _NS) or "")[:10],
        )
    return papers
