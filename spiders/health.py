"""Which fields an article page gave.

The one definition behind both selector-health views: `paperwall
check-corpus` counts it over saved pages, and every crawled article page's
`fetches` row keeps it (`fields`), so `paperwall health` can show a field
that stopped coming across a platform's recent crawls.  Storage never lets
a page that shows nothing blank a stored value (docs/schema.md), so without
this a publisher's redesign that breaks a selector would leave the last
price standing, unnoticed.
"""

from __future__ import annotations

from spiders.items import ArticleRecord

# Every record key that says something about the article (url, platform and
# status always have a value; warnings are counted apart), plus derived
# checks: an author with affiliations, an ORCID, an offer with a price,
# an abstract with headed sections.
CHECKED_FIELDS = (
    "doi", "title", "authors", "affiliations", "orcid", "journal", "publisher", "issns", "volume", "issue",
    "first_page", "last_page", "published", "article_type", "abstract", "abstract_sections", "keywords",
    "access", "offers", "prices", "views", "citations", "altmetric", "downloads", "related",
    "related_counts", "related_pending",
)
METRIC_FIELDS = ("views", "citations", "altmetric", "downloads")
LABELS = {
    "abstract_sections": "structured abs.",
    "related_pending": "related pending",
    "related_counts": "related counts",
}


def gave(record: ArticleRecord, name: str) -> bool:
    """Whether the page gave field `name` (one of CHECKED_FIELDS)."""
    if name in METRIC_FIELDS:
        return getattr(record.metrics, name) is not None
    if name == "affiliations":
        return any(a.affiliations for a in record.authors)
    if name == "orcid":
        return any(a.orcid for a in record.authors)
    if name == "prices":
        return any(o.price for o in record.offers)
    if name == "abstract_sections":
        return any(s.heading for s in record.abstract_sections)
    if name == "access":
        return record.access != "unknown"
    return getattr(record, name) not in (None, [], {}, "")


def fields_given(record: ArticleRecord) -> list[str]:
    """The CHECKED_FIELDS the page gave, in that order."""
    return [name for name in CHECKED_FIELDS if gave(record, name)]
