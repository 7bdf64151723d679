"""Literatum sites print the journal's ISSNs in the page footer; the Atypon
page object reads them there when the metadata has none."""

from __future__ import annotations

import pytest

from spiders.pages import make_response
from spiders.pages.atypon import AtyponArticlePage

HEAD = b'<html><head><meta name="dc.Title" content="A title"><meta name="dc.Identifier" scheme="doi" content="10.1234/x.1"></head><body><h1>A title</h1>'


def _issns(body: bytes) -> list[str]:
    page = AtyponArticlePage(response=make_response("https://journals.example.org/doi/10.1234/x.1", HEAD + body))
    return page.issns


@pytest.mark.parametrize(
    ("footer", "expected"),
    [
        (b'<footer><ul><li><span>ISSN: 1387-2877</span></li><li><span>Online ISSN: 1875-8908</span></li></ul></footer>',
         ["1387-2877", "1875-8908"]),
        (b"<footer><p>Copyright \xc2\xa9 2026. All rights reserved. | Online ISSN 1091-6490</p></footer>", ["1091-6490"]),
        (b"<footer><p>CHORUS, CLOCKSS, CrossRef and COUNTER. <i>Science Advances</i> eISSN\n 2375-2548.</p></footer>",
         ["2375-2548"]),
        # Three journals: the footer does not say which one this article is in.
        (b"<footer>A ISSN 1111-1111, B ISSN 2222-2222, C ISSN 3333-3333</footer>", []),
        # A related article card's footer is about that article's journal.
        (b"<ul><li><article><footer>ISSN 1111-1111</footer></article></li></ul>", []),
        (b"<footer>Contact us</footer>", []),
    ],
)
def test_footer_issns(footer: bytes, expected: list[str]) -> None:
    assert _issns(footer + b"</body></html>") == expected
