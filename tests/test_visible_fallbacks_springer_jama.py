"""Springer / nature.com and JAMA Network: fields read from what the page
prints when its embedded metadata lacks them, and the metadata first when
both are there."""

from __future__ import annotations

import pytest

from spiders.pages import extract

# --- nature.com news (magazine template) -------------------------------------------

_NEWS_URL = "https://www.nature.com/articles/d41586-021-00001-x"
_NEWS = """<!DOCTYPE html><html><head><meta charset="utf-8">{meta}<title>x</title></head><body>
<div data-component="article-container" role="main">
<header class="article-item__header"><div class="article__type">NEWS
  <div class="ml10 article__date"><time itemprop="datePublished">3 March 2021</time></div></div>
  <h1 class="article-item__title serif" itemprop="headline">Journals vanish</h1>
  <div class="article-item__teaser-text serif">Some teaser.</div></header>
<div class="bordered-container"><div id="author-affiliations" class="tab-group text14" role="tablist"
  data-test="author-affiliations" data-tab-group><div class="cleared">
  <div id="author-affiliation-news-0" class="tab-box js-box-wrapper">
    <h3 id="author-affiliation-news-0-head" class="sans-serif strong tab tab-skin ma0" role="tab"> Ada Lovelace </h3>
    <div class="tab-content" role="tabpanel"><h4 class="sans-serif">Search for this author in:</h4>
      <ul class="ma0 clean-list"><li class="strong"><a href="https://pubmed.example/?term=Ada">Pub Med</a></li></ul></div></div>
  <div id="author-affiliation-news-1" class="tab-box js-box-wrapper">
    <h3 id="author-affiliation-news-1-head" class="sans-serif strong tab tab-skin ma0" role="tab">Charles Babbage</h3></div>
</div></div></div>
<div class="article__body serif cleared"><p>Story.</p></div>
{doi_line}
<aside class="related-content"><h2>Related Articles</h2><ul><li><article>
  <div class="article__type">NEWS<div class="article__date"><time itemprop="datePublished">1 January 2019</time></div></div>
  <h3><a href="/articles/d41586-019-00002-y">Another story</a></h3></article></li></ul></aside>
</div>
<footer role="contentinfo"><p class="c-meta u-ma-0">{footer}</p></footer>
</body></html>"""
_NEWS_DOI_LINE = ('<div class="emphasis">doi: <a href="https://doi.org/10.1038/d41586-021-00001-x">'
                  "https://doi.org/10.1038/d41586-021-00001-x</a></div>")
_NEWS_FOOTER = ('<span aria-level="2" class="c-meta__item" itemprop="name"> Nature </span>'
                '<span class="c-meta__item"><abbr title="International Standard Serial Number">ISSN</abbr>'
                ' <span itemprop="issn">1476-4687</span> (online)</span>')


def _news(meta: str = "", doi_line: str = _NEWS_DOI_LINE, footer: str = _NEWS_FOOTER) -> bytes:
    return _NEWS.format(meta=meta, doi_line=doi_line, footer=footer).encode()


def test_nature_news_printed_values_without_metadata() -> None:
    record = extract(_NEWS_URL, _news())
    assert (record.platform, record.status, record.title) == ("nature", "article", "Journals vanish")
    assert record.doi == "10.1038/d41586-021-00001-x"
    assert [(a.name, a.given, a.family, a.affiliations) for a in record.authors] == [
        ("Ada Lovelace", None, None, []), ("Charles Babbage", None, None, []),
    ]
    assert record.journal == "Nature"
    # The header's date, not the related card's.
    assert record.published == "2021-03-03"


def test_nature_news_metadata_wins() -> None:
    meta = (
        '<meta name="citation_doi" content="10.1038/d41586-021-00009-9">'
        '<meta name="citation_author" content="Grace Hopper">'
        '<meta name="citation_journal_title" content="Nature Physics">'
        '<meta name="citation_publication_date" content="2021/03/04">'
    )
    record = extract(_NEWS_URL, _news(meta))
    assert record.doi == "10.1038/d41586-021-00009-9"
    assert [a.name for a in record.authors] == ["Grace Hopper"]
    assert record.journal == "Nature Physics"
    assert record.published == "2021-03-04"


def test_nature_news_nothing_invented() -> None:
    """A box of the same generic class that is no DOI line, and a footer name
    beside no ISSN (the site's, not a journal's), give nothing."""
    other_box = '<div class="emphasis">See also <a href="https://doi.org/10.1038/d41586-019-00002-y">this</a></div>'
    record = extract(_NEWS_URL, _news(doi_line=other_box, footer='<span class="c-meta__item" itemprop="name">nature.com</span>'))
    assert record.status == "article"
    assert (record.doi, record.journal) == (None, None)


# --- SpringerLink ----------------------------------------------------------------------

_SPRINGER_2019 = """<!DOCTYPE html><html><head><meta charset="utf-8">{meta}<title>x</title></head><body>
<div class="ArticleHeader main-context"><div class="main-context__column">
<span><span class="test-render-category">Original paper</span></span>
<div class="article-dates"><span class="article-dates__label">First Online: </span>
<span class="article-dates__first-online"><time datetime="2010-05-05">05 May 2010</time></span></div></div>
<h1 class="ArticleTitle" lang="en">Starch films</h1></div>
<div class="bibliographic-information"><ul><li><span class="bibliographic-information__title">Received</span>
<span class="bibliographic-information__value"><time datetime="2009-12-01">01 December 2009</time></span></li></ul></div>
</body></html>"""
_SPRINGER_URL = "https://link.springer.com/article/10.1007/s10000-010-0001-1"


