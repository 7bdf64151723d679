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
from typing import Any

import pytest
from lxml import etree

from tests.corpus.compare import part_of
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
            if not part_of(record[key], case["expected"][key], key):
                wrong.append(f"without .{name}: {key} = {record[key]!r}")
    page.release()
    assert markers or case["id"].startswith("tandf-2026-clipboard")
    assert not wrong, "\n".join(wrong)
