"""Every real page, written out again by an HTML serializer, gives the same record.

A saved or proxied copy of a page differs from what the server sent in its
bytes, not in its document: attribute quotes, entity forms, void tags,
whitespace inside tags, the encoding.  The page objects read the document
(elements, classes, texts), so such a copy must give the same record, field
for field.  The copy here is lxml's HTML serialization of the parsed page,
in UTF-8, announced by the HTTP header as a server would.
"""

from __future__ import annotations

import pytest
from lxml import etree

from tests.corpus.test_corpus import CASES, PAGES_DIR

pytestmark = pytest.mark.corpus


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
def test_reserialized_copy_gives_the_same_record(case):
    from spiders.pages import extract, make_response, page_for

    raw = (PAGES_DIR / case["rel"]).read_bytes()
    page = page_for(make_response(case["url"], raw))
    copy = etree.tostring(page.sel.root.getroottree(), method="html", encoding="utf-8", doctype="<!DOCTYPE html>")
    page.release()
    assert copy != raw
    original = extract(case["url"], raw).to_dict()
    again = extract(case["url"], copy, {"Content-Type": "text/html; charset=utf-8"}).to_dict()
    assert {k: v for k, v in again.items() if v != original[k]} == {}
