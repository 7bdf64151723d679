"""Pages of the main platforms read without their embedded metadata.

A page's `citation_*` tags and JSON-LD give most bibliographic fields, and the
page objects prefer them.  The same values are printed on the page: the
header's cite line ("Volume 37, pages 1–23", nature.com's "<i>Nature
Communications</i> volume 13, Article number: 3287"), "About this article"
(the DOI), "Cite this article", nature.com's footer (the ISSNs), and
SpringerLink's `dataLayer` script holds the DOI and ISSNs too.  A body-only
copy, or a template that drops a tag, must not lose them: each real
Springer and nature.com page of the corpus, with every <meta> and JSON-LD
script removed, still yields the hand-checked values of these fields.  (The
issue number is printed only in the metadata of the current templates, so
it is not among them.)  ScienceDirect prints the DOI as the header's
persistent link, and the volume line ("Volume 146, August 2023, Pages 1-10");
Wiley its header (the journal's banner, "Volume 34, Issue 6") and the DOI;
Silverchair sites (Oxford Academic, MIT Press, JAMA Network) the header's
citation ("<em>Child Development</em>, Volume 77, Issue 6, ..., Pages
1521–1538, https://doi.org/...", "2011;68(1):71-78. doi:...").  On the other
platforms, the title's heading (`h1#artTitle` on PLOS, ...) still says an
article page and gives the title, and the DOI link it prints the DOI.
"""

from __future__ import annotations

import re

import pytest

from tests.corpus.test_corpus import CASES, PAGES_DIR

pytestmark = pytest.mark.corpus

SHOWN_FIELDS = {
    "springer": ("status", "doi", "title", "journal", "issns", "volume", "first_page", "last_page"),
    "nature": ("status", "doi", "title", "journal", "issns", "volume", "first_page", "last_page"),
    "sciencedirect": ("status", "doi", "title", "journal", "volume", "issue", "first_page", "last_page"),
    "wiley": ("status", "doi", "title", "journal", "volume", "issue"),
    "oup": ("status", "doi", "title", "journal", "volume", "issue", "first_page", "last_page"),
    "mitpress": ("status", "doi", "title", "journal", "volume", "issue", "first_page", "last_page"),
    # JAMA's header abbreviates the journal ("Arch Gen Psychiatry."): not its name.
    "jama": ("status", "doi", "title", "volume", "issue", "first_page", "last_page"),
    # The others: the title's heading still says an article page, and gives
    # the title; the DOI link the page prints (PLOS's li#artDoi, ...) the DOI;
    # the printed citation volume, issue and pages (MDPI's and PLOS's abbreviate
    # the journal, which is not taken for its name).
    "cambridge": ("status", "doi", "title"),
    "mdpi": ("status", "doi", "title", "volume", "issue", "first_page", "last_page"),
    "plos": ("status", "doi", "title", "volume", "issue", "first_page", "last_page"),
    "iop": ("status", "doi", "title", "journal", "volume", "issue", "first_page", "last_page"),
    "elife": ("status", "doi", "title", "authors"),
    "emerald": ("status", "doi", "title", "journal", "volume", "issue", "first_page", "last_page"),
    "rsc": ("status", "doi", "title"),
}
# A sanitized copy whose scripts (the dataLayer with them) were stripped
# prints no ISSN: its expected ISSNs come from the metadata alone.
NOT_SHOWN = {("springer-springer-s12525-016-0233-2-2026-buybox-sanitized", "issns")}
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_JSON_LD = re.compile(rb"<script[^>]*ld\+json[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)

PARAMS = [
    pytest.param(case, key, id=f"{case['id']}-{key}")
    for case in CASES
    if case["expected"].get("platform") in SHOWN_FIELDS and case["expected"].get("status") == "article"
    # nature.com's magazine (news) pages have no cite line.
    and (case["expected"].get("volume") or case["expected"]["platform"] != "nature")
    for key in SHOWN_FIELDS[case["expected"]["platform"]]
    if key in case["expected"] and (case["id"], key) not in NOT_SHOWN
]


def _without_metadata(body: bytes) -> bytes:
    return _JSON_LD.sub(b"", _META.sub(b"", body))


def test_pages_are_selected():
    """The corpus has such pages: the test below is not vacuous."""
    assert len({p.values[0]["rel"] for p in PARAMS}) >= 29


@pytest.mark.parametrize(("case", "key"), PARAMS)
def test_field_shown_on_page(case, key):
    from spiders.pages import extract

    body = _without_metadata((PAGES_DIR / case["rel"]).read_bytes())
    assert b"citation_title" not in body
    record = extract(case["url"], body).to_dict()
    assert record[key] == case["expected"][key], f"{case['rel']} [{key}] without its metadata"
