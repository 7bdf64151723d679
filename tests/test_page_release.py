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


def test_a_read_page_is_a_cycle_until_released() -> None:
    gc.disable()
    try:
        page = _page()
        record = to_record(page)
        assert record.status == "article" and record.title
        kept = weakref.ref(page)
        del page
        assert kept() is not None  # web-poet's cached methods: only the collector would free it

        page = _page()
        to_record(page)
        released = weakref.ref(page)
        page.release()
        del page
        assert released() is None
    finally:
        gc.enable()
        gc.collect()


def test_a_released_page_reads_again() -> None:
    page = _page()
    first = to_record(page)
    page.release()
    assert to_record(page) == first
