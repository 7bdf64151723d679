"""A page object let go of frees its tree at once, not at the next garbage collection."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from spiders.pages import make_response, page_for, to_record

FIXTURES = Path(__file__).parent / "fixtures" / "spiders.pages.tandf.TandfArticlePage"


def _page():
    case = sorted(p for p in FIXTURES.iterdir() if p.is_dir())[0]
    body = (case / "inputs" / "HttpResponse-body.html").read_bytes()
    return page_for(make_response("https://www.tandfonline.com/doi/full/10.1080/00000000.2024.0000001", body))


def test_a_read_page_is_freed_as_soon_as_it_is_dropped() -> None:
    # No reference cycle (web-poet's per-page cached `_validate_input` made
    # one): with the collector off, dropping the page frees it, tree and all.
    gc.disable()
    try:
        page = _page()
        record = to_record(page)
        assert record.status == "article" and record.title
        kept = weakref.ref(page)
        del page
        assert kept() is None
    finally:
        gc.enable()
        gc.collect()


def test_release_drops_the_tree_of_a_page_still_held() -> None:
    page = _page()
    to_record(page)
    assert "sel" in page.__dict__ and "_class_index" in page.__dict__
    page.release()
    assert set(page.__dict__) == {"response"}


def test_a_released_page_reads_again() -> None:
    page = _page()
    first = to_record(page)
    page.release()
    assert to_record(page) == first
