"""What Cambridge Core, IOPscience, RSC, PLOS, eLife and MDPI pages print of
their citation, authors and dates, read when the embedded metadata lacks it
(a body-only copy).  Small pages written after each platform's markup."""

from __future__ import annotations

from typing import Any

import pytest

from spiders.pages import extract


def _page(url: str, body: str, head: str = "") -> Any:
    html = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>x</title>{head}</head><body>{body}</body></html>"
    return extract(url, html.encode())


def _authors(record: Any) -> list[tuple[str, list[str], str | None]]:
    return [(a.name, a.affiliations, a.orcid) for a in record.authors]


# --- Cambridge Core ---------------------------------------------------------------

_CAMBRIDGE_URL = "https://www.cambridge.org/core/journals/example-law-review/article/commons/ABCDEF0123456789"
_CAMBRIDGE = """<hgroup><h1>Commons and enclosure</h1></hgroup>
<div class="row published-date"><p>Published online by Cambridge University Press: <strong>3 March 2024</strong></p></div>
<div class="contributors-details"><div class="row contributor-type">
 <div class="contributor-type__contributor"><a href="/core/search"><span>Ruth Adeyemi</span></a>
  <a href="https://orcid.org/0000-0002-1825-0097" class="contributor-type__contributor__orcid"><img alt="ORCID"></a></div>
 <div class="contributor-type__contributor"><a href="/core/search"><span>Tomás García</span></a></div>
</div>
<dl id="authors-details" class="authors-details collapse">
 <div class="row author"><dt class="title">Ruth Adeyemi*</dt><dd class="col content"><span class="content__title">Affiliation:</span>
  <div><span><span>School of Law, University of Example , Example City, UK</span></span></div></dd></div>
 <div class="row author"><dt class="title">Tomás García</dt><dd class="col content"><span class="content__title">Affiliation:</span>
  <div><span><span>Facultad de Derecho, Universidad de Ejemplo, Madrid, Spain</span></span></div></dd></div>
 <div class="row"><dt class="title">*</dt><dd class="col content"><div class="corresp">Email: x</div></dd></div>
</dl></div>
<dl class="article-details"><div class="row"><dt class="title">Type</dt><dd class="col content">Article</dd></div>
<div class="row"><dt class="title">Information</dt><dd class="col content"><div class="content__journal">
 <a href="/core/journals/example-law-review"><span class="text">Example  Law Review</span></a>
 <span>, <a href="/core/journals/example-law-review/volume/x"><span class="text">Volume 9</span></a></span>
 <span>, <a href="/core/journals/example-law-review/issue/x"><span class="text">ISSUE</span></a></span>
 <span>, March 2024</span> <span>, PAGES</span></div>
 <div class="doi-data"><div>DOI: <a href="https://doi.org/10.1017/S0000000000000001">https://doi.org/10.1017/S0000000000000001</a></div></div>
</dd></div></dl>"""


@pytest.mark.parametrize(
    ("issue", "pages", "expected"),
    [
        ("Issue 2", "pp. 101 - 120", ("Example Law Review", "9", "2", "101", "120")),
        # A themed issue prints its theme after the number; a one-page article "p. 7".
        ("Special Issue 4: Property in the Sharing Economy", "p. 7", ("Example Law Review", "9", "4", "7", None)),
    ],
)
def test_cambridge_citation_printed_in_the_information_list(issue: str, pages: str, expected: tuple) -> None:
    record = _page(_CAMBRIDGE_URL, _CAMBRIDGE.replace("ISSUE", issue).replace("PAGES", pages))
    assert (record.platform, record.status) == ("cambridge", "article")
    assert (record.journal, record.volume, record.issue, record.first_page, record.last_page) == expected


def test_cambridge_embedded_citation_wins() -> None:
    head = (
        '<meta name="citation_journal_title" content="Example Law Review (Embedded)">'
        '<meta name="citation_volume" content="10"><meta name="citation_issue" content="3">'
        '<meta name="citation_firstpage" content="5"><meta name="citation_lastpage" content="9">'
    )
    body = _CAMBRIDGE.replace("ISSUE", "Issue 2").replace("PAGES", "pp. 101 - 120")
    record = _page(_CAMBRIDGE_URL, body, head)
    assert (record.journal, record.volume, record.issue, record.first_page, record.last_page) == (
        "Example Law Review (Embedded)", "10", "3", "5", "9"
    )


