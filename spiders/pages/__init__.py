"""Page objects, one per publisher platform, and the function that picks one.

`extract(url, body, headers)` is the whole extraction API: pure, no network,
never raises on bad HTML.  A platform is chosen by host first, then by
markup (Atypon sites on their own domains look like Atypon), and the generic
page object takes everything else.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from web_poet import HttpResponse, HttpResponseHeaders
from web_poet.fields import get_fields_dict

from spiders.items import ArticleRecord
from spiders.pages.base import ArticlePage, field_reader, spells_ids

logger = logging.getLogger(__name__)

# One module per platform family, each listing its page objects in
# `PAGE_OBJECTS`.  Order matters: the first page object whose host (then
# whose markup) matches reads the page; ArticlePage takes the rest.
PLATFORM_MODULES = (
    "tandf",
    "atypon",
    "springer",
    "wiley",
    "sciencedirect",
    "silverchair",
    "others",
)


def _load_page_classes() -> tuple[type[ArticlePage], ...]:
    classes: list[type[ArticlePage]] = []
    for name in PLATFORM_MODULES:
        try:
            module = importlib.import_module(f"spiders.pages.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"spiders.pages.{name}":
                raise
            continue  # a platform module not written yet
        classes.extend(module.PAGE_OBJECTS)
    return tuple(classes)


PAGE_CLASSES: tuple[type[ArticlePage], ...] = _load_page_classes()


# Page-independent readings of ArticlePage, safe to hand to a subclass.
_SHARED_CACHES = (
    "sel", "_tagged", "meta_pairs", "meta", "jsonld_scripts", "jsonld", "scholarly", "_id_index",
    "_ids_collected", "_ascii_body",
)


def page_for(response: HttpResponse) -> ArticlePage:
    """The page object that reads this response: by host first, then by
    markup.  The page is parsed once, whichever object ends up reading it."""
    by_host = _class_for_host((urlsplit(str(response.url)).hostname or "").lower())
    if by_host is not None:
        return by_host(response=response)
    generic = ArticlePage(response=response)
    for cls in PAGE_CLASSES:
        if cls.matches_markup(generic):
            page = cls(response=response)
            # Reuse what the generic object already read (cached_property slots);
            # class-specific indexes are rebuilt for the platform's own markers.
            for name in _SHARED_CACHES:
                if name in generic.__dict__:
                    page.__dict__[name] = generic.__dict__[name]
            if "_ids_spelled" in generic.__dict__:
                # The generic object looked for none of this class's ids: a
                # body that spells one is searched by `by_id`'s walk (the
                # tree has no id table), not answered "absent".
                page.__dict__["_ids_spelled"] = spells_ids(cls, response.body)
            return page
    return generic


@functools.lru_cache(maxsize=4096)
def _class_for_host(host: str) -> type[ArticlePage] | None:
    """The page object of a publisher's host, if it has one: the same few
    hosts come back page after page."""
    return next((cls for cls in PAGE_CLASSES if cls.matches_host(host)), None)


def page_class_for(response: HttpResponse) -> type[ArticlePage]:
    return type(page_for(response))


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
    page = page_for(make_response(url, body, headers, http_status))
    try:
        return to_record(page)
    finally:
        page.release()


@functools.cache
def _readers(cls: type[ArticlePage]) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """(field name, function behind it) of a page class, `warnings` left out."""
    return tuple((name, field_reader(cls, name)) for name in get_fields_dict(cls) if name != "warnings")


def to_record(page: ArticlePage) -> ArticleRecord:
    """Every field of the page object, `warnings` last (it reports the others).

    What web-poet's `to_item()` returns, read directly: `to_item` is a
    coroutine, and our fields are synchronous."""
    state = page.__dict__
    values = {}
    for name, reader in _readers(type(page)):
        if name in state:  # read already, by another field
            values[name] = state[name]
        else:
            values[name] = reader(page) if reader is not None else getattr(page, name)
    page.__dict__["_fields_read"] = True
    values["warnings"] = page.warnings
    return ArticleRecord(**values)
