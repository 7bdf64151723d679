"""Fields read from what a page prints when its embedded metadata lacks them."""

from __future__ import annotations

import pytest

from spiders.pages import extract
from spiders.pages.base import doi_in_link

# Silverchair's title heading, as MIT Press Direct and Oxford Academic print
# it: the access icon's screen-reader text sits inside the <h1>.
_SILVERCHAIR_HEADING = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Growth of Escherichia coli | Neural Computation | MIT Press</title></head>
<body class="pg_Article"><div class="widget-ArticleTopInfo">
<h1 class="wi-article-title article-title-main" id="aria6109">
    Growth of <i>Escherichia coli</i> on glucose
  <span data-resource-id-access="6109"><i class="js-access-icon-placeholder icon-availability_cart"
    title="Unavailable"><span class="screenreader-text">Unavailable</span></i></span>
</h1>
<div class="wi-authors"><div class="al-authors-list"><div class="al-author-name">
<a class="linked-name js-linked-name" href="javascript:;">Ada Lovelace</a></div></div></div>
</div></body></html>"""


def test_silverchair_heading_without_its_access_icon() -> None:
    record = extract("https://direct.mit.edu/neco/article/9/8/1735/6109/x", _SILVERCHAIR_HEADING.encode())
    assert record.platform == "mitpress"
    assert record.title == "Growth of Escherichia coli on glucose"


def test_silverchair_prefers_the_embedded_title() -> None:
    body = _SILVERCHAIR_HEADING.replace(
        "<title>", '<meta name="citation_title" content="Growth of Escherichia coli on glucose (corrected)"><title>'
    )
    record = extract("https://direct.mit.edu/neco/article/9/8/1735/6109/x", body.encode())
    assert record.title == "Growth of Escherichia coli on glucose (corrected)"


@pytest.mark.parametrize(
    ("url", "doi"),
    [
        ("https://onlinelibrary.wiley.com/doi/10.1002/hbm.22146/abstract", "10.1002/hbm.22146"),
        ("https://onlinelibrary.wiley.com/doi/10.1002/hbm.22146/full", "10.1002/hbm.22146"),
        ("https://onlinelibrary.wiley.com/doi/abs/10.1002/hbm.22146", "10.1002/hbm.22146"),
        ("https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745?src=recsys", "10.1080/00268976.2013.788745"),
        # A DOI whose own suffix has slashes keeps them.
        ("https://onlinelibrary.wiley.com/doi/10.5555/abc/def-1", "10.5555/abc/def-1"),
        ("https://onlinelibrary.wiley.com/doi/10.5555/abc/def-1/abstract", "10.5555/abc/def-1"),
        ("https://example.org/articles/123", None),
    ],
)
def test_doi_in_link(url: str, doi: str | None) -> None:
    assert doi_in_link(url) == doi


def test_doi_from_the_address_without_its_view() -> None:
    """A Wiley page of the older template with no DOI tag: the DOI of its address."""
    body = b"""<html><head><meta name="citation_title" content="Pain and the hippocampus">
    <meta name="citation_journal_title" content="Human Brain Mapping"></head>
    <body><h1>Pain and the hippocampus</h1></body></html>"""
    record = extract("https://onlinelibrary.wiley.com/doi/10.1002/hbm.22146/abstract", body)
    assert record.doi == "10.1002/hbm.22146"


@pytest.mark.parametrize(
    ("header", "journal"),
    [
        # 2019 template: the banner image's text.
        ('<a class="journal-banner" href="/journal/15213889"><img class="journal-banner-image"'
         ' alt="Annalen der Physik banner" src="/banner.jpg"></a>', "Annalen der Physik"),
        # Before 2017: the product title beside the cover.
        ('<div id="metaData"><h2 id="productTitle">Human Brain Mapping</h2></div>', "Human Brain Mapping"),
        # A banner image saying something else names no journal.
        ('<img class="journal-banner-image" alt="Cover">', None),
    ],
)
def test_wiley_journal_shown_in_the_header(header: str, journal: str | None) -> None:
    body = f"""<html><head><meta name="citation_title" content="On heat">
    <meta name="citation_doi" content="10.1002/andp.19263851302"></head>
    <body><header>{header}</header><h1 class="citation__title">On heat</h1></body></html>"""
    record = extract("https://onlinelibrary.wiley.com/doi/10.1002/andp.19263851302", body.encode())
    assert record.platform == "wiley"
    assert record.journal == journal