def test_cambridge_authors_from_the_author_details() -> None:
    record = _page(_CAMBRIDGE_URL, _CAMBRIDGE)
    assert _authors(record) == [
        ("Ruth Adeyemi", ["School of Law, University of Example, Example City, UK"], "0000-0002-1825-0097"),
        ("Tomás García", ["Facultad de Derecho, Universidad de Ejemplo, Madrid, Spain"], None),
    ]
    assert all(a.given is None and a.family is None for a in record.authors)


def test_cambridge_embedded_authors_win() -> None:
    head = '<meta name="citation_author" content="Adeyemi, Ruth">'
    record = _page(_CAMBRIDGE_URL, _CAMBRIDGE, head)
    assert _authors(record) == [("Ruth Adeyemi", ["School of Law, University of Example, Example City, UK"], None)]


# --- IOPscience --------------------------------------------------------------------

_IOP_URL = "https://iopscience.iop.org/article/10.5555/1748-605X/abc001"
_IOP = """<h1 itemprop="headline" class="wd-jnl-art-title">Graphene membranes for bone repair</h1>
<p class="mb-0"><span data-authors="">
 <span itemprop="author" class="nowrap"><span itemprop="name">Elif Demir</span><sup>1</sup></span>,
 <span itemprop="author" class="nowrap"><span itemprop="name">Ali Kaya</span><sup>3,1,2</sup><a
  href="https://orcid.org/0000-0002-1825-0097"><svg class="orcid-logo"></svg></a></span></span></p>
<p class="small"><span class="wd-jnl-art-pub-date">DATE</span> &bull; <span class="wd-jnl-art-copyright">© 2021 IOP</span></p>
<div class="wd-jnl-art-author-affiliations"><h2>Author affiliations</h2>
 <p class="mb-05"><sup>1</sup> Department of Engineering Sciences, Example Technical University, Ankara, Turkey</p>
 <p class="mb-05"><sup>2</sup> Centre of Biomaterials, Example Technical University, Ankara, Turkey</p></div>
<div class="wd-jnl-art-author-notes"><p class="mb-05"><sup>3</sup> Author to whom any correspondence should be addressed.</p></div>
<div class="wd-jnl-art-author-orcid-list"><p><span itemprop="author" class="nowrap"><span itemprop="name">Ali Kaya</span>
 <a href="https://orcid.org/0000-0002-1825-0097">https://orcid.org/0000-0002-1825-0097</a></span></p></div>"""
_IOP_DEPT = "Department of Engineering Sciences, Example Technical University, Ankara, Turkey"


def test_iop_authors_and_date_printed_under_the_title() -> None:
    record = _page(_IOP_URL, _IOP.replace("DATE", "Published 4 May 2021"))
    assert (record.platform, record.status) == ("iop", "article")
    assert _authors(record) == [
        ("Elif Demir", [_IOP_DEPT], None),
        # "3" is the correspondence note: no affiliation; the ORCID list below names no other author.
        ("Ali Kaya", [_IOP_DEPT, "Centre of Biomaterials, Example Technical University, Ankara, Turkey"],
         "0000-0002-1825-0097"),
    ]
    assert record.published == "2021-05-04"


def test_iop_embedded_authors_and_date_win() -> None:
    head = (
        '<meta name="citation_author" content="Elif Demir"><meta name="citation_author_institution" content="ETU">'
        '<meta name="citation_publication_date" content="2021/05/05">'
    )
    record = _page(_IOP_URL, _IOP.replace("DATE", "Published 4 May 2021"), head)
    assert _authors(record) == [("Elif Demir", ["ETU"], None)]
    assert record.published == "2021-05-05"


def test_iop_date_without_its_label_is_not_taken() -> None:
    record = _page(_IOP_URL, _IOP.replace("DATE", "Accepted 4 May 2021"))
    assert record.published is None


# --- RSC Publishing ----------------------------------------------------------------

