"""A page read at another address than its publisher's reads the same.

The page objects are chosen by host, then by markup: a saved page fetched
through a DOI resolver (no redirect recorded) or served from a mirror gets
its platform's page object by its markup, and must give the same record
apart from addresses.  Checked on every fixture page here, and on the real
pages in tests/corpus/test_address.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from spiders.pages import extract, make_response, page_for

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*") if (p / "inputs").is_dir())

# Fixtures written with only what their test reads: too little markup to
# tell the platform without the host.
HOST_ONLY = {
    "sd-body-only": "a ScienceDirect body without the page's head or state script",
    "tandf-2019-cp1252": "the 2019 T&F template's title without its site links",
    "wiley-society-oa-lists": "a society site's lists without Wiley's head",
}


def _read(case: Path) -> tuple[str, bytes, dict[str, str], int]:
    info = json.loads((case / "inputs" / "HttpResponse-info.json").read_text(encoding="utf-8"))
    body = (case / "inputs" / "HttpResponse-body.html").read_bytes()
    return info["url"], body, {k: v for k, v in info.get("headers", [])}, info.get("status") or 200


def without_addresses(record: dict) -> dict:
    """The record without what depends on the address it was read at."""
    rest = {k: v for k, v in record.items() if k not in ("url", "related", "warnings")}
    rest["related"] = [{k: v for k, v in link.items() if k != "url"} for link in record["related"]]
    return rest


def _addresses() -> list[Any]:
    """(case, address) for every fixture article: a mirror's address, and a
    DOI resolver's for those that name a DOI."""
    params = []
    for case in CASES:
        output = json.loads((case / "output.json").read_text(encoding="utf-8"))
        if output.get("status") != "article":
            continue
        params.append(pytest.param(case, "https://mirror.example.net/copy.html", id=f"{case.name}-mirror"))
        if output.get("doi"):
            params.append(pytest.param(case, f"https://doi.org/{output['doi']}", id=f"{case.name}-resolver"))
    return params


@pytest.mark.parametrize(("case", "elsewhere"), _addresses())
def test_fixture_page_at_another_address(case: Path, elsewhere: str) -> None:
    url, body, headers, status = _read(case)
    home = extract(url, body, headers, status).to_dict()
    there = extract(elsewhere, body, headers, status).to_dict()
    if case.name in HOST_ONLY:
        assert there["platform"] == "generic"
        return
    assert there["platform"] == home["platform"]
    assert without_addresses(there) == without_addresses(home)


def test_host_only_fixtures_exist() -> None:
    assert set(HOST_ONLY) <= {c.name for c in CASES}


PLOS = FIXTURES / "spiders.pages.others.PlosArticlePage" / "plos-structured"


def test_ids_looked_up_after_a_choice_by_markup() -> None:
    # The generic object parses without libxml2's id table (it looks up no
    # id); PLOS's page object then finds its author list by the walk.
    _, body, headers, _ = _read(PLOS)
    assert b'id="author-list"' in body
    page = page_for(make_response("https://mirror.example.net/copy.html", body, headers))
    assert page.platform_name == "plos"
    assert page.by_id("author-list") is not None


PAGE = b"""<html><head>%s<meta name="citation_title" content="T"></head>
<body><a href="/doi/abs/10.1021/x.1">x</a></body></html>"""


def test_relative_links_at_a_doi_resolver_without_an_address_of_its_own() -> None:
    page = page_for(make_response("https://doi.org/10.1021/y.2", PAGE % b""))
    assert page.absolute("/doi/abs/10.1021/x.1") is None  # not "https://doi.org/doi/abs/..."
    assert page.absolute("https://pubs.acs.org/doi/10.1021/x.1") == "https://pubs.acs.org/doi/10.1021/x.1"
    assert page.absolute("//pubs.acs.org/doi/10.1021/x.1") == "https://pubs.acs.org/doi/10.1021/x.1"


