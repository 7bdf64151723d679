"""ACS's "This article is cited by N publications" list (2019 template):
titles from their own span, the DOI from the entry's "DOI: 10.1021/x." text,
a link when the entry has one."""

from __future__ import annotations

from spiders.pages import extract

PAGE = """<html><head><meta name="dc.Title" content="Nanorods">
<meta name="dc.Identifier" scheme="doi" content="10.1021/nl0000001"></head>
<body><h1 class="articleTitle">Nanorods</h1>
<div class="cited-content"><p>This article is cited by 3 publications.</p>
<ol class="cited-content_cbyCitation">
<li><span class="cited-content_cbyCitation_article-contributors">A. Author. </span><span
 class="cited-content_cbyCitation_article-title">Europium <i>hydroxide</i> nanorods. </span><span>
 <strong>2019</strong>, 1078-1087. DOI: 10.1021/acsabm.8b00669.</span></li>
<li><span>B. Author. </span><span class="x"><span
 class="cited-content_cbyCitation_article-title">A title one level down.</span></span>
<span><script>var doi = "DOI: 10.9999/wrong";</script>DOI: 10.1021/two.</span><a
 href="/doi/10.1021/two">Crossref</a></li>
<li><span>C. Author.</span><span>No title of its own. DOI: 10.1021/three.</span></li>
</ol></div></body></html>"""


def test_cited_by_entries() -> None:
    record = extract("https://pubs.acs.org/doi/10.1021/nl0000001", PAGE.encode())
    cited = [(link.rank, link.title, link.doi, link.url) for link in record.related if link.list == "cited_by"]
    assert cited == [
        (1, "Europium hydroxide nanorods", "10.1021/acsabm.8b00669", None),
        (2, "A title one level down", "10.1021/two", "https://pubs.acs.org/doi/10.1021/two"),
    ]
    assert record.related_counts.get("cited_by") == 3
