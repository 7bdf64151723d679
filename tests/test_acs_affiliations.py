"""ACS pages tie authors to affiliations by marks (†, ‡, §).  A mark without
its affiliation block leaves that author's list empty, with a warning: an
incomplete list would read as complete.  The other authors keep theirs."""

from __future__ import annotations

import json
from pathlib import Path

from spiders.pages import extract

CASE = Path(__file__).parent / "fixtures" / "spiders.pages.atypon.AcsArticlePage" / "acs-2019-cited" / "inputs"
THIRD = (
    b'<li><span class="hlFld-ContribAuthor"><a href="/action/doSearch?field1=Contrib&amp;text1=Ana++Lima">Ana Lima</a>'
    b'<span class="author-xref-symbol author-aff-symbol"><sup>\xc2\xa7</sup></span></span></li>\n </ul>'
)


def test_an_unmatched_mark_empties_only_that_authors_affiliations() -> None:
    body = (CASE / "HttpResponse-body.html").read_bytes()
    url = json.loads((CASE / "HttpResponse-info.json").read_text())["url"]
    assert body.count(b"</ul>") >= 1 and b"Ana Lima" not in body
    first_list_end = body.index(b"</ul>", body.index(b'class="loa'))
    record = extract(url, body[:first_list_end] + THIRD + body[first_list_end + len(b"</ul>"):])
    assert [(a.name, a.affiliations) for a in record.authors] == [
        ("Priya Sharma", ["Department of Chemistry, Example University, Mumbai 400076, India"]),
        ("Tom J. Baker", ["School of Physics, Example College, Bristol BS8 1TL, U.K."]),
        ("Ana Lima", []),
    ]
    assert any("Ana Lima" in w and "affiliation" in w for w in record.warnings)
