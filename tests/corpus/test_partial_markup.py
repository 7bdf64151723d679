"""Every real article page with one of the classes its page object reads removed.

A publisher's redesign renames a class, and a page object then misses the
element it read.  What it reads instead (the embedded metadata, another
block) must not give a wrong value: each field is the hand-checked value,
empty, or a part of it — never another text.  Each page is read once per
class marker it carries, with that class taken off every element.

Checked are the fields where another source can only repeat the page's own
value: identifiers, title, journal, pages, authors, abstract, keywords,
related lists.  Left out: a type, a date, an access status, a metric or an
offer read elsewhere is the page's other vocabulary or source ("research-
article" beside "Article", the issue's date beside the online one, another
provider's citation count), not a made-up value.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from lxml import etree

from tests.corpus.test_corpus import CASES, PAGES_DIR

pytestmark = pytest.mark.corpus

FIELDS = (
    "doi", "title", "journal", "issns", "volume", "issue", "first_page", "last_page",
    "authors", "abstract", "abstract_sections", "keywords", "related",
)
# (page, removed class, field): what the page's other sources say instead.
OTHERWISE = {
    # The metadata's citation_author_institution: a third affiliation of the
    # first author (the address for correspondence).
    ("wiley-wiley-hbm.22146-2012", "articleInformationHeader", "authors"),
}
ARTICLES = [pytest.param(c, id=c["id"]) for c in CASES if c["expected"].get("status") == "article"]


def _words(text: str | None) -> str:
    """Text without punctuation or case: the metadata's "Dept of X UCL London UK"
    is the page's "Dept of X, UCL, London, UK"."""
    return " ".join(re.findall(r"\w+", (text or "").casefold()))


def _within(part: str | None, whole: str | None) -> bool:
    """Every word of `part` is a word of `whole`: "University of Toronto" of
    "Centre for Biocomposites, University of Toronto, Toronto, Canada"."""
    return set(_words(part).split()) <= set(_words(whole).split())


def _part_of(got: Any, expected: Any, key: str) -> bool:
    if got in (None, [], {}, "") or got == expected:
        return True
    if key == "authors":
        return len(got) <= len(expected) and all(
            g["name"] == e["name"]
            and g["given"] in (None, e["given"]) and g["family"] in (None, e["family"])
            and all(any(_within(a, b) for b in e["affiliations"]) for a in g["affiliations"])
            and g["orcid"] in (None, e["orcid"])
            for g, e in zip(got, expected)
        )
    if key == "abstract":  # the same text, its section headings left out
        return _within(got, expected)
    if key == "abstract_sections":
        return _within(" ".join(s["text"] for s in got), " ".join(s["text"] for s in expected))
    if key == "keywords":
        return {_words(k) for k in got} <= {_words(k) for k in expected}
    if key == "related":
        known = {(e["list"], e["title"], e["url"]) for e in expected}
        return all((g["list"], g["title"], g["url"]) in known for g in got)
    return isinstance(got, list) and isinstance(expected, list) and all(g in expected for g in got)


def _without_class(root: Any, name: str) -> bytes:
    tree = copy.deepcopy(root)
    for element in tree.iter(etree.Element):
        words = (element.get("class") or "").split()
        if name in words:
            element.set("class", " ".join(w for w in words if w != name))
    return etree.tostring(tree.getroottree(), method="html", encoding="utf-8")


def test_pages_are_selected():
    assert len(ARTICLES) >= 50


@pytest.mark.parametrize("case", ARTICLES)
def test_one_class_removed(case):
    from spiders.pages import extract, make_response, page_for

    page = page_for(make_response(case["url"], (PAGES_DIR / case["rel"]).read_bytes()))
    markers = sorted(m for m, found in page._class_index.items() if found and not m.startswith(" "))
    wrong = []
    for name in markers:
        body = _without_class(page.sel.root, name)
        record = extract(case["url"], body, {"Content-Type": "text/html; charset=utf-8"}).to_dict()
        for key in FIELDS:
            if key not in case["expected"] or (case["id"], name, key) in OTHERWISE:
                continue
            if not _part_of(record[key], case["expected"][key], key):
                wrong.append(f"without .{name}: {key} = {record[key]!r}")
    page.release()
    assert markers or case["id"].startswith("tandf-2026-clipboard")
    assert not wrong, "\n".join(wrong)
