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
        ("https://www.emerald.com/insight/content/doi/10.1108/qea-07-2024-0055/full/html", "10.1108/qea-07-2024-0055"),
        # A DOI whose suffix is a view's name stays whole.
        ("https://example.org/doi/10.5555/full", "10.5555/full"),
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


_SILVERCHAIR_BODY_ONLY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head>
<body class="pg_Article"><div class="widget-ArticleTopInfo">
<h1 class="wi-article-title article-title-main">On development</h1>
<div class="wi-authors"><div class="al-authors-list"><div class="al-author-name">
<a class="linked-name js-linked-name" href="javascript:;">Ada Lovelace</a></div></div></div>
{citation}
</div></body></html>"""


@pytest.mark.parametrize(
    ("url", "citation", "expected"),
    [
        (  # Oxford Academic
            "https://academic.oup.com/childdev/article/77/6/1521/5x",
            '<div class="ww-citation-primary"><em>Child Development</em>, Volume 77, Issue 6, November/December 2006,'
            ' Pages 1521–1538, <a href="https://doi.org/10.1111/j.1467-8624.2006.00955.x">'
            "https://doi.org/10.1111/j.1467-8624.2006.00955.x</a></div>",
            ("10.1111/j.1467-8624.2006.00955.x", "Child Development", "77", "6", "1521", "1538"),
        ),
        (  # Oxford Academic, an article number where the pages would be
            "https://academic.oup.com/pnasnexus/article/1/1/pgac024/1",
            '<div class="ww-citation-primary"><em>PNAS Nexus</em>, Volume 1, Issue 1, March 2022, pgac024,'
            ' <a href="https://doi.org/10.1093/pnasnexus/pgac024">https://doi.org/10.1093/pnasnexus/pgac024</a></div>',
            ("10.1093/pnasnexus/pgac024", "PNAS Nexus", "1", "1", "pgac024", None),
        ),
        (  # MIT Press Direct: the DOI in its own line
            "https://direct.mit.edu/neco/article/9/8/1735/6109/x",
            '<div class="ww-citation-primary"><em>Neural Computation</em> (1997) 9 (8): 1735–1780.</div>'
            '<div class="citation-doi"><a href="https://doi.org/10.1162/neco.1997.9.8.1735">'
            "https://doi.org/10.1162/neco.1997.9.8.1735</a></div>",
            ("10.1162/neco.1997.9.8.1735", "Neural Computation", "9", "8", "1735", "1780"),
        ),
        (  # JAMA Network: the journal only abbreviated, so not taken
            "https://jamanetwork.com/journals/jamapsychiatry/fullarticle/210962",
            '<div class="meta-citation-wrap"><span class="meta-citation-journal-name">Arch Gen Psychiatry. </span>'
            '<span class="meta-citation"> 2011;68(1):71-78. doi:10.1001/archgenpsychiatry.2010.116</span></div>',
            ("10.1001/archgenpsychiatry.2010.116", None, "68", "1", "71", "78"),
        ),
    ],
)
def test_silverchair_citation_shown_in_the_header(url: str, citation: str, expected: tuple) -> None:
    record = extract(url, _SILVERCHAIR_BODY_ONLY.format(citation=citation).encode())
    assert record.status == "article"
    shown = (record.doi, record.journal, record.volume, record.issue, record.first_page, record.last_page)
    assert shown == expected


@pytest.mark.parametrize(
    ("url", "headings", "title"),
    [
        ("https://www.cambridge.org/core/journals/x/article/y/ABC",
         '<hgroup><h1 data-v-1>Property and use</h1></hgroup>', "Property and use"),
        ("https://www.mdpi.com/2076-3425/15/3/264",
         '<h1 class="title hypothesis_container" itemprop="name"> Brain areas </h1>', "Brain areas"),
        ("https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0213978",
         '<h1 class="logo"><a href="/plosone/.">PLOS ONE</a></h1><h1 id="artTitle">Yolk antibody</h1>', "Yolk antibody"),
        ("https://iopscience.iop.org/article/10.1088/1748-605X/ab007b",
         '<h1 itemprop="headline" class="wd-jnl-art-title">Bilayer membranes</h1>', "Bilayer membranes"),
        ("https://elifesciences.org/articles/44753",
         '<h1 class="content-header__title content-header__title--short">Parallel circuitry</h1>'
         '<h1 class="content-header__title content-header__title--long"><a href="/articles/1">Another</a></h1>',
         "Parallel circuitry"),
        ("https://www.emerald.com/insight/content/doi/10.1108/qea-07-2024-0055/full/html",
         '<h1 class="content-title intent_article_title mt-0 mb-3">Enhancing sustainability</h1>', "Enhancing sustainability"),
        ("https://pubs.rsc.org/en/content/articlelanding/2016/ob/c6ob02074g",
         '<h1 id="sect155"><span class="title_heading">Denitrogenative hydrofluorination'
         '<a title="Select to navigate to footnote" href="#fn1">†</a></span></h1>', "Denitrogenative hydrofluorination"),
    ],
)
def test_title_heading_says_an_article_page(url: str, headings: str, title: str) -> None:
    """A body-only copy (no embedded metadata): the platform's title heading."""
    page = f"<html><head><title>x</title></head><body>{headings}<p>Text.</p></body></html>"
    record = extract(url, page.encode())
    assert (record.status, record.title) == ("article", title)
    # Another page of the same site, with no such heading, is no article.
    other = extract(url, b"<html><head><title>Journal home</title></head><body><h1>Journal home</h1></body></html>")
    assert other.status == "not_article"


