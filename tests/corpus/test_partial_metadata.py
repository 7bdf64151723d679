"""Every real article page with one kind of its metadata removed.

A template that drops one tag (`citation_online_date`, `citation_author_orcid`,
`dc.type`...) must not make any other source give a wrong value: each field
of the record is then the hand-checked value, or empty, or a part of it (fewer
ISSNs, an author without the ORCID iD that only the removed tag gave) —
never another value.  Each page is read once per `<meta>` name it carries,
without every tag of that name.  What the remaining metadata itself says
otherwise is listed in `OTHERWISE` with its reason.
"""

from __future__ import annotations

import re

import pytest

from tests.corpus.compare import part_of
from tests.corpus.test_corpus import CASES, PAGES_DIR

pytestmark = pytest.mark.corpus

FIELDS = (
    "doi", "title", "authors", "journal", "issns", "volume", "issue", "first_page", "last_page",
    "published", "article_type", "keywords", "abstract", "abstract_sections", "access", "offers",
    "metrics", "related",
)
# (page, removed name, field): what the metadata left says instead.
OTHERWISE = {
    # Without the online date, citation_publication_date (the printed issue's
    # date) is the only full date these pages give.
    ("sciencedirect-sd-S0361476X20300291-2026-abs-sanitized", "citation_online_date", "published"),
    ("wiley-wiley-andp.19263851302-2019", "citation_online_date", "published"),
    # Without citation_keyword, the `keywords` tag's MeSH-style terms.
    ("other-jama-archgenpsychiatry.2010.116-sanitized", "citation_keyword", "keywords"),
}
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_NAME = re.compile(rb"""(?:name|property)\s*=\s*["']([^"']+)""", re.IGNORECASE)



def _meta_names(body: bytes) -> list[bytes]:
    return sorted({m[1].lower() for tag in _META.findall(body) if (m := _NAME.search(tag))})


# A clipboard copy carries no metadata to remove.
ARTICLES = [
    pytest.param(c, id=c["id"])
    for c in CASES
    if c["expected"].get("status") == "article" and _meta_names((PAGES_DIR / c["rel"]).read_bytes())
]


def _without(body: bytes, name: bytes) -> bytes:
    def drop(tag: re.Match[bytes]) -> bytes:
        m = _NAME.search(tag[0])
        return b"" if m and m[1].lower() == name else tag[0]

    return _META.sub(drop, body)


def test_pages_are_selected():
    assert len(ARTICLES) >= 50


@pytest.mark.parametrize("case", ARTICLES)
def test_one_kind_of_metadata_removed(case):
    from spiders.pages import extract

    raw = (PAGES_DIR / case["rel"]).read_bytes()
    names = _meta_names(raw)
    wrong = []
    for name in names:
        record = extract(case["url"], _without(raw, name)).to_dict()
        for key in FIELDS:
            if key not in case["expected"] or (case["id"], name.decode(), key) in OTHERWISE:
                continue
            if not part_of(record[key], case["expected"][key], key):
                wrong.append(f"without {name.decode()}: {key} = {record[key]!r}")
        if record["status"] != "article":
            wrong.append(f"without {name.decode()}: status {record['status']}")
    assert not wrong, "\n".join(wrong)
