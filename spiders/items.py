"""The record contract: what paperwall extracts from one landing page.

`docs/record.md` documents every key; `ArticleRecord.to_dict()` is the JSON
printed by `paperwall extract` and the input of `storage`.  A value the page
does not show is ``None`` (or ``[]`` / ``{}``); it is never guessed.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

Status = Literal["article", "challenge", "login", "not_found", "not_article"]
Access = Literal["open", "paywalled", "unknown"]
OfferKind = Literal["article", "issue", "tokens", "subscription", "other"]
RelatedList = Literal["people_also_read", "recommended", "cited_by", "similar"]

STATUSES: tuple[str, ...] = ("article", "challenge", "login", "not_found", "not_article")
OFFER_KINDS: tuple[str, ...] = ("article", "issue", "tokens", "subscription", "other")
RELATED_LISTS: tuple[str, ...] = ("people_also_read", "recommended", "cited_by", "similar")


@attrs.define
class Author:
    name: str
    given: str | None = None
    family: str | None = None
    affiliations: list[str] = attrs.Factory(list)
    orcid: str | None = None


@attrs.define
class AbstractSection:
    heading: str | None
    text: str


@attrs.define
class Offer:
    label: str
    kind: str
    price: str | None  # decimal string, "99.00": never a float
    currency: str | None  # ISO 4217
    period: str | None = None  # ISO 8601 duration of access: "PT48H", "P30D"
    details: list[str] = attrs.Factory(list)
    tax_note: str | None = None


@attrs.define
class Metrics:
    views: int | None = None
    citations: int | None = None
    altmetric: int | None = None
    downloads: int | None = None


@attrs.define
class RelatedLink:
    list: str
    rank: int
    title: str
    url: str | None = None
    doi: str | None = None


@attrs.define
class ArticleRecord:
    url: str
    platform: str
    status: str
    doi: str | None = None
    title: str | None = None
    authors: list[Author] = attrs.Factory(list)
    journal: str | None = None
    publisher: str | None = None
    issns: list[str] = attrs.Factory(list)
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    published: str | None = None  # "YYYY-MM-DD", first online publication
    article_type: str | None = None
    abstract: str | None = None
    abstract_sections: list[AbstractSection] = attrs.Factory(list)
    keywords: list[str] = attrs.Factory(list)
    access: str = "unknown"
    offers: list[Offer] = attrs.Factory(list)
    metrics: Metrics = attrs.Factory(Metrics)
    related: list[RelatedLink] = attrs.Factory(list)
    related_counts: dict[str, int] = attrs.Factory(dict)
    related_pending: list[str] = attrs.Factory(list)
    # What the extractor could not read cleanly ("offer price 'USD 5O.00' unreadable").
    warnings: list[str] = attrs.Factory(list)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, recurse=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArticleRecord:
        """Rebuild a record from its JSON form (as printed by `paperwall extract`)."""
        d = dict(data)
        d["authors"] = [Author(**a) for a in d.get("authors") or []]
        d["abstract_sections"] = [AbstractSection(**s) for s in d.get("abstract_sections") or []]
        d["offers"] = [Offer(**o) for o in d.get("offers") or []]
        d["metrics"] = Metrics(**(d.get("metrics") or {}))
        d["related"] = [RelatedLink(**r) for r in d.get("related") or []]
        known = {a.name for a in attrs.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@attrs.define
class FetchResult:
    """One request's outcome, as the spider hands it to the storage pipeline.

    ``record`` is None when no page could be read (network error, HTTP error
    page that was not classified); ``error`` then says why.
    """

    url: str  # the URL asked for (target), before redirects
    final_url: str | None
    http_status: int | None
    fetched_at: str  # ISO 8601 UTC timestamp
    elapsed_ms: float | None = None
    bytes: int | None = None
    content_hash: str | None = None  # sha256 of the body
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    record: ArticleRecord | None = None
    run_id: int | None = None
    target: str | None = None  # the DOI or URL the target list names, when known

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, recurse=True)
