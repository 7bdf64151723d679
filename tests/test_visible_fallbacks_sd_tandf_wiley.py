"""Fields read from what a page prints when its embedded metadata lacks them:
ScienceDirect's online date, Taylor & Francis's 2019 journal box, and the
article number of a Wiley (AGU) page's own "how to cite" text."""

from __future__ import annotations

import pytest

from spiders.pages import extract

# --- ScienceDirect: "Available online" of the article history ---------------------

_SD_URL = "https://www.sciencedirect.com/science/article/pii/S0009261400000001"
# The article history "Show more" prints, as the page's state carries it.
_SD_PAGE = """<html><head>{meta}<title>x</title></head><body>
<div class="Article"><article>
<div class="Publication"><h2 class="publication-title">Chemical Physics Letters</h2></div>
<h1><span class="title-text">On chromium dimers</span></h1>
<div class="author-group"><button><span class="given-name">Ada</span> <span class="surname">Lovelace</span></button></div>
</article></div>
<script type="application/json" data-iso-key="_0">{{"article":{{"pii":"S0009261400000001",{dates}"access":{{}}}}}}</script>
</body></html>"""
_SD_DATES = (
    '"dates":{"Available online":"14 April 1998","Received":"6 March 1997","Revised":[],'
    '"Accepted":"26 August 1997","Publication date":"31 October 1997"},'
)


def _sd(meta: str = "", dates: str = _SD_DATES):
    return extract(_SD_URL, _SD_PAGE.format(meta=meta, dates=dates).encode())


def test_sciencedirect_published_from_the_article_history() -> None:
    record = _sd()
    assert (record.platform, record.status) == ("sciencedirect", "article")
    assert record.published == "1998-04-14"  # "Available online", not "Received" nor the cover date


def test_sciencedirect_published_prefers_the_embedded_online_date() -> None:
    record = _sd(meta='<meta name="citation_online_date" content="1998/04/15">')
    assert record.published == "1998-04-15"


def test_sciencedirect_online_date_before_the_cover_date() -> None:
    """citation_publication_date holds the issue's cover date: the article
    history's "Available online" is the first online date."""
    record = _sd(meta='<meta name="citation_publication_date" content="1997/10/31">')
    assert record.published == "1998-04-14"


@pytest.mark.parametrize(
    "dates",
    [
        "",  # no history in the state (a sanitized capture has no state at all)
        '"dates":{"Received":"6 March 1997","Accepted":"26 August 1997","Publication date":"31 October 1997"},',
        '"dates":{"Available online":"soon"},',
    ],
)
def test_sciencedirect_published_is_only_the_online_date(dates: str) -> None:
    record = _sd(dates=dates)
    assert record.status == "article"
    assert record.published is None


# --- Taylor & Francis 2019: the journal box over the issue -----------------------

_TANDF_URL = "https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745"
_TANDF_PAGE = """<html><head>{meta}<title>x</title></head><body>
<div class="issueSerialNavigation journal"><div class="info trim-spaces"><div class="title-container">
<span class="titleHeading">{label}</span>
<h1> <a href="/toc/tmph20/current"> Molecular Physics </a> </h1>
<div class="subtitle"><h1> An International Journal at the Interface </h1></div>
<h2> Volume 111, 2013 - <a href="/toc/tmph20/111/9-11" class="nav-toc-list">Issue 9-11</a></h2>
</div></div></div>
<div class="article"><h1><span class="hlFld-title">The perturbation revisited</span></h1></div>
</body></html>"""


def _tandf(meta: str = "", label: str = "Journal"):
    return extract(_TANDF_URL, _TANDF_PAGE.format(meta=meta, label=label).encode())


def test_tandf_journal_from_the_2019_journal_box() -> None:
    record = _tandf()
    assert (record.platform, record.status) == ("tandf", "article")
    assert record.journal == "Molecular Physics"
    assert (record.volume, record.issue) == ("111", "9-11")


def test_tandf_journal_prefers_the_embedded_name() -> None:
    record = _tandf(meta='<meta name="citation_journal_title" content="Molecular Physics (Print)">')
    assert record.journal == "Molecular Physics (Print)"


def test_tandf_journal_box_only_under_its_label() -> None:
    assert _tandf(label="Book series").journal is None


# --- Wiley (AGU): the article number of the hidden "how to cite" text ---------------

_WILEY_URL = "https://agupubs.onlinelibrary.wiley.com/doi/10.1029/2004GB002273"
_WILEY_PAGE = """<html><head>{meta}<title>x</title></head><body>
<h1 class="citation__title">Terrestrial mechanisms</h1>
<p class="volume-issue">Volume 19, Issue 1</p>
<div class="epub-sections"><div class="epub-section"><span class="epub-state">First published: </span>
<span class="epub-date">02 March 2005</span></div>
<div class="epub-section"><a class="epub-doi" href="https://doi.org/10.1029/2004GB002273">
https://doi.org/10.1029/2004GB002273</a></div></div>
<div style="display: none;" id="how-to-cite"><div>Zeng, <text></text>N., and <text></text>P.Wetzel (2005),
Terrestrial mechanisms, Global Biogeochem. Cycles, 19, {locator}, doi:{doi}.</div></div>
</body></html>"""


def _wiley(meta: str = "", locator: str = "GB1016", doi: str = "10.1029/2004GB002273"):
    return extract(_WILEY_URL, _WILEY_PAGE.format(meta=meta, locator=locator, doi=doi).encode())


def test_wiley_article_number_from_the_hidden_how_to_cite() -> None:
    record = _wiley()
    assert (record.platform, record.status) == ("wiley", "article")
    assert (record.doi, record.volume) == ("10.1029/2004GB002273", "19")
    assert (record.first_page, record.last_page) == ("GB1016", None)


def test_wiley_article_number_prefers_the_embedded_citation() -> None:
    # Both there: the metadata's citation is the one read (here it names another number).
    meta = (
        '<meta name="article_references" content="Zeng, N. (2005), Terrestrial mechanisms,'
        ' Global Biogeochem. Cycles, 19, GB1017, doi:10.1029/2004GB002273.">'
    )
    assert _wiley(meta=meta).first_page == "GB1017"
    # And embedded pages come before any citation text.
    assert _wiley(meta='<meta name="citation_firstpage" content="GB1018">').first_page == "GB1018"


@pytest.mark.parametrize(
    ("locator", "doi"),
    [
        ("GB1016", "10.1029/2020EA001619"),  # the citation of another article
        ("1140-1155", "10.1029/2004GB002273"),  # a page range is no article number
    ],
)
def test_wiley_how_to_cite_gives_nothing_it_does_not_say(locator: str, doi: str) -> None:
    record = _wiley(locator=locator, doi=doi)
    assert record.status == "article"
    assert (record.first_page, record.last_page) == (None, None)


@pytest.mark.parametrize("name", ["citation_abstract", "description"])
def test_wiley_abstract_from_the_metadata_without_agus_paragraph_number(name: str) -> None:
    # The page's abstract block sets "[1]" apart (span.paraNumber); the metadata keeps it.
    text = "The interannual variability of atmospheric CO2 growth follows terrestrial mechanisms tied to ENSO."
    meta = f'<meta name="citation_title" content="Terrestrial mechanisms"><meta name="{name}" content="[1] {text}">'
    assert _wiley(meta=meta).abstract == text
