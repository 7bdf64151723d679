"""Page objects, one per publisher platform, and the function that picks one.

`extract(url, body, headers)` is the whole extraction API: pure, no network,
never raises on bad HTML.  A platform is chosen by host first, then by
markup (Atypon sites on their own domains look like Atypon), and the generic
page object takes everything else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from web_poet import HttpResponse, HttpResponseHeaders

from spiders.items import ArticleRecord
from spiders.pages.base import ArticlePage
from spiders.pages.tandf import TandfArticlePage

logger = logging.getLogger(__name__)

# Ordered: the first whose `matches` says yes reads the page.
PAGE_CLASSES: tuple[type[ArticlePage], ...] = (TandfArticlePage,)


def page_class_for(response: HttpResponse) -> type[ArticlePage]:
    host = (urlsplit(str(response.url)).hostname or "").lower()
    for cls in PAGE_CLASSES:
        if cls.matches_host(host):
            return cls
    for cls in PAGE_CLASSES:
        if cls.matches_markup(response):
            return cls
    return ArticlePage


def make_response(
    url: str,
    body: bytes,
    headers: Mapping[str, str | bytes] | None = None,
    http_status: int = 200,
) -> HttpResponse:
    pairs: dict[str, str] = {}
    for key, value in (headers or {}).items():
        if isinstance(value, (list, tuple)):
            value = value[0] if value else b""
        k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        pairs[k] = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return HttpResponse(
        url=url, body=body, status=http_status, headers=HttpResponseHeaders.from_name_value_pairs(
            [{"name": k, "value": v} for k, v in pairs.items()]
        )
    )


def extract(
    url: str,
    body: bytes,
    headers: Mapping[str, str | bytes] | None = None,
    http_status: int = 200,
) -> ArticleRecord:
    """The record of one landing page.  Bytes are decoded by the HTTP header's
    charset, else the page's meta charset, else sniffed (w3lib)."""
    response = make_response(url, body, headers, http_status)
    page = page_class_for(response)(response=response)
    return to_record(page)


def to_record(page: ArticlePage) -> ArticleRecord:
    item = page.to_item()
    if asyncio.iscoroutine(item):
        item = _run(item)
    return item


def _run(coro):  # type: ignore[no-untyped-def]
    # to_item() is a coroutine in web-poet, but our fields are synchronous:
    # drive it by hand instead of paying for an event loop per page.
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    return asyncio.run(coro)  # pragma: no cover - only if a field awaits
