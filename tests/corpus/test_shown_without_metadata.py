"""Every real article page of the corpus, read without its embedded metadata.

A page's `citation_*` tags and JSON-LD give most bibliographic fields, and the
page objects prefer them.  The same values are printed on the page: the
header's cite line ("Volume 37, pages 1–23"), "About this article" and "Cite
this article" (Springer), the header's citation (Silverchair: "<em>Child
Development</em>, Volume 77, Issue 6, ..., Pages 1521–1538"), the journal box,
banner or breadcrumb (T&F, Wiley, MDPI), the author list under the title
(IOP, RSC, JAMA, Cambridge's author details), the labelled dates ("Published
15 April 2019", "First published on the web ...", eLife's "Publication
history"), and a few pages' own data scripts (SpringerLink's `dataLayer`,
ScienceDirect's article history).  A body-only copy, or a template that
drops a tag, must not lose them: each page, with every <meta> and JSON-LD
script removed, still yields the hand-checked value of every field below,
except what `NOT_SHOWN` lists with its reason (what the page prints only in
its metadata, or only abbreviated).
"""

from __future__ import annotations

import re

import pytest

from tests.corpus.test_corpus import CASES, PAGES_DIR

pytestmark = pytest.mark.corpus

FIELDS = (
    "status", "doi", "title", "authors", "journal", "issns", "volume", "issue",
    "first_page", "last_page", "published", "article_type",
)
# What a page does not print outside its metadata, by platform or by page,
# each with its reason.  Everything else must survive the stripping.
NOT_SHOWN: dict[tuple[str, str], str] = {
    # The ISSNs: most templates print them only in the metadata.
    **{(p, "issns"): "printed only in the metadata" for p in (
        "cambridge", "iop", "jama", "mdpi", "plos", "sciencedirect", "wiley")},
    ("springer-springer-s12525-016-0233-2-2026-buybox-sanitized", "issns"):
        "its capture stripped the scripts, and the dataLayer with them",
    ("oup-oup-chidev-77-6-1521-2026-purchase-sanitized", "issns"): "its footer prints the online ISSN only",
    # The issue number of the current Springer and nature.com templates:
    # they print the date ("Issue date: January 1977") only.
    **{(p, "issue"): "only the issue's date is printed" for p in (
        "springer-springer-BF02727953-2026", "springer-springer-s10584-011-0143-4-2026-oa",
        "springer-springer-s10924-010-0192-1-2026-buybox", "springer-springer-s11192-016-2225-6-2026-buybox",
        "springer-springer-s12525-016-0233-2-2026-buybox-sanitized", "nature-nature-nature14539-2026-buybox-sanitized",
        "nature-nature-ncomms-s41467-022-30729-2-2026-oa", "nature-nature-srep-s41598-020-61892-5-2024-oa")},
    ("jama", "journal"): "only its abbreviation is printed (\"Arch Gen Psychiatry.\")",
    ("rsc", "journal"): "only its abbreviation is printed (\"Org. Biomol. Chem.\")",
    ("annualreviews", "published"): "only the volume's month is printed (\"Volume publication date March 2015\")",
    ("annualreviews", "article_type"): "printed only in the metadata (dc.Type)",
    ("sciencedirect", "article_type"): "printed only in the metadata when the header has no dochead",
    ("sciencedirect-sd-S0361476X20300291-2026-abs-sanitized", "published"):
        "its capture has no article history (no state script)",
    ("emerald", "article_type"): "printed only in the metadata (dc.Type)",
    ("wiley-wiley-andp.19263851302-2019", "published"): "only the year of the printed issue (\"First published: 1926\")",
}
# Pages whose body prints nothing of the article outside scripts.
BODY_BLANK = {"other-projecteuclid-ade-1391109086-2021"}
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_JSON_LD = re.compile(rb"<script[^>]*ld\+json[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)

PARAMS = [
    pytest.param(case, key, id=f"{case['id']}-{key}")
    for case in CASES
    if case["expected"].get("status") == "article" and case["id"] not in BODY_BLANK
    for key in FIELDS
    if key in case["expected"]
    and (case["expected"]["platform"], key) not in NOT_SHOWN
    and (case["id"], key) not in NOT_SHOWN
]


def _without_metadata(body: bytes) -> bytes:
    return _JSON_LD.sub(b"", _META.sub(b"", body))


def test_pages_are_selected():
    """The corpus has such pages: the test below is not vacuous."""
    assert len({p.values[0]["rel"] for p in PARAMS}) >= 50
    assert len(PARAMS) >= 550


@pytest.mark.parametrize(("case", "key"), PARAMS)
def test_field_shown_on_page(case, key):
    from spiders.pages import extract

    body = _without_metadata((PAGES_DIR / case["rel"]).read_bytes())
    assert b"citation_title" not in body
    record = extract(case["url"], body).to_dict()
    assert _shown(key, record[key]) == _shown(key, case["expected"][key]), f"{case['rel']} [{key}] without its metadata"


def _shown(key: str, value):
    """What the page can print of a field: an author's name, affiliations and
    ORCID iD (the given and family names are separate only in metadata); the
    ISSNs, in whatever order the page prints them."""
    if key == "authors":
        return [(a["name"], a["affiliations"], a["orcid"]) for a in value]
    if key == "issns":
        return sorted(value)
    return value
