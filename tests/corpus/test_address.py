"""Every real article page read at another address gives the same record.

A page can reach paperwall without the publisher's address: a saved copy
fetched through a DOI resolver with no redirect recorded ("https://doi.org/
10.1021/..."), or a copy served from a mirror or proxy.  The page object is
then chosen by the markup, not the host, and it must read the page as it
does at home: the same platform, every field the same.  Only addresses may
differ: the record's `url`, and related links resolved against the address.
At a DOI resolver's address a relative link cannot be resolved (the page's
site is not known) unless the page states its own address: the link's URL
is then null, never a made-up one, and the DOI it names is still read.
"""

from __future__ import annotations

import pytest

from tests.corpus.test_corpus import CASES, PAGES_DIR
from tests.test_page_addresses import without_addresses

pytestmark = pytest.mark.corpus

ARTICLES = [c for c in CASES if c["expected"].get("status", "article") == "article"]
WITH_DOI = [c for c in ARTICLES if c["expected"].get("doi")]


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in WITH_DOI])
def test_at_a_doi_resolver_address(case):
    from spiders.pages import extract

    raw = (PAGES_DIR / case["rel"]).read_bytes()
    home = extract(case["url"], raw).to_dict()
    resolver = extract(f"https://doi.org/{home['doi']}", raw).to_dict()
    assert resolver["platform"] == home["platform"]
    assert without_addresses(resolver) == without_addresses(home)
    for at_home, there in zip(home["related"], resolver["related"]):
        assert there["url"] in (at_home["url"], None)


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in ARTICLES])
def test_at_a_mirror_address(case):
    from spiders.pages import extract

    raw = (PAGES_DIR / case["rel"]).read_bytes()
    home = extract(case["url"], raw).to_dict()
    mirror = extract("https://mirror.example.net/copies/article.html", raw).to_dict()
    assert mirror["platform"] == home["platform"]
    assert without_addresses(mirror) == without_addresses(home)
