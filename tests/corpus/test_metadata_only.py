"""Every real article page with its body emptied: what the metadata alone gives.

A page object reads the body first and the embedded metadata (`<meta>`,
JSON-LD) where the body says nothing.  Read alone, the metadata must not
give a wrong value either: each field is the hand-checked value (read from
the whole page), empty, or a part of it (an affiliation without its street,
an abstract without its section headings).  A page whose head alone does
not show an article is no article; what its metadata itself says otherwise
is listed in `OTHERWISE` with its reason.
"""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from tests.corpus.compare import part_of
from tests.corpus.test_corpus import CASES, PAGES_DIR
from tests.corpus.test_partial_markup import FIELDS

pytestmark = pytest.mark.corpus

# (page, field): what the page's metadata says instead of what it prints.
OTHERWISE = {
    # Scientific Reports: citation_firstpage/lastpage are the PDF's pages 1-12; the page prints article 4949.
    ("nature-nature-srep-s41598-020-61892-5-2024-oa", "first_page"),
    ("nature-nature-srep-s41598-020-61892-5-2024-oa", "last_page"),
    # Another version of the abstract in the metadata than on the page.
    ("nature-nature-ncomms-s41467-022-30729-2-2026-oa", "abstract"),
    ("nature-nature-ncomms-s41467-022-30729-2-2026-oa", "abstract_sections"),
    # A third affiliation (the address for correspondence) in citation_author_institution.
    ("wiley-wiley-hbm.22146-2012", "authors"),
    # og:title ends with the proceedings' name, which only the body prints.
    ("acm-acm-3544548.3581058-2026-sanitized", "title"),
}
ARTICLES = [pytest.param(c, id=c["id"]) for c in CASES if c["expected"].get("status") == "article"]


def _head_only(root: etree._Element) -> bytes:
    tree = copy.deepcopy(root)
    body = tree.find("body")
    if body is not None:
        for child in list(body):
            body.remove(child)
        body.text = None
    return etree.tostring(tree.getroottree(), method="html", encoding="utf-8")


@pytest.mark.parametrize("case", ARTICLES)
def test_metadata_alone(case):
    from spiders.pages import extract, make_response, page_for

    page = page_for(make_response(case["url"], (PAGES_DIR / case["rel"]).read_bytes()))
    html = _head_only(page.sel.root)
    page.release()
    record = extract(case["url"], html, {"Content-Type": "text/html; charset=utf-8"}).to_dict()
    assert record["status"] in ("article", "not_article")
    wrong = [
        f"{key} = {record[key]!r}"
        for key in FIELDS
        if key in case["expected"] and (case["id"], key) not in OTHERWISE
        and not part_of(record[key], case["expected"][key], key)
    ]
    assert not wrong, "\n".join(wrong)