_RSC_URL = "https://pubs.rsc.org/en/content/articlehtml/2016/ob/c6ob00001a"
_RSC = """<div class="article_info"> DOI: <a href="http://dx.doi.org/10.1039/C6OB00001A">10.1039/C6OB00001A</a>
(Paper) <span class="italic"><a href="http://dx.doi.org/10.1039/1477-0539/2003">Org. Biomol. Chem.</a></span>, 2016</div>
<h1><span class="title_heading">Hydrofluorination of hydrazones<a href="#fn1">†</a></span></h1>
<p class="header_text"><span class="bold"> Kaivalya G.
  Kulkarni </span>, <span class="bold"> Boris Miokovic </span><span class="bold"> and </span>
 <span class="bold"> Graham K. Murphy </span>*<br/><span class="italic">Department of Chemistry, University of Example,
 Waterloo, Canada. E-mail: <a href="mailto:x@example.org">x@example.org</a></span></p>
<div id="art-admin"><span class="italic bold">Received 21st September 2016</span><span class="bold italic">,
 Accepted 26th September 2016</span></div>HISTORY<hr/><p class="abstract">Aldehyde hydrazones become arenes.</p>"""
_RSC_HISTORY = '<p class="bold italic">First published on the web 27th September 2016</p>'
_RSC_DEPT = "Department of Chemistry, University of Example, Waterloo, Canada"


def test_rsc_authors_and_date_printed_under_the_title() -> None:
    record = _page(_RSC_URL, _RSC.replace("HISTORY", _RSC_HISTORY))
    assert (record.platform, record.status) == ("rsc", "article")
    assert _authors(record) == [
        ("Kaivalya G. Kulkarni", [_RSC_DEPT], None),
        ("Boris Miokovic", [_RSC_DEPT], None),
        ("Graham K. Murphy", [_RSC_DEPT], None),
    ]
    assert record.published == "2016-09-27"
    assert record.journal is None  # only "Org. Biomol. Chem." is printed: an abbreviation


def test_rsc_received_and_accepted_are_not_the_publication_date() -> None:
    record = _page(_RSC_URL, _RSC.replace("HISTORY", ""))
    assert record.published is None


def test_rsc_embedded_authors_and_date_win() -> None:
    head = (
        '<meta name="citation_author" content="Kaivalya G. Kulkarni"><meta name="citation_author" content="Boris'
        ' Miokovic"><meta name="citation_author" content="Graham K. Murphy">'
        '<meta name="citation_online_date" content="2016/09/26">'
    )
    record = _page(_RSC_URL, _RSC.replace("HISTORY", _RSC_HISTORY), head)
    assert [a.name for a in record.authors] == ["Kaivalya G. Kulkarni", "Boris Miokovic", "Graham K. Murphy"]
    assert record.published == "2016-09-26"


# --- PLOS --------------------------------------------------------------------------

_PLOS_URL = "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0000002"
_PLOS = """<div id="pagehdr"><nav class="nav-main"><h1 class="logo"><a href="/plosone/.">LOGO</a></h1></nav></div>
<h1 id="artTitle">Yolk antibodies in chickens</h1>
<ul class="date-doi"><li id="artPubDate">Published: April 22, 2019</li>
<li id="artDoi"><a href="https://doi.org/10.1371/journal.pone.0000002">https://doi.org/10.1371/journal.pone.0000002</a></li></ul>
<div class="articleinfo"><p><strong>Citation: </strong>Li Y (2019) Yolk antibodies in chickens. PLoS ONE 14(4): e0000002.</p>
<p><strong>Received: </strong>June 22, 2018; <strong>Accepted: </strong>March 5, 2019</p></div>"""


def test_plos_journal_and_date_printed_in_the_header() -> None:
    record = _page(_PLOS_URL, _PLOS.replace("LOGO", "PLOS ONE"))
    assert (record.platform, record.status) == ("plos", "article")
    assert (record.journal, record.published, record.volume) == ("PLOS ONE", "2019-04-22", "14")


def test_plos_abbreviated_logo_names_no_journal() -> None:
    record = _page(_PLOS_URL, _PLOS.replace("LOGO", "PLoS Med."))
    assert record.journal is None