@pytest.mark.parametrize(
    "head",
    [
        b'<link rel="canonical" href="https://pubs.acs.org/doi/10.1021/y.2">',
        b'<meta property="og:url" content="https://pubs.acs.org/doi/10.1021/y.2">',
        b'<meta name="citation_abstract_html_url" content="https://pubs.acs.org/doi/10.1021/y.2">',
        b'<meta name="citation_fulltext_html_url" content="https://pubs.acs.org/doi/10.1021/y.2">',
    ],
)
def test_relative_links_at_a_doi_resolver_of_a_page_stating_its_address(head: bytes) -> None:
    page = page_for(make_response("https://doi.org/10.1021/y.2", PAGE % head))
    assert page.absolute("/doi/abs/10.1021/x.1") == "https://pubs.acs.org/doi/abs/10.1021/x.1"


def test_relative_links_at_the_publishers_address() -> None:
    page = page_for(make_response("https://pubs.acs.org/doi/10.1021/y.2", PAGE % b""))
    assert page.absolute("/doi/abs/10.1021/x.1") == "https://pubs.acs.org/doi/abs/10.1021/x.1"


BASED = b"""<html><head>%s<meta name="citation_title" content="T"></head>
<body><a href="article/2">x</a></body></html>"""


@pytest.mark.parametrize(
    "base, expected",
    [
        # HTML's document base URL: the first <base href>, resolved against the page's address.
        (b'<base href="https://cdn.example.org/site/">', "https://cdn.example.org/site/article/2"),
        (b'<base href="/">', "https://pubs.example.org/article/2"),
        (b'<base target="_blank"><base href="/journals/">', "https://pubs.example.org/journals/article/2"),
        (b"", "https://pubs.example.org/doi/abs/10.5555/article/2"),
        (b'<base href="javascript:void(0)">', "https://pubs.example.org/doi/abs/10.5555/article/2"),
    ],
)
def test_relative_links_under_a_base_element(base: bytes, expected: str) -> None:
    page = page_for(make_response("https://pubs.example.org/doi/abs/10.5555/x.1", BASED % base))
    assert page.absolute("article/2") == expected
    # The record's address is the page's, not its links' base.
    assert extract("https://pubs.example.org/doi/abs/10.5555/x.1", BASED % base).url == (
        "https://pubs.example.org/doi/abs/10.5555/x.1"
    )


def test_a_relative_base_at_a_doi_resolver_stays_unknown() -> None:
    page = page_for(make_response("https://doi.org/10.5555/x.1", BASED % b'<base href="/">'))
    assert page.absolute("article/2") is None
    absolute_base = page_for(make_response("https://doi.org/10.5555/x.1", BASED % b'<base href="https://pubs.example.org/">'))
    assert absolute_base.absolute("article/2") == "https://pubs.example.org/article/2"


# The tags in which a page states its own address (`ArticlePage.page_address`).
_STATED_ADDRESS = re.compile(
    rb"""<link[^>]*rel=["']?canonical[^>]*>|<meta[^>]*(?:og:url|citation_abstract_html_url|citation_fulltext_html_url)[^>]*>""",
    re.IGNORECASE,
)
WITH_RELATED = [
    c for c in CASES if json.loads((c / "output.json").read_text(encoding="utf-8")).get("related") and c.name not in HOST_ONLY
]


@pytest.mark.parametrize("case", WITH_RELATED, ids=[c.name for c in WITH_RELATED])
def test_related_links_at_a_doi_resolver_without_a_stated_address(case: Path) -> None:
    # Its relative links cannot be resolved: each item stays, with its DOI, and a null URL.
    url, body, headers, status = _read(case)
    home = extract(url, body, headers, status).to_dict()
    there = extract(f"https://doi.org/{home['doi']}", _STATED_ADDRESS.sub(b"", body), headers, status).to_dict()
    assert [{k: v for k, v in r.items() if k != "url"} for r in there["related"]] == [
        {k: v for k, v in r.items() if k != "url"} for r in home["related"]
    ]
    assert all(t["url"] in (h["url"], None) for t, h in zip(there["related"], home["related"]))
