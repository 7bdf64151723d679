"""Annual Reviews' "Related Articles" tab: an empty pane is a list its script
fills (pending).  The pane is looked for beside the tabs first, then anywhere
in the page."""

from __future__ import annotations

import pytest

from spiders.pages import extract

HEAD = (
    '<html><head><meta name="dc.Title" content="A review"><meta name="dc.Identifier" scheme="doi" '
    'content="10.1146/annurev-x-1"></head><body><h1 class="article-title">A review</h1>'
)
TABS = '<div class="ar-media-tabs"><ul><li id="related-reviews-tab"><a href="#">Related Articles</a></li></ul></div>'


@pytest.mark.parametrize(
    ("body", "pending"),
    [
        # Beside the tabs, empty: its script fills it.
        (f'<div class="ar-media">{TABS}<div class="ar-media-content"><div id="related-reviews-content"></div></div></div>',
         ["similar"]),
        # Elsewhere in the page.
        (f'<div class="ar-media">{TABS}</div><aside><div id="related-reviews-content"></div></aside>', ["similar"]),
        # Shown: nothing is pending.
        (f'<div class="ar-media">{TABS}<div id="related-reviews-content"><a href="/doi/10.1146/y">Another review</a>'
         "</div></div>", []),
        # No pane at all: nothing to wait for.
        (f'<div class="ar-media">{TABS}</div>', []),
    ],
)
def test_related_articles_tab(body: str, pending: list[str]) -> None:
    record = extract("https://www.annualreviews.org/doi/10.1146/annurev-x-1", (HEAD + body + "</body></html>").encode())
    assert record.platform == "annualreviews"
    assert record.related_pending == pending