def test_plos_embedded_journal_and_date_win() -> None:
    head = (
        '<meta name="citation_journal_title" content="PLOS ONE (Embedded)">'
        '<meta name="citation_date" content="2019/04/23">'
    )
    record = _page(_PLOS_URL, _PLOS.replace("LOGO", "PLOS ONE"), head)
    assert (record.journal, record.published) == ("PLOS ONE (Embedded)", "2019-04-23")


# --- eLife -------------------------------------------------------------------------

_ELIFE_URL = "https://elifesciences.org/articles/44753"
_ELIFE = """<header class="content-header"><h1 class="content-header__title">Larval swimming in Ciona</h1>
<div class="meta"><a class="meta__type" href="/articles/research-article">Research Article</a>
<span class="date"><time datetime="2019-04-18">Apr 18, 2019</time></span></div></header>
<section class="article-section"><header class="article-section__header">
<h3 class="article-section__header_text">Publication history</h3></header>
<div class="article-section__body"><ol class="list list--bullet">HISTORY</ol></div></section>"""
_ELIFE_HISTORY = (
    "<li>Received: December 28, 2018</li><li>Accepted: April 11, 2019</li>"
    '<li>Accepted Manuscript published: <a href="/articles/44753v1">April 18, 2019 (version 1)</a></li>'
    '<li>Version of Record published: <a href="/articles/44753">May 3, 2019 (version 2)</a></li>'
)


def test_elife_first_published_date_of_the_publication_history() -> None:
    record = _page(_ELIFE_URL, _ELIFE.replace("HISTORY", _ELIFE_HISTORY))
    assert (record.platform, record.status) == ("elife", "article")
    assert record.published == "2019-04-18"


def test_elife_received_and_accepted_are_not_the_publication_date() -> None:
    history = "<li>Received: December 28, 2018</li><li>Accepted: April 11, 2019</li>"
    record = _page(_ELIFE_URL, _ELIFE.replace("HISTORY", history))
    assert record.published is None  # the header's unlabelled date is not taken either


def test_elife_embedded_date_wins() -> None:
    head = '<meta name="dc.date" content="2019-04-19">'
    record = _page(_ELIFE_URL, _ELIFE.replace("HISTORY", _ELIFE_HISTORY), head)
    assert record.published == "2019-04-19"


@pytest.mark.parametrize("heading_class", ["author-details__heading", "renamed__heading"])
def test_elife_affiliations_are_the_unheaded_sections(heading_class: str) -> None:
    details = f"""<div class="author-details"><h4 class="author-details__name">Matthew J Kourakis</h4>
<section class="author-details__section"><span class="author-details__text">Neuroscience Research Institute,
 University of California, Santa Barbara, United States</span></section>
<section class="author-details__section"><h5 class="{heading_class}">Contribution</h5>
 <span class="author-details__text">Data curation, Formal analysis</span></section>
<section class="author-details__section"><h5 class="{heading_class}">Competing interests</h5>
 <span class="author-details__text">No competing interests declared</span></section></div>"""
    record = _page(_ELIFE_URL, _ELIFE.replace("HISTORY", "") + details)
    assert _authors(record) == [
        ("Matthew J Kourakis", ["Neuroscience Research Institute, University of California, Santa Barbara, United States"], None)
    ]


def test_embedded_affiliations_without_the_printed_lists_joints() -> None:
    # OUP's citation_author_institution tags copy "..., Canada, and" from the printed list.
    head = (
        '<meta name="citation_title" content="Reading minds"><meta name="citation_author" content="Diana I. Tamir">'
        '<meta name="citation_author_institution" content="Department of Psychology, Princeton University, NJ, USA,">'
        '<meta name="citation_author" content="Andrew B. Bricker">'
        '<meta name="citation_author_institution" content="Department of English, McGill University, Canada, and">'
    )
    record = _page("https://journals.example.org/article/1", "<h1>Reading minds</h1>", head)
    assert _authors(record) == [
        ("Diana I. Tamir", ["Department of Psychology, Princeton University, NJ, USA"], None),
        ("Andrew B. Bricker", ["Department of English, McGill University, Canada"], None),
    ]


# --- MDPI --------------------------------------------------------------------------

