"""Sites print the journal's ISSNs in the page footer (Literatum sites, APS,
eLife): every page object reads them there when the metadata has none."""

from __future__ import annotations

import pytest

from spiders.pages import extract, make_response
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
        # APS: one label, both ISSNs, each with its medium.
        (b'<footer><div class="legal">ISSN 1539-0756 (online), 0034-6861 (print). <div>\xc2\xa92025</div></div></footer>',
         ["1539-0756", "0034-6861"]),
        (b"<footer>ISSN 2160-3308 (online). Phone 1234-5678</footer>", ["2160-3308"]),
        (b"<footer><small>\xc2\xa9 2019 eLife Sciences. ISSN:&nbsp;2050-084X</small></footer>", ["2050-084X"]),
        # "ISSN" inside a word is no label; "E-ISSN" is.
        (b"<footer>CODEISSN 1234-5678 and E-ISSN 2345-6789</footer>", ["2345-6789"]),
    ],
)
def test_footer_issns(footer: bytes, expected: list[str]) -> None:
    assert _issns(footer + b"</body></html>") == expected


@pytest.mark.parametrize(
    ("url", "journal", "platform"),
    [
        ("https://journals.aps.org/rmp/abstract/10.1103/RevModPhys.94.045004", "Reviews of Modern Physics", "aps"),
        ("https://elifesciences.org/articles/44753", "eLife", "elife"),
        ("https://journal.example.org/article/1", "Journal of Things", "generic"),
    ],
)
def test_every_page_object_reads_the_footer_when_the_metadata_names_no_issn(url: str, journal: str, platform: str) -> None:
    body = (b'<html><head><meta name="citation_title" content="A title"><meta name="citation_doi" content="10.5555/x.1">'
            b'<meta name="citation_journal_title" content="' + journal.encode() + b'"></head><body><h1>A title</h1>'
            b'<footer><div class="legal">ISSN 1539-0756 (online), 0034-6861 (print).</div></footer></body></html>')
    record = extract(url, body)
    assert (record.platform, record.issns) == (platform, ["1539-0756", "0034-6861"])
    with_meta = body.replace(b"</head>", b'<meta name="citation_issn" content="0034-6861"></head>')
    assert extract(url, with_meta).issns == ["0034-6861"]  # the metadata's word is taken
