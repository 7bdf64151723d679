"""The abstract read from the page's own markup, when no metadata carries
it: the first block whose class says abstract and that holds an abstract's
worth of text.  Page objects that index classes their own way (Springer,
ScienceDirect) find it too."""

from __future__ import annotations

import pytest

from spiders.pages import extract

TEXT = "We measure the thing twice and find that it is the same both times, within the errors."


def page(body: str) -> bytes:
    return (
        '<html><head><meta name="citation_title" content="A study">'
        '<meta name="citation_doi" content="10.5555/abc"></head>'
        f"<body><h1>A study</h1>{body}</body></html>"
    ).encode()


@pytest.mark.parametrize("classes", ["abstract", "article-abstract", "item abstract", "hlFld_Abstract abstractSection"])
def test_a_block_whose_class_says_abstract_is_the_abstract(classes: str) -> None:
    body = page(f'<div class="{classes}"><p>{TEXT}</p></div>')
    record = extract("https://journals.example.org/doi/10.5555/abc", body)
    assert record.abstract == TEXT


def test_words_that_only_contain_abstract_do_not_count() -> None:
    body = page(f'<div class="abstracts-menu"><p>{TEXT}</p></div><div class="nonabstract"><p>{TEXT}</p></div>')
    assert extract("https://journals.example.org/doi/10.5555/abc", body).abstract is None


def test_highlights_beside_the_abstract_are_passed_over() -> None:
    body = page(
        '<div class="abstract author-highlights"><h2>Highlights</h2><p>Short points made about the study here, '
        "enough text to count as an abstract if it were one.</p></div>"
        f'<div class="abstract author"><h2>Abstract</h2><p>{TEXT}</p></div>'
    )
    record = extract("https://journals.example.org/doi/10.5555/abc", body)
    assert record.abstract == TEXT  # its own "Abstract" heading is not part of it


def test_a_short_or_inline_block_is_not_the_abstract() -> None:
    body = page('<span class="abstract">Abstract</span><div class="abstract"><p>Too short.</p></div>')
    assert extract("https://journals.example.org/doi/10.5555/abc", body).abstract is None


@pytest.mark.parametrize(
    "url",
    [
        "https://link.springer.com/article/10.1007/s00000-000-0000-0",
        "https://www.sciencedirect.com/science/article/pii/S0000000000000000",
    ],
)
def test_page_objects_with_their_own_class_index_find_it_too(url: str) -> None:
    body = page(f'<section class="Abstract"><div class="abstract"><p>{TEXT}</p></div></section>')
    record = extract(url, body)
    assert record.abstract == TEXT


def described(description: str, title: str = "Channels of quantitative easing") -> bytes:
    return (
        f'<html><head><meta name="citation_title" content="{title}"><meta name="description" content="{description}">'
        f'<meta name="citation_doi" content="10.5555/abc"></head><body><h1>{title}</h1></body></html>'
    ).encode()


@pytest.mark.parametrize(
    ("description", "abstract"),
    [
        # The site's own blurb, on every page of the site (NBER's).
        ("Founded in 1920, the institute is a private, non-profit organization dedicated to economic research.", None),
        # The citation (ACL Anthology's).
        ("Ada Lindqvist, Omar Haddad. Proceedings of the 2024 Conference on Example Methods. 2024.", None),
        # A description about the article: it shares the title's words.
        ("We study how quantitative easing moves bond yields, and find the channels narrow.",
         "We study how quantitative easing moves bond yields, and find the channels narrow."),
    ],
)
def test_a_page_description_is_an_abstract_only_when_it_is_about_the_article(description: str, abstract: str | None) -> None:
    assert extract("https://papers.example.org/w29971", described(description)).abstract == abstract


def test_a_page_description_comes_after_the_abstract_block() -> None:
    body = described("Ada Lindqvist. Proceedings of the Conference on Quantitative Easing. 2024.").replace(
        b"</h1>", f'</h1><div class="card-body acl-abstract"><h5>Abstract</h5><span>{TEXT}</span></div>'.encode()
    )
    assert extract("https://papers.example.org/w29971", body).abstract == TEXT


@pytest.mark.parametrize("title", ["Résumé", "Zusammenfassung", "Abstract:"])
def test_a_block_titled_abstract_in_any_language_has_no_section_heading(title: str) -> None:
    record = extract("https://journals.example.org/doi/10.5555/abc", page(f'<div class="abstract"><h3>{title}</h3><p>{TEXT}</p></div>'))
    assert [(s.heading, s.text) for s in record.abstract_sections] == [(None, TEXT)]


@pytest.mark.parametrize(
    "boxes",
    [
        # Silverchair names its widgets after the page's view: boxes of the header and the citation.
        '<div class="widget-ArticleTopInfo widget-instance-ArticleTopInfo_Abstract"><p>{cite}</p></div>'
        '<div class="info-card-author authorInfo_ArticleTopInfo_Abstract"><p>{aff}</p></div>',
        # A reference's or a recommended article's abstract, in its list item.
        '<ol><li class="reference"><div class="reference__abstract"><p>{other}</p></div></li></ol>'
        '<ul><li class="card"><div class="card__abstract"><p>{other}</p></div></li></ul>',
    ],
)
def test_blocks_about_something_else_are_not_the_abstract(boxes: str) -> None:
    cite = "Ann Author, Bo Writer; A study of measurement. J Meas 1997; 9 (8): 1735-1780. doi: 10.5555/abc"
    aff = "Faculty of Informatics, Technical University of Munich, 80290 Munich, Germany. Search for other works."
    other = "Another article's abstract, long enough to be taken for this one's if it were read as such."
    body = page(boxes.format(cite=cite, aff=aff, other=other))
    assert extract("https://journals.example.org/doi/10.5555/abc", body).abstract is None


@pytest.mark.parametrize(
    "citation",
    [
        "(1997). A study of measurement. Journal of Measurement: Vol. 9, No. 8, pp. 1735-1780.",
        "Ann Author, Bo Writer; A study of measurement. J Meas 1997; 9 (8): 1735-1780. doi: 10.5555/abc.",
    ],
)
def test_a_description_that_is_the_citation_is_not_the_abstract(citation: str) -> None:
    assert extract("https://journals.example.org/doi/10.5555/abc", described(citation, "A study of measurement")).abstract is None


def test_a_description_naming_the_title_without_a_citation_is_the_abstract() -> None:
    text = "We revisit a study of measurement and find that the thing measured twice is the same."
    assert extract("https://journals.example.org/doi/10.5555/abc", described(text, "A study of measurement")).abstract == text


def test_a_description_written_twice_is_read_once() -> None:
    text = "Measurements of a thing, repeated, agree within their errors."
    body = described(f"{text}  {text}", "Measurements of a thing")
    assert extract("https://journals.example.org/doi/10.5555/abc", body).abstract == text