@pytest.mark.parametrize(
    ("url", "markup", "doi"),
    [
        ("https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0213978",
         '<h1 id="artTitle">T</h1><ul class="date-doi"><li id="artPubDate">Published: April 22, 2019</li>'
         '<li id="artDoi"><a href="https://doi.org/10.1371/journal.pone.0213978">https://doi.org/10.1371/'
         "journal.pone.0213978</a></li></ul>", "10.1371/journal.pone.0213978"),
        ("https://elifesciences.org/articles/44753",
         '<h1 class="content-header__title">T</h1><span class="doi">doi: <a href="https://doi.org/10.7554/eLife.44753"'
         ' class="doi__link">10.7554/eLife.44753</a></span><p>Figure 1.</p><span class="doi doi--asset">'
         '<a href="https://doi.org/10.7554/eLife.44753.007" class="doi__link">x</a></span>', "10.7554/eLife.44753"),
        ("https://www.mdpi.com/2076-3425/15/3/264",
         '<h1 class="title" itemprop="name">T</h1><div class="bib-identity"><em>Brain Sci.</em> <b>2025</b>,'
         ' <em>15</em>(3), 264; <a href="https://doi.org/10.3390/brainsci15030264">x</a></div>',
         "10.3390/brainsci15030264"),
        ("https://www.cambridge.org/core/journals/x/article/y/ABC",
         '<hgroup><h1>T</h1></hgroup><div class="doi-data"><div>DOI: <a href="https://doi.org/10.1017/S1744552324000302">'
         "x</a></div></div>", "10.1017/S1744552324000302"),
        ("https://pubs.rsc.org/en/content/articlelanding/2016/ob/c6ob02074g",
         '<h1><span class="title_heading">T</span></h1><div class="article_info"> DOI: <a title="Link to landing page'
         ' via DOI" href="http://dx.doi.org/10.1039/C6OB02074G">10.1039/C6OB02074G</a> (Paper)</div>',
         "10.1039/C6OB02074G"),
        # Emerald's address names the DOI in lower case; the page prints it as registered.
        ("https://www.emerald.com/insight/content/doi/10.1108/qea-07-2024-0055/full/html",
         '<h1 class="intent_article_title">T</h1><a class="intent_doi_link Citation__identifier__link"'
         ' href="https://doi.org/10.1108/QEA-07-2024-0055">x</a>', "10.1108/QEA-07-2024-0055"),
    ],
)
def test_doi_link_the_page_prints(url: str, markup: str, doi: str) -> None:
    record = extract(url, f"<html><head><title>x</title></head><body>{markup}</body></html>".encode())
    assert (record.status, record.doi) == ("article", doi)


