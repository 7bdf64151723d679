"""Pages of other kinds served by a publisher's site are not articles, even
when they carry an article's Open Graph type and a heading: Literatum (T&F,
Atypon) names its page type in pbContext."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.pages import extract

SHARED_TOC = Path(__file__).resolve().parents[2] / "shared" / "discovery" / "toc"

TOC = b"""<!DOCTYPE html><html><head>
<meta name="pbContext" content=";ctype:string:Journal Content;page:string:Table of Contents;journal:journal:tpwi20;\
website:website:TFOPB;issue:issue:10.1080/tpwi20.v012.i04;pageGroup:string:Publication Pages">
<meta property="og:title" content="Journal of Imaginary Materials">
<meta property="og:type" content="article">
<meta property="og:url" content="https://www.tandfonline.com/toc/tpwi20/12/4">
<title>Journal of Imaginary Materials: Vol 12, No 4</title></head>
<body><h1 class="journal-heading">Journal of Imaginary Materials</h1>
<div class="tocContent"><div class="tocHeading"><h2>Articles</h2></div>
<div class="art_title linkable"><a class="ref nowrap" href="/doi/full/10.5555/pwim.2023.2170001">
<span class="hlFld-Title">Glass that remembers</span></a></div></div></body></html>"""


def test_a_table_of_contents_is_not_an_article() -> None:
    record = extract("https://www.tandfonline.com/toc/tpwi20/12/4", TOC)
    assert record.platform == "tandf"
    assert record.status == "not_article"
    assert record.title is None and record.authors == [] and record.journal is None


def test_the_same_markup_on_an_article_view_is_read() -> None:
    article = TOC.replace(b"page:string:Table of Contents", b"page:string:Article/Chapter View").replace(
        b'<meta property="og:type"', b'<meta name="dc.Title" content="Glass that remembers"><meta property="og:type"'
    )
    record = extract("https://www.tandfonline.com/doi/full/10.5555/pwim.2023.2170001", article)
    assert record.status == "article"
    assert record.title == "Glass that remembers"


@pytest.mark.skipif(not SHARED_TOC.is_dir(), reason="../shared/discovery/toc is absent")
def test_the_real_tandf_issue_page_is_not_an_article() -> None:
    for page in sorted(SHARED_TOC.glob("*.html")):
        record = extract("https://www.tandfonline.com/toc/talc20/38/4", page.read_bytes())
        assert (record.platform, record.status) == ("tandf", "not_article"), page.name