_MDPI_URL = "https://www.mdpi.com/2076-3425/15/3/264"
_MDPI = """<div class="breadcrumb row full-row">
<div class="breadcrumb__element"><a href="/about/journals">Journals</a></div>
<div class="breadcrumb__element"><a href="JOURNAL_HREF">Brain Sciences</a></div>
<div class="breadcrumb__element"><a href="/2076-3425/15">Volume 15</a></div>
<div class="breadcrumb__element"><a href="/2076-3425/15/3">Issue 3</a></div></div>
<h1 class="title" itemprop="name">Brain activation by a stress ball</h1>
<div class="bib-identity"><em>Brain Sci.</em> <b>2025</b>, <em>15</em>(3), 264;
<a href="https://doi.org/10.3390/brainsci15030264">https://doi.org/10.3390/brainsci15030264</a></div>"""


def test_mdpi_journal_printed_in_the_breadcrumb() -> None:
    record = _page(_MDPI_URL, _MDPI.replace("JOURNAL_HREF", "/journal/brainsci"))
    assert (record.platform, record.status) == ("mdpi", "article")
    assert (record.journal, record.volume, record.issue, record.first_page) == ("Brain Sciences", "15", "3", "264")


def test_mdpi_no_journal_home_link_names_no_journal() -> None:
    """Without the breadcrumb's link to the journal's home, only the
    citation's abbreviation ("Brain Sci.") is printed: no journal."""
    record = _page(_MDPI_URL, _MDPI.replace("JOURNAL_HREF", "/search?q=brain"))
    assert record.journal is None


def test_mdpi_embedded_journal_wins() -> None:
    head = '<meta name="citation_journal_title" content="Brain Sciences (Embedded)">'
    record = _page(_MDPI_URL, _MDPI.replace("JOURNAL_HREF", "/journal/brainsci"), head)
    assert record.journal == "Brain Sciences (Embedded)"


@pytest.mark.parametrize(
    ("creators", "names"),
    [
        # ACM's dc.creator runs family and given name together: not split by guess.
        (["AbdelazizIbrahim", "MansourEssam"], []),
        (["Abdelaziz, Ibrahim", "Mansour, Essam"], ["Ibrahim Abdelaziz", "Essam Mansour"]),
        (["Yann LeCun", "Ruth McDonald"], ["Yann LeCun", "Ruth McDonald"]),
    ],
)
def test_embedded_creators_run_together_are_not_names(creators: list[str], names: list[str]) -> None:
    head = '<meta name="citation_title" content="Data lakes">' + "".join(
        f'<meta name="dc.creator" content="{c}">' for c in creators
    )
    record = _page("https://journals.example.org/article/2", "<h1>Data lakes</h1>", head)
    assert [a.name for a in record.authors] == names


@pytest.mark.parametrize(
    ("head", "title"),
    [
        # Atypon's dc.Title and dc.Title.Subtitle make the title the page prints.
        ('<meta name="dc.Title" content="Lusail"><meta name="dc.Title.Subtitle" content="a system for querying linked data">',
         "Lusail: a system for querying linked data"),
        ('<meta name="dc.Title" content="Lusail: a system for querying linked data">'
         '<meta name="dc.Title.Subtitle" content="a system for querying linked data">',
         "Lusail: a system for querying linked data"),
        # og:title ends with the site's or the journal's name.
        ('<meta property="og:title" content="Who should I trust? | Proceedings of CHI 2023">'
         '<meta name="citation_conference_title" content="Proceedings of CHI 2023">', "Who should I trust?"),
        ('<meta property="og:title" content="Who should I trust? | Example Press">'
         '<meta property="og:site_name" content="Example Press">', "Who should I trust?"),
    ],
)
def test_embedded_title_as_the_page_prints_it(head: str, title: str) -> None:
    head += '<meta name="citation_doi" content="10.5555/x.3">'
    assert _page("https://journals.example.org/article/3", "<p>x</p>", head).title == title


def test_elife_description_is_never_the_abstract() -> None:
    # eLife's description is the one-line impact statement: not its abstract, even without the page's own block.
    head = (
        '<meta name="dc.title" content="Larval swimming in Ciona"><meta name="description" content="The ascidian'
        ' Ciona integrates visual information from two photoreceptor types to evoke larval swimming.">'
    )
    assert _page(_ELIFE_URL, "<p>x</p>", head).abstract is None