def test_elife_authors_from_the_author_details_alone() -> None:
    """eLife's fixture page with its metadata removed: the "Author details"
    list gives the same authors, affiliations and ORCID iDs."""
    import json
    import re
    from pathlib import Path

    case = Path(__file__).parent / "fixtures" / "spiders.pages.others.ElifeArticlePage" / "elife-full"
    body = (case / "inputs" / "HttpResponse-body.html").read_bytes()
    expected = json.loads((case / "output.json").read_text(encoding="utf-8"))["authors"]
    bare = re.sub(rb"<meta\b[^>]*>", b"", body)
    assert b"citation_author" not in bare and b"dc.contributor" not in bare.lower()
    record = extract(json.loads((case / "inputs" / "HttpResponse-info.json").read_text())["url"], bare)
    assert [(a.name, a.affiliations, a.orcid) for a in record.authors] == [
        (a["name"], a["affiliations"], a["orcid"]) for a in expected
    ]
    assert expected


@pytest.mark.parametrize(
    ("url", "markup", "expected"),
    [
        ("https://www.mdpi.com/2076-3425/15/3/264",
         '<h1 class="title" itemprop="name">T</h1><div class="bib-identity"><em>Brain Sci.</em> <b>2025</b>,'
         ' <em>15</em>(3), 264; <a href="https://doi.org/10.3390/brainsci15030264">x</a></div>',
         (None, "15", "3", "264", None)),
        ("https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0213978",
         '<h1 id="artTitle">T</h1><ul class="date-doi"><li id="artDoi"><a href="https://doi.org/10.1371/journal.pone.'
         '0213978">x</a></li></ul><div class="articleinfo"><p><strong>Citation: </strong>Li Y, Wang T (2019)'
         " Assessment of yolk antibody. PLoS ONE 14(4): e0213978. https://doi.org/10.1371/journal.pone.0213978</p>"
         "<p><strong>Editor: </strong>Someone</p></div>",
         (None, "14", "4", "e0213978", None)),
        ("https://www.emerald.com/insight/content/doi/10.1108/qea-07-2024-0055/full/html",
         '<h1 class="intent_article_title">T</h1><p>Muhammad, A.S. (2024), "T", <i><a href="/insight/publication/'
         'issn/2976-9310">Quality Education for All</a></i>, Vol. 1 No. 1, pp. 385-416. <a class="intent_doi_link"'
         ' href="https://doi.org/10.1108/QEA-07-2024-0055">x</a></p>',
         ("Quality Education for All", "1", "1", "385", "416")),
        ("https://iopscience.iop.org/article/10.1088/1748-605X/ab007b",
         '<h1 class="wd-jnl-art-title">T</h1><p class="small"><span class="wd-jnl-art-breadcrumb-title"><span>'
         '<a href="/journal/1748-605X">Biomedical Materials</a></span></span>, <span class="wd-jnl-art-breadcrumb-vol">'
         '<span><a href="/volume/1748-605X/14">Volume 14</a></span></span>, <span class="wd-jnl-art-breadcrumb-issue">'
         '<a href="/issue/1748-605X/14/3"> Number 3</a></span> <span style="display: block"><strong>Citation</strong>'
         " A. Author <em>et al</em> 2019 <em>Biomed. Mater.</em> <b>14</b> 035018</span>"
         ' <span style="display: block"><strong>DOI</strong> 10.1088/1748-605X/ab007b</span></p>',
         ("Biomedical Materials", "14", "3", "035018", None)),
    ],
)
def test_citation_the_page_prints(url: str, markup: str, expected: tuple) -> None:
    record = extract(url, f"<html><head><title>x</title></head><body>{markup}</body></html>".encode())
    assert record.status == "article" and record.doi
    assert (record.journal, record.volume, record.issue, record.first_page, record.last_page) == expected
