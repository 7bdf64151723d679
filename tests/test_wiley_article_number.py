"""AGU journals on Wiley print an article number ("GB1016") instead of pages,
only in the page's own "how to cite" text."""

from __future__ import annotations

import pytest

from spiders.pages import extract

PAGE = """<html><head>
<meta name="citation_title" content="Terrestrial mechanisms">
<meta name="citation_journal_title" content="Global Biogeochemical Cycles">
<meta name="citation_doi" content="10.1029/2004GB002273">
<meta name="citation_volume" content="19">
<meta name="citation_issue" content="1">
<meta name="article_references" content="
 Zeng, N.,  A. Mariotti, and  P. Wetzel (2005), Terrestrial mechanisms, Global Biogeochem. Cycles,  19, {locator}, doi:{doi}.
">
</head><body><h1 class="citation__title">Terrestrial mechanisms</h1>
<p class="citation-modal__how-to-cite">Someone (2021). Another article. Earth and Space Science, 8, e2020EA001619. https://doi.org/10.1029/2020EA001619</p>
</body></html>"""


@pytest.mark.parametrize(
    ("locator", "doi", "first", "last"),
    [
        ("GB1016", "10.1029/2004GB002273", "GB1016", None),
        ("GB1016", "10.1029/2004gb002273", "GB1016", None),  # DOIs compare without case
        # The citation of another article: its number is not this one's.
        ("GB1016", "10.1029/2020EA001619", None, None),
        # A page range is not an article number (and pages come from citation_firstpage).
        ("1140-1155", "10.1029/2004GB002273", None, None),
    ],
)
def test_article_number_from_the_how_to_cite_text(locator: str, doi: str, first: str | None, last: str | None) -> None:
    body = PAGE.format(locator=locator, doi=doi).encode()
    record = extract("https://agupubs.onlinelibrary.wiley.com/doi/10.1029/2004GB002273", body)
    assert record.platform == "wiley" and record.status == "article"
    assert (record.first_page, record.last_page) == (first, last)