def test_springer_2019_first_online_without_metadata() -> None:
    record = extract(_SPRINGER_URL, _SPRINGER_2019.format(meta="").encode())
    assert (record.platform, record.status) == ("springer", "article")
    assert record.published == "2010-05-05"


def test_springer_2019_online_date_metadata_wins() -> None:
    record = extract(_SPRINGER_URL, _SPRINGER_2019.format(meta='<meta name="citation_online_date" content="2010/05/06">').encode())
    assert record.published == "2010-05-06"


_SPRINGER_2026 = """<!DOCTYPE html><html><head><meta charset="utf-8">{meta}<title>x</title>
<script>window.dataLayer = [{{"DOI":"10.1007/s10000-010-0001-1","Journal Title":"Climatic Change",
"content":{{"serial":{{"eissn":"1573-1480"}},"type":"Article","category":{{"articleType":"Article"}}}}}}];</script>
</head><body><nav><ol class="c-breadcrumbs"><li class="c-breadcrumbs__item"><span itemprop="name">Article</span></li></ol></nav>
<h1 class="c-article-title" data-test="article-title">Glacier melt</h1>
<ul class="c-article-identifiers">{category}<li class="c-article-identifiers__item">Published:
<time datetime="2011-07-12">12 July 2011</time></li></ul></body></html>"""


@pytest.mark.parametrize(
    ("meta", "category", "article_type"),
    [
        # The header prints no category for a plain article: the dataLayer's type.
        ("", "", "Article"),
        # The embedded type first, then the header's category.
        ('<meta name="citation_article_type" content="Review">', "", "Review"),
        # citation_article_type's vocabulary (the dataLayer's) before dc.type's.
        ('<meta name="dc.type" content="OriginalPaper">', "", "Article"),
        ("", '<li class="c-article-identifiers__item" data-test="article-category">Original paper</li>', "Original paper"),
    ],
)
def test_springer_article_type(meta: str, category: str, article_type: str) -> None:
    record = extract(_SPRINGER_URL, _SPRINGER_2026.format(meta=meta, category=category).encode())
    assert (record.platform, record.status) == ("springer", "article")
    assert record.article_type == article_type


def test_springer_article_type_not_from_the_breadcrumb() -> None:
    """Without metadata, header category nor dataLayer type, the breadcrumb's
    "Article" (shown for any article page) is not taken."""
    body = _SPRINGER_2026.format(meta="", category="").replace('"category":{"articleType":"Article"}', '"x":1')
    record = extract(_SPRINGER_URL, body.encode())
    assert record.status == "article"
    assert record.article_type is None


# --- JAMA Network ------------------------------------------------------------------------

_JAMA_URL = "https://jamanetwork.com/journals/jamapsychiatry/fullarticle/210001"
_JAMA = """<!DOCTYPE html><html><head><meta charset="utf-8">{meta}<title>x</title></head><body>
<div class="meta-article-type-wrap"><div class="meta-article-type thm-col">Original Article </div></div>
<h1 class="meta-article-title ">Pilot study</h1>
<div class="meta-authors"><span class="meta-authors--limited">
<span class="wi-fullname brand-fg"><a href="/searchresults">Ada B. Lovelace, MD<sup>1</sup></a></span>;
<span class="wi-fullname brand-fg"><a href="/searchresults">Charles Babbage Jr, PhD<sup></sup></a></span>;
<a class="meta-authors--etal td-u">et al</a></span>
<span class="meta-authors--remaining"><span class="wi-fullname brand-fg"><a href="/searchresults">Grace Hopper, RN, BSN,
 MA</a></span>; <span class="wi-fullname brand-fg"><a href="/searchresults">Alan M. Turing, III, DrPH</a></span></span></div>
<div class="meta-author"><a class="meta-author-title is-b">Author Affiliations</a>
<div class="meta-author-content"><div class="meta-author-notes"><p>Copyright 2011.</p></div></div></div>
<div class="meta-citation-wrap"><span class="meta-citation-journal-name">Arch Gen Psychiatry. </span>
<span class="meta-citation"> 2011;68(1):71-78. doi:10.1001/archgenpsychiatry.2010.999</span></div>
</body></html>"""


def test_jama_authors_from_the_header_without_metadata() -> None:
    record = extract(_JAMA_URL, _JAMA.format(meta="").encode())
    assert (record.platform, record.status) == ("jama", "article")
    assert [(a.name, a.given, a.family, a.affiliations, a.orcid) for a in record.authors] == [
        ("Ada B. Lovelace", None, None, [], None),
        ("Charles Babbage Jr", None, None, [], None),
        ("Grace Hopper", None, None, [], None),
        ("Alan M. Turing, III", None, None, [], None),
    ]
    # The abbreviation is no journal name.
    assert record.journal is None


def test_jama_embedded_authors_win() -> None:
    meta = '<meta name="citation_author" content="Ada Lovelace"><meta name="citation_author" content="Grace Hopper">'
    record = extract(_JAMA_URL, _JAMA.format(meta=meta).encode())
    assert [a.name for a in record.authors] == ["Ada Lovelace", "Grace Hopper"]
