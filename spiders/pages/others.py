"""Small page objects for platforms whose pages show a little more than
their embedded metadata: Cambridge Core, JSTOR, MDPI, PLOS, IOPscience,
eLife, Emerald Insight, RSC Publishing, Project Euclid, APS (Physical
Review journals) and PeerJ.

Each one reads the bibliographic fields from the metadata (`super()`) and
adds what only the markup shows: the first online date, the displayed type,
affiliations, structured abstracts, open-access marks, metrics with exact
numbers, related lists and their counts.

The APS and PeerJ page objects were written without a sample page of either
site: they read only what is anchored in the text a reader sees (an
"Abstract" heading, "Published <date>" next to the article's own citation or
"Received" date, "Citing Articles (N)", a number next to its "Views" label)
and leave a field to the metadata, or null, when that text is not there.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from spiders.items import AbstractSection, Author, Metrics, Offer, RelatedLink
from spiders.pages.base import (
    ORCID_HREFS,
    ArticlePage,
    article_field,
    cached_property,
    class_words,
    names_a_page,
    split_labelled_sections,
    without_tracking,
    xpath,
)
from spiders.pages.text import (
    clean,
    parse_count,
    parse_date,
    parse_doi,
    parse_issn,
    parse_orcid,
    parse_price,
    split_pages,
    tidy_punctuation,
)


# Embedded titles a page's own heading does not overrule.
_EMBEDDED_TITLES = ("citation_title", "dc.title", "prism.title")
_FOOTNOTE_LINK = "self::a[starts-with(@href, '#')]"


class _PlatformPage(ArticlePage):
    """Host and markup matching shared by the page objects of this module."""

    hosts: tuple[str, ...] = ()
    site_names: tuple[str, ...] = ()
    publishers: tuple[str, ...] = ()

    @classmethod
    def matches_host(cls, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in cls.hosts)

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        site = page.first_meta(("og:site_name",))
        if site and site in cls.site_names:
            return True
        publisher = page.first_meta(("citation_publisher", "dc.publisher"))
        return bool(publisher and publisher in cls.publishers)

    def _labelled_date(self, text: str) -> str | None:
        """The date of a "Published 15 April 2019" line (`_shown_published`);
        a warning when the label is there and its date unreadable."""
        m = _PUBLISHED_LABEL.match(text)
        date = parse_date(m[1]) if m else None
        if date is None:
            self._warn(f"published: unreadable date {text!r}")
        return date

    @staticmethod
    def is_title_h1(h1: Any) -> bool:
        """True for the <h1> that holds the article's title in this
        platform's template: it says an article page, and gives the title,
        when the embedded metadata is gone (a body-only copy)."""
        return False

    def _title_h1(self) -> Any:
        return next((h1 for h1 in self._tagged["h1"] if self.is_title_h1(h1)), None)

    def has_article_markup(self) -> bool:
        return self._title_h1() is not None

    @article_field()
    def title(self) -> str | None:
        if not self.first_meta(_EMBEDDED_TITLES):
            heading = self._title_h1()
            # Without the footnote marks a title may carry ("…toluene<a href="#fn1">†</a>").
            text = self.text_of(heading, exclude=_FOOTNOTE_LINK) if heading is not None else None
            if text:
                return text
        return super().title

    def _names_from_meta(self, shown: list[str]) -> list[Author]:
        """Authors named as the page shows them, with given and family names
        from the embedded "Family, Given" authors when both lists agree."""
        embedded = self._highwire_authors()
        authors = []
        for i, name in enumerate(shown):
            author = Author(name=name)
            source = embedded[i] if len(embedded) == len(shown) else None
            if source and source.family and source.given and name.endswith(source.family):
                author.family = source.family
                author.given = clean(name[: -len(source.family)]) or source.given
            authors.append(author)
        return authors


# --- Cambridge Core ---------------------------------------------------------------


class _CitedByCounted(_PlatformPage):
    """A platform whose only citation count is its "Cited by N" heading
    (Cambridge "Cited by 1", JSTOR "Cited by (76)"): that count is the
    citations metric too, as T&F, Wiley and ScienceDirect give it."""

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        metrics = super().metrics
        if metrics.citations is None:
            metrics.citations = self.related_counts.get("cited_by")
        return metrics


class CambridgeArticlePage(_CitedByCounted):
    """Cambridge Core: "Published online by Cambridge University Press: <date>",
    the "Information" list (Type), author details (affiliations) and the
    Crossref "Cited by" list printed in the product-citations modal."""

    platform_name = "cambridge"
    hosts = ("cambridge.org",)
    site_names = ("Cambridge Core",)
    doi_boxes = ("doi-data",)
    class_markers = (
        "published-date", "authors-details", "article-details", "abstract", "abstract-content",
        "cited-by__number", "citation-count", "reference-display", "get-access-link", "access-options",
        "cited-by-modal", "open-access", "keywords", "doi-data", "content__journal", "contributor-type__contributor",
    )

    @staticmethod
    def is_title_h1(h1: Any) -> bool:
        return h1.getparent() is not None and h1.getparent().tag == "hgroup"  # <hgroup><h1>

    @cached_property
    def _citation(self) -> dict[str, str | None]:
        # The "Information" list's journal line: "<a>Journal</a> <span>, <a>Volume 20</a></span>
        # <span>, <a>Issue 4</a></span> <span>, December 2024</span> <span>, pp. 449 - 462</span>"
        # (a themed issue: "Special Issue 4: <theme>").
        for box in self.by_class("content__journal")[:1]:
            cited: dict[str, str | None] = {"journal": self.text_of(next(box.iterchildren("a"), None))}
            for span in box.iterchildren("span"):
                text = (self.text_of(span) or "").lstrip(", ")
                for key, shape in _CAMBRIDGE_CITED:
                    m = shape.match(text)
                    if m and key not in cited:
                        cited[key] = m[1]
                        if key == "first":
                            cited["last"] = m[2]
            return cited
        return {}

    @cached_property
    def _author_details(self) -> dict[str, list[str]]:
        """Name -> affiliations, from the "Show author details" list, in its order."""
        details: dict[str, list[str]] = {}
        for box in self.by_class("authors-details")[:1]:
            for row in box.iter("div"):
                if "author" not in class_words(row):
                    continue
                name = clean((self.text_of(_DT(row)[:1]) or "").rstrip("*† "))
                affs = [self.text_of(s) for s in _CAMBRIDGE_AFF(row)]
                if name:
                    details[name] = [a for a in map(tidy_punctuation, affs) if a]
        return details

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        authors = super().authors
        details = self._author_details
        if not authors:  # no embedded names (a body-only copy): the author details, in their order
            orcids = self._contributor_orcids()
            authors = [Author(name=name, orcid=orcids.get(name)) for name in details]
        for author in authors:
            if not author.affiliations and author.name in details:
                author.affiliations = list(details[author.name])
        return authors

    def _contributor_orcids(self) -> dict[str, str]:
        """Name -> ORCID iD of the names under the title, each printed with its
        ORCID link in one `contributor-type__contributor` box."""
        orcids: dict[str, str] = {}
        for box in self.by_class("contributor-type__contributor"):
            name = next((self.text_of(a) for a in box.iterchildren("a") if "orcid.org" not in (a.get("href") or "")), None)
            orcid = parse_orcid(" ".join(ORCID_HREFS(box)))
            if name and orcid:
                orcids.setdefault(name, orcid)
        return orcids

    @article_field()
    def published(self) -> str | None:
        for box in self.by_class("published-date")[:1]:
            text = self.text_of(box) or ""
            if "published online" in text.lower():
                date = parse_date(text.split(":", 1)[-1])
                if date:
                    return date
                self._warn(f"published: unreadable date {text!r}")
        return super().published

    def _detail(self, title: str) -> Any:
        for box in self.by_class("article-details")[:1]:
            for dt in box.iter("dt"):
                if (self.text_of(dt) or "").lower() == title:
                    dd = dt.getnext()
                    while dd is not None and dd.tag != "dd":
                        dd = dd.getnext()
                    return dd
        return None

    @article_field()
    def article_type(self) -> str | None:
        dd = self._detail("type")
        return (self.text_of(dd) if dd is not None else None) or super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        for block in self.by_class("abstract"):
            if block.tag == "div":
                sections = _flat_split(self.sections_of(block))
                if sections:
                    return sections
        return super().abstract_sections

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        dd = self._detail("keywords")
        if dd is not None:
            words = [self.text_of(a) for a in dd.iter("a", "span") if not len(a)]
            words = [w.rstrip(",;") for w in words if w]
            if words:
                return list(dict.fromkeys(words))
        return super().keywords

    @article_field(empty="unknown")
    def access(self) -> str:
        if any("open access" in (self.text_of(e) or "").lower() for e in self.by_class("open-access")):
            return "open"
        if self.by_class("get-access-link") or self.by_class("access-options"):
            return "paywalled"
        return super().access

    @cached_property
    def _cited_items(self) -> list[tuple[str | None, str | None]]:
        items = []
        for ref in self.by_class("reference-display"):
            italic = ref.find(".//i")
            title = self.text_of(italic) if italic is not None else None
            links = ref.getnext()
            url = None
            if links is not None and links.tag == "ul":
                hrefs = [a.get("href") for a in links.iter("a") if "doi.org/" in (a.get("href") or "")]
                url = hrefs[0] if hrefs else None
            items.append((title, url))
        return items

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        links: list[RelatedLink] = []
        for title, url in self._cited_items:
            if not title:
                self._warn("related: a citing publication without a title")
                continue
            links.append(RelatedLink(list="cited_by", rank=len(links) + 1, title=title, url=url, doi=parse_doi(url)))
        return links

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        for el in self.by_class("cited-by__number") + self.by_class("citation-count"):
            count = parse_count(self.text_of(el))
            if count is not None:
                return {"cited_by": count}
        return {}

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        # The newer "Cited by" modal loads its list by script ("Loading...").
        if self.related_counts.get("cited_by") and not self._cited_items:
            return ["cited_by"]
        return []


# --- JSTOR --------------------------------------------------------------------------


class JstorArticlePage(_CitedByCounted):
    """JSTOR stable pages: no Highwire metadata, often no DOI (the stable URL
    identifies the item; a DOI is reported only when the stable path is one,
    "/stable/10.1086/674196").  The header shows type, title, authors and
    "Journal, Vol. 16, No. 6 (Dec., 2007), pp. 351-355"; "Cited by (76)"
    lists citing items on JSTOR."""

    platform_name = "jstor"
    hosts = ("jstor.org",)
    site_names = ("JSTOR",)
    class_markers = (
        "item-title-heading", "item-authors", "header-metadata__source-info", "src", "publisher-logo",
        "content-type", "header-metadata__item-badges", "abstract", "citations", "accordion__heading",
    )

    def has_article_markup(self) -> bool:
        return bool(self.by_class("item-title-heading"))

    @article_field()
    def doi(self) -> str | None:
        path = urlsplit(self.url).path
        if path.startswith("/stable/10."):
            return parse_doi(path[len("/stable/"):])
        return super().doi

    @article_field()
    def title(self) -> str | None:
        return self.text_of(self.by_class("item-title-heading")[:1]) or super().title

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        names = []
        for box in self.by_class("item-authors")[:1]:
            for el in box:
                if isinstance(el.tag, str) and el.get("href") is not None:
                    name = self.text_of(el)
                    if name:
                        names.append(name)
        return self._names_from_meta(names) if names else super().authors

    @cached_property
    def _source(self) -> dict[str, str | None]:
        """", Vol. 16, No. 6 (Dec., 2007), pp. 351-355 (5 pages)"."""
        text = self.text_of(self.by_class("src")[:1]) or ""
        vol = re.search(r"\bVol\. ([\w-]+)", text)
        num = re.search(r"\bNo\. ([\w/-]+)", text)
        pages = re.search(r"\bpp?\. ([\w]+(?:\s*-\s*[\w]+)?)", text)
        first, last = split_pages(pages.group(1)) if pages else (None, None)
        date = re.search(r"\(([^()]*\d{4})\)", text)
        return {
            "volume": vol.group(1) if vol else None,
            "issue": num.group(1) if num else None,
            "first_page": first,
            "last_page": last,
            "date": date.group(1) if date else None,
        }

    @article_field()
    def journal(self) -> str | None:
        for box in self.by_class("header-metadata__source-info")[:1]:
            cite = box.find(".//cite")
            if cite is not None:
                return self.text_of(cite)
        return super().journal

    @article_field()
    def publisher(self) -> str | None:
        for logo in self.by_class("publisher-logo")[:1]:
            alt = clean(re.sub(r"^Contribution from\s+", "", logo.get("alt") or ""))
            if alt:
                return alt
        return super().publisher

    @article_field()
    def volume(self) -> str | None:
        return self._source["volume"] or super().volume

    @article_field()
    def issue(self) -> str | None:
        return self._source["issue"] or super().issue

    @article_field()
    def first_page(self) -> str | None:
        return self._source["first_page"] or super().first_page

    @article_field()
    def last_page(self) -> str | None:
        return self._source["last_page"] or super().last_page

    @article_field()
    def published(self) -> str | None:
        # Only the issue date is shown ("Dec., 2007"): a full date or nothing.
        return parse_date(self._source["date"]) or super().published

    @article_field()
    def article_type(self) -> str | None:
        return self.text_of(self.by_class("content-type")[:1]) or super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        for block in self.by_class("abstract")[:1]:
            sections = _flat_split(self.sections_of(block)) or split_labelled_sections(self.text_of(block))
            if sections:
                return sections
        return super().abstract_sections

    @article_field(empty="unknown")
    def access(self) -> str:
        badges = " ".join(self.text_of(b) or "" for b in self.by_class("header-metadata__item-badges")).lower()
        if "open access" in badges or "free" in badges.split():
            return "open"
        return super().access

    def _cited_list(self) -> list[Any]:
        return [ul for ul in self.by_class("citations") if ul.tag == "ul"]

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        links: list[RelatedLink] = []
        for ul in self._cited_list()[:1]:
            for li in ul.iterchildren("li"):
                link = next((e for e in li.iter() if isinstance(e.tag, str) and e.get("href")), None)
                if link is None:
                    continue
                title, href = self.text_of(link), link.get("href")
                if not title or not names_a_page(href):
                    continue
                url = without_tracking(self.absolute(href))
                path = urlsplit(href.strip()).path
                doi = parse_doi(path[len("/stable/"):]) if path.startswith("/stable/10.") else None
                links.append(RelatedLink(list="cited_by", rank=len(links) + 1, title=title, url=url, doi=doi))
        return links

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        for heading in self.by_class("accordion__heading"):
            m = re.match(r"Cited by \((\d[\d,]*)\)$", self.text_of(heading) or "")
            if m:
                return {"cited_by": int(m.group(1).replace(",", ""))}
        return {}

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        return ["cited_by"] if self.related_counts and not self.related else []


# --- MDPI ------------------------------------------------------------------------------


class MdpiArticlePage(_PlatformPage):
    """MDPI: authors with numbered affiliations, "Published:" in the history
    line, the "Open Access" and type labels, "Article Views" and citation
    counters, and a "Recommended Articles" list loaded by script."""
    id_lookups = ("html-keywords", "framed_div_cited_count", "recommended-articles-modal")

    platform_name = "mdpi"
    hosts = ("mdpi.com",)
    site_names = ("MDPI",)
    doi_boxes = ("bib-identity",)
    class_markers = (
        "art-authors", "inlineblock", "profile-card-drop", "art-affiliations", "affiliation", "pubhistory",
        "articletype", "openaccess", "html-abstract", "html-p", "count-div", "altmetric-embed",
        "js-similarity-related-articles", "bib-identity", "breadcrumb__element",
    )

    @staticmethod
    def is_title_h1(h1: Any) -> bool:
        return h1.get("itemprop") == "name" and "title" in class_words(h1)  # <h1 class="title" itemprop="name">

    @cached_property
    def _citation(self) -> dict[str, str | None]:
        # "<em>Brain Sci.</em> <b>2025</b>, <em>15</em>(3), 264; https://doi.org/...": the
        # journal abbreviated (its name is the breadcrumb's), the article number for pages.
        cited = {"journal": self._breadcrumb_journal()}
        for box in self.by_class("bib-identity")[:1]:
            m = _MDPI_CITED.search(self.text_of(box) or "")
            if m:
                cited.update(volume=m[1], issue=m[2], first=m[3])
        return cited

    def _breadcrumb_journal(self) -> str | None:
        """The journal's name in the breadcrumb ("Journals > Brain Sciences >
        Volume 15 > Issue 3"): the element linking to the journal's home page,
        "/journal/<code>"."""
        for element in self.by_class("breadcrumb__element"):
            for link in element.iterchildren("a"):
                if _MDPI_JOURNAL_HOME.fullmatch(link.get("href") or ""):
                    return self.text_of(link)
        return None

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        boxes = self.by_class("art-authors")[:1]
        if not boxes:
            return super().authors
        affs: dict[str, str] = {}
        for box in self.by_class("art-affiliations")[:1]:
            for aff in box.iter("div"):
                if "affiliation" not in class_words(aff):
                    continue
                key = self.text_of(_MDPI_AFF_KEY(aff)[:1])
                name = self.text_of(_MDPI_AFF_NAME(aff)[:1])
                if key and name:
                    affs[key] = name
        names, blocks = [], []
        for span in boxes[0].iterchildren("span"):
            if "inlineblock" not in class_words(span):
                continue
            name = self.text_of(_MDPI_NAME(span)[:1])
            if name:
                names.append(name)
                blocks.append(span)
        authors = self._names_from_meta(names)
        for author, span in zip(authors, blocks):
            keys = [k.strip() for sup in span.iterchildren("sup") for k in (self.text_of(sup) or "").split(",")]
            author.affiliations = [affs[k] for k in keys if k in affs and k.isdigit()]
            author.orcid = parse_orcid(" ".join(ORCID_HREFS(span)))
        return authors or super().authors

    @article_field()
    def published(self) -> str | None:
        for box in self.by_class("pubhistory")[:1]:
            for span in box.iter("span"):
                text = self.text_of(span) or ""
                if text.startswith("Published:"):
                    date = parse_date(text.split(":", 1)[1])
                    if date:
                        return date
                    self._warn(f"published: unreadable date {text!r}")
        return super().published

    @article_field()
    def article_type(self) -> str | None:
        return self.text_of(self.by_class("articletype")[:1]) or super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        for block in self.by_class("html-abstract")[:1]:
            paras = [self.text_of(p) for p in block.iter() if "html-p" in class_words(p)]
            paras = [p for p in paras if p]
            if len(paras) == 1:
                return split_labelled_sections(paras[0])
            sections = _flat_split(self.sections_of(block))
            if sections:
                return sections
            if paras:
                return [AbstractSection(heading=None, text="\n\n".join(paras))]
        return super().abstract_sections

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        box = self.by_id("html-keywords")
        if box is not None:
            words = [self.text_of(a) for a in box.iter("a")]
            words = [w for w in words if w]
            if words:
                return list(dict.fromkeys(words))
        return super().keywords

    @article_field(empty="unknown")
    def access(self) -> str:
        if any("open access" in (self.text_of(e) or "").lower() for e in self.by_class("openaccess")):
            return "open"
        return super().access

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        metrics = Metrics()
        for div in self.by_class("count-div"):
            label = (self.text_of(_MDPI_COUNT_NAME(div)[:1]) or "").lower()
            raw = self.text_of(_MDPI_COUNT(div)[:1])
            key = "views" if "view" in label else "citations" if "citation" in label else "downloads" if "download" in label else None
            if not key or getattr(metrics, key) is not None or not raw:
                continue
            setattr(metrics, key, self.exact_count(label, raw))
        if metrics.citations is None:
            cited = self.by_id("framed_div_cited_count")
            if cited is not None and "no citations were found" in (self.text_of(cited) or "").lower():
                metrics.citations = 0
        metrics.altmetric = self.badge_altmetric()
        return metrics

    def _recommended_endpoint(self) -> str | None:
        modal = self.by_id("recommended-articles-modal")
        if modal is not None and not self.text_of(modal):
            return self.absolute(modal.get("data-url"))
        return None

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        if self.by_class("js-similarity-related-articles") or self._recommended_endpoint():
            return ["recommended"]
        return []

    def related_endpoints(self) -> dict[str, str]:
        url = self._recommended_endpoint()
        return {"recommended": url} if url else {}


# --- PLOS ------------------------------------------------------------------------------


class PlosArticlePage(_PlatformPage):
    """PLOS journals (journals.plos.org): the author list with affiliation
    tooltips, "Open Access", the type label, and the ALM signposts (views,
    citations, saves, shares) that a script fills ("Loading metrics")."""
    id_lookups = ("author-list", "almSignposts")

    platform_name = "plos"
    hosts = ("plos.org",)
    publishers = ("Public Library of Science", "PLOS")
    doi_boxes = ("date-doi",)  # li#artDoi
    class_markers = ("author-name", "author-info", "orcid", "license-short", "type-article", "abstract", "date-doi",
                     "articleinfo")

    @staticmethod
    def is_title_h1(h1: Any) -> bool:
        return h1.get("id") == "artTitle"  # the site's logo is an <h1> too

    @cached_property
    def _citation(self) -> dict[str, str | None]:
        # "Citation: Li Y, ... (2019) Title. PLoS ONE 14(4): e0213978." (the journal as
        # the citation style spells it: its name is the header logo's).
        cited = {"journal": self._logo_journal()}
        for box in self.by_class("articleinfo")[:1]:
            for para in box.iterchildren("p"):
                text = self.text_of(para) or ""
                m = _PLOS_CITED.search(text) if text.startswith("Citation:") else None
                if m:
                    cited.update(volume=m[1], issue=m[2], first=m[3])
                    return cited
        return cited

    def _logo_journal(self) -> str | None:
        """The journal's name as the site's header prints it, `<h1 class="logo">
        <a href="/plosone/.">PLOS ONE</a></h1>` (the citation's "PLoS ONE" is
        its abbreviation); not a name with abbreviating dots."""
        for h1 in self._tagged["h1"]:
            if "logo" in class_words(h1):
                name = self.text_of(next(h1.iter("a"), None))
                return name if name and "." not in name else None
        return None

    def _shown_published(self) -> str | None:
        """"Published: April 22, 2019" beside the DOI under the title."""
        for box in self.by_class("date-doi")[:1]:
            for li in box.iterchildren("li"):
                text = self.text_of(li) or ""
                if text.startswith("Published"):
                    return self._labelled_date(text)
        return None

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        author_list = self.by_id("author-list")
        if author_list is None:
            return super().authors
        authors: list[Author] = []
        for li in author_list.iterchildren("li"):
            link = _PLOS_NAME(li)
            name = clean((self.text_of(link[0], exclude="self::span") or "").rstrip(",") if link else None)
            if not name:
                continue
            affs: list[str] = []
            for p in _PLOS_AFFS(li):
                affs.extend(self._lines(p))
            orcid = parse_orcid(" ".join(ORCID_HREFS(li)))
            authors.append(Author(name=name, affiliations=affs, orcid=orcid))
        return authors or super().authors

    def _lines(self, para: Any) -> list[str]:
        """The paragraph's text after its `span.type` label, one line per `<br>`."""
        chunks, current = [], [para.text or ""]
        for child in para:
            if child.tag == "br":
                chunks.append(" ".join(current))
                current = []
            elif "type" not in class_words(child):
                current.append(" ".join(child.itertext()))
            current.append(child.tail or "")
        chunks.append(" ".join(current))
        lines = (clean((tidy_punctuation(c) or "").rstrip(",; ")) for c in chunks)
        return [line for line in lines if line]

    @article_field()
    def article_type(self) -> str | None:
        return self.text_of(self.by_class("type-article")[:1]) or super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        # PLOS prints "Abstract" and then "Author summary" as two blocks: the first is the abstract.
        for block in self.by_class("abstract"):
            heading = _FIRST_HEADING(block)
            if heading and (self.text_of(heading[0]) or "").lower() != "abstract":
                continue
            sections = _flat_split(self.sections_of(block))
            if sections:
                return sections
        return super().abstract_sections

    @article_field(empty="unknown")
    def access(self) -> str:
        if any("open access" in (self.text_of(e) or "").lower() for e in self.by_class("license-short")):
            return "open"
        return super().access

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        metrics = Metrics()
        box = self.by_id("almSignposts")
        if box is None:
            return metrics
        for li in box.iterchildren("li"):
            label = ((li.get("id") or "") + " " + (self.text_of(li) or "")).lower()
            key = next((k for w, k in _PLOS_SIGNPOSTS if w in label), None)
            if key is None or getattr(metrics, key) is not None:
                continue
            counts = [t for t in (clean(x) for x in li.itertext()) if t and _NUMBER.fullmatch(t)]
            if counts:
                value = parse_count(counts[0])
                if value is None:
                    self._warn(f"metrics: {key} {counts[0]!r} is not an exact number")
                setattr(metrics, key, value)
        return metrics


# --- IOPscience ------------------------------------------------------------------------


class IopArticlePage(_PlatformPage):
    """IOPscience: the "eyebrow" type ("Paper"), total downloads and
    citations next to the article, the turn-away panel ("Access this
    article") and the "You may also like" list."""

    platform_name = "iop"
    hosts = ("iopscience.iop.org",)
    publishers = ("IOP Publishing",)
    class_markers = (
        "wd-jnl-art-title", "wd-jnl-art-sur-title", "wd-jnl-art-abstract", "content-tools",
        "wd-jnl-art-total-dwnlds", "altmetric-embed", "turn-away__title", "turn-away__options",
        "wd-related-articles", "related-article-list", "open-access", "wd-open-access",
        "wd-jnl-art-breadcrumb-title", "wd-jnl-art-breadcrumb-vol", "wd-jnl-art-breadcrumb-issue",
        "wd-jnl-art-pub-date", "wd-jnl-art-author-affiliations",
    )

    @staticmethod
    def is_title_h1(h1: Any) -> bool:
        return "wd-jnl-art-title" in class_words(h1)

    @cached_property
    def _citation(self) -> dict[str, str | None]:
        # The breadcrumb: "Biomedical Materials, Volume 14, Number 3", then "<strong>Citation
        # </strong> ... 2019 <em>Biomed. Mater.</em> <b>14</b> 035018" (the article number).
        volume = _LAST_WORD.search(self.text_of(self.by_class("wd-jnl-art-breadcrumb-vol")[:1]) or "")
        issue = _LAST_WORD.search(self.text_of(self.by_class("wd-jnl-art-breadcrumb-issue")[:1]) or "")
        cited = self._labelled_lines.get("citation")
        bold = next(cited.iterchildren("b"), None) if cited is not None else None
        return {
            "journal": self.text_of(self.by_class("wd-jnl-art-breadcrumb-title")[:1]),
            "volume": volume[0] if volume else None,
            "issue": issue[0] if issue else None,
            "first": (bold.tail or "").split()[0] if bold is not None and (bold.tail or "").strip() else None,
        }

    @cached_property
    def _labelled_lines(self) -> dict[str, Any]:
        """The breadcrumb's `<span><strong>Citation</strong> ...</span>` and
        `<span><strong>DOI</strong> 10.1088/...</span>` lines, by label."""
        lines: dict[str, Any] = {}
        for crumb in self.by_class("wd-jnl-art-breadcrumb-vol")[:1]:
            for span in crumb.getparent().iterchildren("span") if crumb.getparent() is not None else ():
                label = next(span.iterchildren("strong"), None)
                if label is not None and label.text:
                    lines.setdefault(label.text.strip().lower(), span)
        return lines

    def _shown_doi(self) -> str | None:
        line = self._labelled_lines.get("doi")
        return parse_doi(self.text_of(line)) if line is not None else None

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        return super().matches_markup(page) and bool(_IOP_TITLE(page.sel.root))

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        return super().authors or self._shown_authors()

    def _shown_authors(self) -> list[Author]:
        """The names under the title, for a page without embedded authors:
        `<span itemprop="author"><span itemprop="name">A. Name</span><sup>3,1,2</sup>
        <a href="https://orcid.org/...">`, whose numbers are keys of the "Author
        affiliations" list (a number not in it, such as a correspondence note's,
        names no affiliation)."""
        heading = self._title_h1()
        if heading is None:
            return []
        affs: dict[str, str] = {}
        for box in self.by_class("wd-jnl-art-author-affiliations")[:1]:
            for para in box.iterchildren("p"):
                key = self.text_of(next(para.iterchildren("sup"), None))
                text = tidy_punctuation(self.text_of(para, exclude="self::sup"))
                if key and text:
                    affs.setdefault(key, text)
        authors = []
        for span in _IOP_AUTHORS(heading):
            name = self.text_of(_ITEMPROP_NAME(span)[:1])
            if not name:
                continue
            keys = [k.strip() for sup in span.iterchildren("sup") for k in (self.text_of(sup) or "").split(",")]
            orcid = parse_orcid(" ".join(ORCID_HREFS(span)))
            authors.append(Author(name=name, affiliations=[affs[k] for k in keys if k in affs], orcid=orcid))
        return authors

    def _shown_published(self) -> str | None:
        """"Published 15 April 2019" above the journal's breadcrumb."""
        for line in self.by_class("wd-jnl-art-pub-date")[:1]:
            return self._labelled_date(self.text_of(line) or "")
        return None

    @article_field()
    def article_type(self) -> str | None:
        return self.text_of(self.by_class("wd-jnl-art-sur-title")[:1]) or super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        for block in self.by_class("wd-jnl-art-abstract")[:1]:
            sections = _flat_split(self.sections_of(block))
            if sections:
                return sections
        return super().abstract_sections

    @article_field(empty="unknown")
    def access(self) -> str:
        if any("open access" in (self.text_of(e) or "").lower() for e in self.by_class("open-access") + self.by_class("wd-open-access")):
            return "open"
        if self.by_class("turn-away__title") or self.by_class("turn-away__options"):
            return "paywalled"
        return super().access

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        metrics = Metrics()
        # "<b>695</b> Total downloads", "<b>12</b> Total citations"
        for box in self.by_class("content-tools")[:1]:
            for span in box.iter("span"):
                bold = span.find("b")
                if bold is None:
                    continue
                label = (self.text_of(span) or "").lower()
                key = "downloads" if "download" in label else "citations" if "citation" in label else "views" if "view" in label else None
                raw = self.text_of(bold)
                if key and getattr(metrics, key) is None and raw:
                    value = parse_count(raw)
                    if value is None:
                        self._warn(f"metrics: {label!r} is not an exact number")
                    setattr(metrics, key, value)
        metrics.altmetric = self.badge_altmetric()
        return metrics

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        links: list[RelatedLink] = []
        for box in self.by_class("wd-related-articles")[:1]:
            for lst in box.iter("div"):
                if "related-article-list" not in class_words(lst):
                    continue
                for li in lst.iter("li"):
                    a = li.find(".//a[@href]")
                    href = a.get("href") if a is not None else None
                    title = self.text_of(a) if a is not None else None
                    if title and names_a_page(href):
                        url = without_tracking(self.absolute(href))  # None where the page's site is not known
                        links.append(RelatedLink(list="recommended", rank=len(links) + 1, title=title, url=url, doi=_doi_after(href, "/article/")))
        return links


# --- eLife ------------------------------------------------------------------------------


class ElifeArticlePage(_PlatformPage):
    """eLife: Dublin Core metadata only; the page shows the type, the
    "Cite this article as: eLife 2019;8:e44753" line, author details, the
    metrics section (page views, downloads, citations) and "Further reading"."""
    id_lookups = ("abstract",)

    platform_name = "elife"
    hosts = ("elifesciences.org",)
    site_names = ("eLife",)
    doi_boxes = ("doi",)  # the header's; figures' and sections' follow
    class_markers = (
        "author-details", "author-details__name", "author-details__heading", "author-details__text",
        "meta__type", "contextual-data__cite", "contextual-data__item", "content-header__icon--oa",
        "statistic", "doi",
        "article-meta__group", "listing-list--read-more", "content-header__title_link",
    )

    @staticmethod
    def is_title_h1(h1: Any) -> bool:
        # The further-reading cards' titles are such <h1>s too, each a link.
        return "content-header__title" in class_words(h1) and next(h1.iter("a"), None) is None

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        authors = super().authors
        details: dict[str, tuple[list[str], str | None]] = {}
        boxes = self.by_class("author-details")
        sections = [s for box in boxes for s in box.iterchildren("section")]
        names = self.by_class_in(boxes, "author-details__name", children=True)
        # "Contribution", "Competing interests", ...: not affiliations.  A
        # section is headed by its heading's class or, the class renamed, its tag.
        headed = set(self.by_class_in(sections, "author-details__heading", children=True))
        headed.update(s for s in sections if any(c.tag in _SECTION_HEADINGS for c in s))
        texts = self.by_class_in(sections, "author-details__text")
        for box in boxes:
            name = self.text_of(names.get(box, [])[:1])
            if not name:
                continue
            affs: list[str] = []
            for section in box.iterchildren("section"):
                if section not in headed:
                    affs.extend(a for a in (tidy_punctuation(self.text_of(t)) for t in texts.get(section, [])) if a)
            details[name] = (affs, parse_orcid(" ".join(ORCID_HREFS(box))))
        if not authors:  # no embedded names (a body-only copy): the "Author details" list, in its order
            authors = [Author(name=name) for name in details]
        for author in authors:
            if author.name in details:
                affs, orcid = details[author.name]
                author.affiliations = author.affiliations or affs
                author.orcid = author.orcid or orcid
        return authors

    def _shown_published(self) -> str | None:
        """The first date the "Publication history" list labels as published
        ("Accepted Manuscript published: April 18, 2019 (version 1)", then
        "Version of Record published: ..."): the first online date.
        "Received", "Accepted", "Preprint posted" are not publication dates."""
        # A walk of its own, on a page without a date in its metadata only:
        # as a class marker, every page's section headings would be indexed.
        for heading in _ELIFE_SECTION_HEADINGS(self.sel.root):
            if (self.text_of(heading) or "").lower() != "publication history":
                continue
            section = next(heading.iterancestors("section"), None)
            for li in section.iter("li") if section is not None else ():
                label, _, value = (self.text_of(li) or "").partition(":")
                if (label.lower() == "published" or label.lower().endswith(" published")) and value:
                    return self._labelled_date("Published: " + _VERSION_NOTE.sub("", value))
            break
        return None

    @cached_property
    def _cite(self) -> re.Match[str] | None:
        text = self.text_of(self.by_class("contextual-data__cite")[:1]) or ""
        text = re.sub(r"^Cite this article as:\s*", "", text)
        return re.match(r"(.+?)\s+(\d{4});(\d+):([A-Za-z]{0,3}\d+)$", text)

    @article_field()
    def journal(self) -> str | None:
        return super().journal or (self._cite.group(1) if self._cite else None)

    @article_field()
    def volume(self) -> str | None:
        return super().volume or (self._cite.group(3) if self._cite else None)

    @article_field()
    def first_page(self) -> str | None:
        return super().first_page or (self._cite.group(4) if self._cite else None)

    @article_field()
    def article_type(self) -> str | None:
        return self.text_of(self.by_class("meta__type")[:1]) or super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        block = self.by_id("abstract")
        # The description meta is eLife's one-line impact statement, not the
        # abstract: never read as one, and an empty abstract section stays empty.
        if block is None:
            return self._meta_abstract_sections() or self._html_abstract_sections()
        return _flat_split(self.sections_of(block))

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        for group in self.by_class("article-meta__group"):
            title = (self.text_of(group.find("h4")) or "").lower() if group.find("h4") is not None else ""
            if "tags" not in title:
                continue
            words = [self.text_of(a) for a in group.iter("a") if "/search?for=" in (a.get("href") or "")]
            return [w for w in words if w]
        return super().keywords

    @article_field(empty="unknown")
    def access(self) -> str:
        return "open" if self.by_class("content-header__icon--oa") else super().access

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        metrics = Metrics()
        for stat in self.by_class("statistic"):
            label = (self.text_of(next(stat.iterdescendants("dt"), None)) or "").lower()
            raw = self.text_of(next(stat.iterdescendants("dd"), None))
            key = "views" if "view" in label else "downloads" if "download" in label else "citations" if "citation" in label else None
            if key and raw and getattr(metrics, key) is None:
                setattr(metrics, key, self.exact_count(label, raw))
        # The header's short form, "Cited 0 · Views 807", when the metrics section is not on the page.
        for item in self.by_class("contextual-data__item"):
            m = re.fullmatch(r"(Cited|Views|Downloads) (\S+)", self.text_of(item) or "")
            if not m:
                continue
            key = {"Cited": "citations", "Views": "views", "Downloads": "downloads"}[m.group(1)]
            if getattr(metrics, key) is None:
                value = parse_count(m.group(2))
                if value is None:
                    self._warn(f"metrics: {m.group(0)!r} is not an exact number")
                setattr(metrics, key, value)
        return metrics

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        links: list[RelatedLink] = []
        for lst in self.by_class("listing-list--read-more")[:1]:
            for a in lst.iter("a"):
                if "content-header__title_link" not in class_words(a):
                    continue
                title, href = self.text_of(a), a.get("href")
                if title and names_a_page(href):
                    url = without_tracking(self.absolute(href))  # None where the page's site is not known
                    links.append(RelatedLink(list="recommended", rank=len(links) + 1, title=title, url=url, doi=None))
        return links


# --- Emerald Insight --------------------------------------------------------------------


class EmeraldArticlePage(_PlatformPage):
    """Emerald Insight: contributors with given/surname and affiliations in
    parentheses, "Article publication date", the structured abstract
    (Purpose, Design/methodology/approach, Findings, ...), downloads,
    "Cited (N)" and the TrendMD "Related articles" placeholder."""

    platform_name = "emerald"
    hosts = ("emerald.com",)
    publishers = ("Emerald Publishing Limited", "Emerald Group Publishing Limited")
    doi_boxes = ("intent_doi_link",)  # the citation's DOI link
    class_markers = (
        "intent_contributor", "intent_contributor_affiliate", "intent_journal_publication_date",
        "intent_abstract", "intent_keywords", "intent_text", "open-access-icon", "intent_download_count",
        "intent_cited_count", "trendmd-replacement-heading", "intent_journal_issn", "intent_doi_link",
    )

    @staticmethod
    def is_title_h1(h1: Any) -> bool:
        return "intent_article_title" in class_words(h1)

    @cached_property
    def _citation(self) -> dict[str, str | None]:
        # The citation around its DOI link: "..., <i><a>Quality Education for All</a></i>,
        # Vol. 1 No. 1, pp. 385-416. <a class="intent_doi_link" ...>".
        for link in self.by_class("intent_doi_link")[:1]:
            box = link.getparent()
            if box is None:
                break
            journal = next((self.text_of(i) for i in box.iterchildren("i")), None)
            m = _EMERALD_CITED.search(self.text_of(box) or "")
            if m:
                return {"journal": journal, "volume": m[1], "issue": m[2], "first": m[3], "last": m[4]}
        return {}

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        authors: list[Author] = []
        for block in self.by_class("intent_contributor"):
            given = self.text_of(_GIVEN(block)[:1])
            family = self.text_of(_SURNAME(block)[:1])
            name = " ".join(x for x in (given, family) if x) or self.text_of(block.find(".//a"))
            if not name:
                continue
            affs = [a for box in _EMERALD_AFF(block) for a in self._affiliations(box)]
            orcid = parse_orcid(" ".join(ORCID_HREFS(block)))
            authors.append(Author(name=name, given=given, family=family, affiliations=affs, orcid=orcid))
        return authors or super().authors

    def _affiliations(self, box: Any) -> list[str]:
        """"(Dept, <institution>, Mersin, <country>Turkey</country> and SRA Desk, ..., Nigeria)":
        a new affiliation starts after a country followed by "and" or ";"."""
        chunks: list[str] = []
        current: list[str] = [box.text or ""]

        def walk(el: Any) -> None:
            for child in el:
                if not isinstance(child.tag, str):
                    current.append(child.tail or "")
                    continue
                current.append(" ".join(child.itertext()))
                tail = child.tail or ""
                if "country" in class_words(child) and re.match(r"\s*(and\s|;)", tail):
                    chunks.append(" ".join(current))
                    current.clear()
                    tail = re.sub(r"^\s*(and\s|;)", "", tail)
                current.append(tail)

        walk(box)
        chunks.append(" ".join(current))
        out = []
        for chunk in chunks:
            text = tidy_punctuation(chunk)
            text = clean((text or "").strip().lstrip("(").rstrip(")").strip(" ,;"))
            if text:
                out.append(tidy_punctuation(text) or text)
        return out

    @article_field(empty=[])
    def issns(self) -> list[str]:
        found = list(super().issns)
        for el in self.by_class("intent_journal_issn"):
            issn = parse_issn(self.text_of(el))
            if issn and issn not in found:
                found.append(issn)
        return found

    @article_field()
    def published(self) -> str | None:
        for el in self.by_class("intent_journal_publication_date")[:1]:
            text = self.text_of(el) or ""
            date = parse_date(text.split(":", 1)[-1])
            if date:
                return date
            self._warn(f"published: unreadable date {text!r}")
        return super().published

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        for block in self.by_class("intent_abstract")[:1]:
            sections = _flat_split(self.sections_of(block))
            if sections:
                return sections
        return super().abstract_sections

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        words = [self.text_of(e) for box in self.by_class("intent_keywords")[:1] for e in box.iter() if "intent_text" in class_words(e)]
        words = [w for w in words if w]
        return list(dict.fromkeys(words)) or super().keywords

    @article_field(empty="unknown")
    def access(self) -> str:
        return "open" if self.by_class("open-access-icon") else super().access

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        metrics = Metrics()
        raw = self.text_of(self.by_class("intent_download_count")[:1])
        if raw:
            metrics.downloads = parse_count(raw)
            if metrics.downloads is None:
                self._warn(f"metrics: downloads {raw!r} is not an exact number")
        return metrics

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        count = parse_count(self.text_of(self.by_class("intent_cited_count")[:1]))
        return {"cited_by": count} if count is not None else {}

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        pending = []
        if self.related_counts.get("cited_by"):
            pending.append("cited_by")  # the "Cited" tab loads its list on demand
        for heading in self.by_class("trendmd-replacement-heading"):
            name = _RELATED_HEADINGS.get((self.text_of(heading) or "").lower())
            box = heading.getnext()
            if name and name not in pending and (box is None or not self.text_of(box)):
                pending.append(name)
        return pending


# --- RSC Publishing ---------------------------------------------------------------------


class RscArticlePage(_PlatformPage):
    """RSC Publishing (pubs.rsc.org): the type in parentheses after the DOI
    ("(Paper)"), "Open Access Article", the abstract paragraph, and one
    affiliation line under the author names when all authors share it."""

    platform_name = "rsc"
    hosts = ("pubs.rsc.org",)
    publishers = ("Royal Society of Chemistry", "The Royal Society of Chemistry")
    doi_boxes = ("article_info",)
    class_markers = ("article_info", "oa", "abstract", "header_text", "capsule__text", "article-abstract__heading")

    @staticmethod
    def is_title_h1(h1: Any) -> bool:
        return any("title_heading" in class_words(span) for span in h1.iterchildren("span"))

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        authors = super().authors
        embedded = bool(authors)
        for header in self.by_class("header_text")[:1]:
            names: list[tuple[str, list[str]]] = []  # (shown name, affiliation letters)
            lines: list[tuple[list[str], str]] = []  # (letters, affiliation)
            for child in header:
                words = class_words(child)
                if child.tag == "span" and "bold" in words and "italic" not in words:
                    name = self.text_of(child)
                    if name and name.lower() != "and":
                        names.append((name, []))
                elif child.tag == "sup" and names:
                    names[-1][1].extend(k.strip() for k in (self.text_of(child) or "").split(",") if k.strip())
                elif child.tag == "span" and "italic" in words:
                    letters = [k.strip() for s in child.iterchildren("sup") for k in (self.text_of(s) or "").split(",")]
                    text = self.text_of(child, exclude="self::sup") or ""
                    text = tidy_punctuation(re.split(r"\.?\s*E-mail:", text)[0]) or ""
                    if text:
                        lines.append(([k for k in letters if k], text.rstrip(".; ")))
            if not embedded:  # no embedded names (a body-only copy): the names as printed
                authors = [Author(name=name) for name, _ in names]
            if not lines or len(names) != len(authors):
                break
            if len(lines) == 1 and not lines[0][0]:
                # One unlettered line under all the names: everyone's affiliation.
                for author in authors:
                    author.affiliations = author.affiliations or [lines[0][1]]
                break
            by_letter = {k: text for letters, text in lines for k in letters}
            for author, (_, letters) in zip(authors, names):
                if not author.affiliations:
                    author.affiliations = [by_letter[k] for k in letters if k in by_letter]
        return authors

    def _shown_published(self) -> str | None:
        """"First published on the web 26th September 2016", a paragraph among
        the few after the author names (after "Received ..., Accepted ...")."""
        for header in self.by_class("header_text")[:1]:
            for count, sibling in enumerate(header.itersiblings()):
                if count == 5 or sibling.tag in ("hr", "h2") or "abstract" in class_words(sibling):
                    break  # the history is over
                text = self.text_of(sibling) or ""
                if text.startswith("First published"):
                    return self._labelled_date(text)
        return None

    @article_field()
    def article_type(self) -> str | None:
        for info in self.by_class("article_info")[:1]:
            m = re.search(r"\(([A-Z][\w\s-]{2,40})\)", self.text_of(info) or "")
            if m:
                return m.group(1)
        return super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        for block in self.by_class("abstract") + self.by_class("capsule__text"):
            if block.tag == "p":
                sections = split_labelled_sections(self.text_of(block))
            else:
                sections = _flat_split(self.sections_of(block)) or split_labelled_sections(self.text_of(block))
            if sections:
                return sections
        return super().abstract_sections

    @article_field(empty="unknown")
    def access(self) -> str:
        if any("open access" in (self.text_of(e) or "").lower() for e in self.by_class("oa")):
            return "open"
        return super().access


# --- Project Euclid ---------------------------------------------------------------------


class ProjectEuclidArticlePage(_PlatformPage):
    """Project Euclid: `citation_doi` is often a Euclid handle ("ade/1391109086"),
    not a DOI; the first online date is "First available in Project Euclid";
    the issue date is a season ("March/April 2014"); subscribers-only
    articles show "ACCESS THE FULL ARTICLE"; "CITED BY" is loaded on demand."""

    platform_name = "projecteuclid"
    hosts = ("projecteuclid.org",)
    site_names = ("Project Euclid",)
    class_markers = ("ArticleContentText", "main-title", "AccessFullArticlePanel", "NoPurchase", "OpenAccess", "dropdown")

    @article_field()
    def published(self) -> str | None:
        for box in self.by_class("ArticleContentText"):
            for div in box.iter("div"):
                text = self.text_of(div) or ""
                if text.startswith("First available in Project Euclid:"):
                    date = parse_date(text.split(":", 1)[1])
                    if date:
                        return date
                    self._warn(f"published: unreadable date {text!r}")
        # dc.Date pads a month to its first day ("2014-03-01" for "March/April 2014"):
        # only a full embedded date is a date.
        for name in ("citation_online_date", "citation_publication_date", "citation_date"):
            for value in self.meta.get(name, []):
                date = parse_date(value)
                if date:
                    return date
        return None

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        for heading in self.by_class("main-title"):
            if (self.text_of(heading) or "").lower() == "abstract":
                block = heading.getnext()
                if block is not None:
                    sections = _flat_split(self.sections_of(block)) or split_labelled_sections(self.text_of(block))
                    if sections:
                        return sections
        return super().abstract_sections

    @article_field(empty="unknown")
    def access(self) -> str:
        if self.by_class("AccessFullArticlePanel") or self.by_class("NoPurchase"):
            return "paywalled"
        return super().access

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        # The "CITED BY" tab: OnNavBarClick(... 'ArticleLinkCited' ...) loads it.
        for a in self.by_class("dropdown"):
            if a.tag == "a" and a.get("data-action") == "ArticleLinkCited":
                return ["cited_by"]
        return []


# --- APS (Physical Review journals) -------------------------------------------------------


class ApsArticlePage(_PlatformPage):
    """APS journals (journals.aps.org): Highwire metadata for the
    bibliographic fields ("061102" is an article number standing as the first
    page); the page adds the "Abstract" section, "Published <date>" (in the
    "Received …; Published …" history or after the article's own citation
    "Phys. Rev. Lett. 116, 061102 – Published 11 February 2016"), type labels
    ("Letter"), "Open Access" / "Free to Read" marks and the CC BY licence
    sentence, "Buy Article" for paid articles (no price on the page: no
    offer), "Citing Articles (N)", a tab loaded on demand, the authors'
    ORCID links and the footer's "ISSN 1539-0756 (online), 0034-6861
    (print)".  Both templates: `section.abstract` and `section.authors`
    (to 2024), `section#abstract-section` and `div.authors-wrapper` (2025)."""

    platform_name = "aps"
    # Not "aps.org": physics.aps.org (the magazine) and www.aps.org (the society) are other sites.
    hosts = ("journals.aps.org", "link.aps.org")
    publishers = ("American Physical Society",)
    class_markers = ("abstract",)
    id_lookups = ("abstract-section",)

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        if _names_another_site(page, _APS_SITE):
            return False
        if page.first_meta(("citation_publisher", "dc.publisher")) in cls.publishers:
            return True
        journal = page.first_meta(("citation_journal_title",)) or ""
        return bool(_APS_JOURNAL.match(journal)) and (_meta_doi(page) or "").startswith("10.1103/")

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        """The metadata's authors, with the ORCID iDs the author lines link
        (the name's link, then its orcid.org link), given to the author whose
        metadata name is the shown name."""
        authors = super().authors
        shown: dict[str, str] = {}
        for line in _APS_AUTHOR_LINES(self.sel.root):
            name = next((self.text_of(a) for a in line.iterchildren("a") if "orcid.org" not in (a.get("href") or "")), None)
            orcid = next((parse_orcid(h) for h in ORCID_HREFS(line)), None)
            if name and orcid:
                shown.setdefault(name, orcid)
        for author in authors:
            if author.orcid is None and author.name in shown:
                author.orcid = shown[author.name]
        return authors

    @article_field()
    def published(self) -> str | None:
        volume, first = self.volume, self.first_page
        own_citation = (
            re.compile(rf"\b{re.escape(volume)}\s*,\s*{re.escape(first)}\b.{{0,40}}?\b[Pp]ublished:?\s+(?P<date>{_DATE_WORDS})")
            if volume and first
            else None
        )
        for node in _PUBLISHED_TEXTS(self.sel.root):
            for text in self._texts_around(node, 400):
                m = _APS_HISTORY.search(text) or (own_citation.search(text) if own_citation else None)
                if not m:
                    continue
                date = parse_date(m.group("date"))
                if date:
                    return date
                self._warn(f"published: unreadable date {m.group('date')!r}")
        return super().published

    def _texts_around(self, node: Any, limit: int) -> list[str]:
        """The visible text of the element holding a text node, then of its
        parent and grandparent, while it stays shorter than `limit`."""
        holder = node.getparent()
        if holder is not None and node.is_tail:
            holder = holder.getparent()
        texts: list[str] = []
        for _ in range(3):
            if holder is None or not isinstance(holder.tag, str):
                break
            text = self.text_of(holder) or ""
            if len(text) > limit:
                break
            texts.append(text)
            holder = holder.getparent()
        return texts

    @cached_property
    def _labels(self) -> list[str]:
        """The short labels and badges of the article's header ("Letter",
        "Open Access", "Editors' Suggestion"): elements whose class says
        label, badge, tag or type, in the box that holds the title heading.
        Labels elsewhere (a "See Also" erratum, a related article's "Open
        Access") are another article's."""
        title = (self.title or "").lower()
        header = next(
            (h.getparent() for h in _TITLE_HEADINGS(self.sel.root) if title and (self.text_of(h) or "").lower() == title),
            None,
        )
        if header is None or header.tag in ("body", "html") or len(self.text_of(header) or "") > 2000:
            return []
        labels = []
        for el in header.iter():
            if not isinstance(el.tag, str) or not any(w in (el.get("class") or "").lower() for w in ("label", "badge", "tag", "type")):
                continue
            text = self.text_of(el)
            if text and len(text) <= 40:
                labels.append(text)
        return labels

    @article_field()
    def article_type(self) -> str | None:
        for text in self._labels:
            if text.lower() in _APS_TYPES:
                return text
        return super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        # The 2025 template's `section#abstract-section` has no class: the
        # page's description (a one-line teaser) would stand in for it.
        blocks = [b for b in (self.by_id("abstract-section"),) if b is not None] + self.by_class("abstract")
        for block in blocks:
            if block.tag not in ("section", "div"):
                continue
            heading = next(
                (h for h in _APS_HEADINGS(block) if (self.text_of(h) or "").rstrip(": ").lower() == "abstract"), None
            )
            if heading is None:
                continue
            after = False
            paras: list[str] = []
            for el in block.iter():
                if el is heading:
                    after = True
                    continue
                # The abstract's own paragraphs: in the block or in its content
                # box, not in the boxes nested below (PhySH, article info, licence).
                if not after or el.tag != "p" or block not in (el.getparent(), el.getparent().getparent()):
                    continue
                text = self.text_of(el)
                if text and not _APS_NOT_ABSTRACT.search(text):
                    paras.append(text)
            if len(paras) == 1:
                return split_labelled_sections(paras[0])
            if paras:
                return [AbstractSection(heading=None, text="\n\n".join(paras))]
        return super().abstract_sections

    def _buy_links(self) -> list[Any]:
        return [a for a in self.sel.root.iter("a") if _APS_BUY.match(self.text_of(a) or "")]

    @article_field(empty=[])
    def offers(self) -> list[Offer]:
        # APS shows "Buy Article »" without its price: an offer is recorded
        # only when a price with its currency is printed beside the link.
        offers: list[Offer] = []
        for link in self._buy_links():
            box = link.getparent() if link.getparent() is not None else link
            text = self.text_of(box) or ""
            if len(text) > 120 or not re.search(r"\d", text):
                continue
            price, currency = parse_price(text)
            if price is None:
                continue
            if currency is None:
                self._warn(f"offers: price {text!r} shows no currency")
                continue
            label = clean(re.split(r"[\d$€£]", self.text_of(link) or "")[0].rstrip("»›>: ")) or "Buy Article"
            offers.append(Offer(label=label, kind="article", price=price, currency=currency))
        return offers

    def _open_licence(self) -> bool:
        """The licence sentence of an open article: "Published by the American
        Physical Society under the terms of the Creative Commons Attribution
        4.0 International license." with its link."""
        for a in self.sel.root.iter("a"):
            if not _CC_BY_HREF.search(a.get("href") or ""):
                continue
            if any(e.tag in ("nav", "footer") for e in a.iterancestors()):
                continue
            box = a.getparent()
            if box is not None and "under the terms of" in (self.text_of(box) or "").lower():
                return True
        return False

    @article_field(empty="unknown")
    def access(self) -> str:
        if self.offers:
            return "paywalled"
        if any(text.lower() in ("open access", "free to read") for text in self._labels) or self._open_licence():
            return "open"
        if self._buy_links():
            return "paywalled"
        return super().access

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        # The "Citing Articles (12)" tab; "Citing Articles" without a number says nothing.
        for node in _CITING_TEXTS(self.sel.root):
            for text in self._texts_around(node, 60):
                m = _APS_CITING.fullmatch(text)
                if m:
                    count = parse_count(m.group(1))
                    if count is None:
                        self._warn(f"related_counts: {text!r} is not an exact number")
                        return {}
                    return {"cited_by": count}
        return {}

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        # The citing articles are listed only when the tab is opened.
        return ["cited_by"] if self.related_counts.get("cited_by") else []


# --- PeerJ ------------------------------------------------------------------------------


class PeerjArticlePage(_PlatformPage):
    """PeerJ (peerj.com): Highwire metadata (volume, "e1234" article number,
    authors with institutions and ORCIDs); the page adds its date list
    (`dt` "Published" / "Accepted" / "Received"), the Keywords list, the
    structured abstract (`div.abstract[itemprop=description]`, sections
    "Background", "Methods", "Results", "Conclusions"), given and family
    names (`span.given-names` / `span.surname`) and the counts printed next
    to their labels (Views, Downloads, Citations).  Every PeerJ article is
    open access under CC BY: no offers."""

    platform_name = "peerj"
    hosts = ("peerj.com",)
    publishers = ("PeerJ Inc.", "PeerJ Inc", "PeerJ")
    class_markers = ("abstract", "given-names", "kwd", "altmetric-embed")

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        if _names_another_site(page, _PEERJ_NAME):
            return False
        if _PEERJ_NAME.match(page.first_meta(("og:site_name",)) or ""):
            return True
        if page.first_meta(("citation_publisher", "dc.publisher")) in cls.publishers:
            return True
        journal = page.first_meta(("citation_journal_title",)) or ""
        return bool(_PEERJ_NAME.match(journal)) and (_meta_doi(page) or "").startswith("10.7717/")

    @cached_property
    def _definitions(self) -> dict[str, Any]:
        """{lower-cased `dt` text: its `dd`}, the first of each, in page order."""
        found: dict[str, Any] = {}
        for dt in self.sel.root.iter("dt"):
            dd = dt.getnext()
            label = (self.text_of(dt) or "").rstrip(": ").lower()
            if label and label not in found and dd is not None and dd.tag == "dd":
                found[label] = dd
        return found

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        authors = super().authors
        shown: dict[str, tuple[str, str]] = {}
        for given_el in self.by_class("given-names"):
            family_el = next((s for s in given_el.itersiblings() if "surname" in class_words(s)), None)
            given = self.text_of(given_el)
            family = self.text_of(family_el) if family_el is not None else None
            if given and family:
                shown.setdefault(f"{given} {family}", (given, family))
        # Only where the shown name is the embedded name, word for word.
        for author in authors:
            if author.given is None and author.family is None and author.name in shown:
                author.given, author.family = shown[author.name]
        return authors

    @article_field()
    def published(self) -> str | None:
        dd = self._definitions.get("published")
        if dd is not None:
            time = dd.find(".//time")
            raw = (time.get("datetime") if time is not None else None) or self.text_of(dd)
            date = parse_date(raw)
            if date:
                return date
            self._warn(f"published: unreadable date {raw!r}")
        return super().published

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        blocks = [b for b in self.by_class("abstract") if b.tag in ("div", "section")]
        blocks.sort(key=lambda b: b.get("itemprop") != "description")  # the article's own first
        for block in blocks:
            sections = _flat_split(self.sections_of(block))
            if sections:
                return sections
        return super().abstract_sections

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        dd = self._definitions.get("keywords")
        if dd is not None:
            items = [e for e in dd.iter() if "kwd" in class_words(e)] or list(dd.iter("a"))
            words = [w.strip(",; ") for w in (self.text_of(e) for e in items) if w]
            words = [w for w in words if w]
            if words:
                return list(dict.fromkeys(words))
        return super().keywords

    @article_field(empty="unknown")
    def access(self) -> str:
        return "open"

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        metrics = Metrics()
        seen: set[str] = set()
        for node in _METRIC_TEXTS(self.sel.root):
            found = self._count_beside(node)
            if found is None or found[0] in seen:
                continue
            key, raw = found
            seen.add(key)
            setattr(metrics, key, self.exact_count(key, raw))
        metrics.altmetric = self.badge_altmetric()
        return metrics

    def _count_beside(self, node: Any) -> tuple[str, str] | None:
        """(metric, number) when a text node is a metric's label with its
        number beside it: "2,318 Views" as the whole text of one element (the
        label's or its parent's), or `<dt>Views</dt><dd>2,318</dd>`.
        Anything else is not read."""
        holder = node.getparent()
        if holder is not None and node.is_tail:
            holder = holder.getparent()
        if holder is None or not isinstance(holder.tag, str):
            return None
        el = holder
        for _ in range(2):
            if el is None or not isinstance(el.tag, str):
                break
            text = self.text_of(el) or ""
            if len(text) > 60:
                break
            m = _COUNT_LABEL.fullmatch(text) or _LABEL_COUNT.fullmatch(text)
            if m:
                return _METRIC_LABELS[m.group("label").lower()], m.group("n")
            el = el.getparent()
        label = (self.text_of(holder) or "").rstrip(":")
        if not _METRIC_LABEL.fullmatch(label):
            return None
        key = _METRIC_LABELS[label.lower()]
        if holder.tag == "dt":
            dd = holder.getnext()
            raw = self.text_of(dd) if dd is not None and dd.tag == "dd" else None
            return (key, raw) if raw and _COUNT.fullmatch(raw) else None
        # Labels and numbers side by side in one row ("1,204 Visitors 2,318 Views"):
        # a label whose own number is missing would take its neighbour's.
        return None


PAGE_OBJECTS = (
    CambridgeArticlePage,
    JstorArticlePage,
    MdpiArticlePage,
    PlosArticlePage,
    IopArticlePage,
    ElifeArticlePage,
    EmeraldArticlePage,
    RscArticlePage,
    ProjectEuclidArticlePage,
    ApsArticlePage,
    PeerjArticlePage,
)

_RELATED_HEADINGS = {
    "related articles": "similar",
    "similar articles": "similar",
    "recommended articles": "recommended",
    "you may also like": "recommended",
    "people also read": "people_also_read",
    "cited by": "cited_by",
}
_PLOS_SIGNPOSTS = (("view", "views"), ("citation", "citations"), ("download", "downloads"))
_NUMBER = re.compile(r"\d[\d,]*")

_DT = xpath("./dt")
_CAMBRIDGE_AFF = xpath("./dd//span[not(*)][not(contains(@class, 'content__title'))]")
_MDPI_NAME = xpath("./div[contains(concat(' ', normalize-space(@class), ' '), ' profile-card-drop ')]")
_MDPI_AFF_KEY = xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' affiliation-item ')]")
_MDPI_AFF_NAME = xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' affiliation-name ')]")
_MDPI_COUNT_NAME = xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' name ')]")
_MDPI_COUNT = xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' count ')]")
_MDPI_JOURNAL_HOME = re.compile(r"(?:https?://(?:www\.)?mdpi\.com)?/journal/[\w-]+/?")
_ELIFE_SECTION_HEADINGS = xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' article-section__header_text ')]")
_VERSION_NOTE = re.compile(r"\s*\((?:version|v)\s*\d+\)\s*$", re.IGNORECASE)
_SECTION_HEADINGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
_PLOS_NAME = xpath("./a[contains(concat(' ', normalize-space(@class), ' '), ' author-name ')]")
_PLOS_AFFS = xpath(".//p[starts-with(@id, 'authAffiliations')]")
_FIRST_HEADING = xpath("./*[self::h2 or self::h3][1]")
_IOP_TITLE = xpath("(//h1[contains(@class, 'wd-jnl-art-title')])[1]")
# The author line that follows IOP's title heading: `<p><span data-authors><span itemprop="author">`.
_IOP_AUTHORS = xpath("following-sibling::p[1]/span[@data-authors]/descendant::span[@itemprop='author']")
_ITEMPROP_NAME = xpath("./span[@itemprop='name']")
# "Published 15 April 2019", "Published online: 3 May 2021", "First published 26 Sep 2016".
_PUBLISHED_LABEL = re.compile(r"(?:First\s+)?[Pp]ublished(?:\s+online)?(?:\s+on\s+the\s+web)?\s*:?\s*(.+)")
_GIVEN = xpath(".//span[contains(concat(' ', normalize-space(@class), ' '), ' given-names ')]")
_SURNAME = xpath(".//span[contains(concat(' ', normalize-space(@class), ' '), ' surname ')]")
_EMERALD_AFF = xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' intent_contributor_affiliate ')]")
_TITLE_HEADINGS = xpath("//*[self::h1 or self::h2 or self::h3]")
# An author's line: `div.authors-wrapper > p` (2025), `section.authors > div.content > p` (before).
_APS_AUTHOR_LINES = xpath(
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' authors-wrapper ')]/p"
    " | //section[contains(concat(' ', normalize-space(@class), ' '), ' authors ')]/div/p"
)
_APS_HEADINGS = xpath(".//*[self::h2 or self::h3 or self::h4 or self::h5]")
_PUBLISHED_TEXTS = xpath("//text()[contains(., 'ublished')]")
_CITING_TEXTS = xpath("//text()[contains(., 'iting')]")
_METRIC_TEXTS = xpath("//text()[contains(., 'iews') or contains(., 'ownloads') or contains(., 'itations')]")

# og:site_name of the platforms' own pages.  Another site name ("PubMed
# Central", "arXiv") is a copy of the article elsewhere, not the platform's markup.
_APS_SITE = re.compile(
    r"(APS|American Physical Society|Physical Review|Phys\. Rev\.|Reviews of Modern Physics|PRX|journals\.aps\.org)\b",
    re.IGNORECASE,
)
_APS_JOURNAL = re.compile(r"(Physical Review|Reviews of Modern Physics|PRX)\b")
_PEERJ_NAME = re.compile(r"PeerJ\b")
# "11 February 2016", "11 February, 2016", "February 11, 2016".
_DATE_WORDS = r"\d{1,2}\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4}|[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}"
# "Received 21 January 2016; Revised 2 February 2016; Published 11 February 2016"
_APS_HISTORY = re.compile(rf"\b[Rr]eceived:?\s+(?:{_DATE_WORDS}).*?\b[Pp]ublished:?\s+(?P<date>{_DATE_WORDS})")
# Paragraphs printed in the abstract's box that are not the abstract: the
# history, DOI, copyright and licence lines.  Narrow on purpose: a paragraph
# of the abstract left out would make a wrong abstract.
_APS_NOT_ABSTRACT = re.compile(
    r"^(?:(?:Received|Revised|Accepted|Published)\s+\d|Published by\b|DOI\b|\u00a9|Physics Subject Headings)"
    r"|under the terms of the Creative Commons"
)
_APS_TYPES = frozenset(
    t.lower()
    for t in (
        "Letter", "Regular Article", "Rapid Communication", "Comment", "Reply", "Erratum", "Errata",
        "Review Article", "Colloquium", "Perspective", "Editorial", "Tutorial", "Brief Report",
        "Retraction", "Addendum", "Publisher's Note", "Publisher\u2019s Note",
    )
)
_APS_BUY = re.compile(r"Buy (?:this )?Article\b", re.IGNORECASE)
_APS_CITING = re.compile(r"Citing Articles\s*\(\s*([^()]+?)\s*\)", re.IGNORECASE)
_CC_BY_HREF = re.compile(r"creativecommons\.org/licenses/by", re.IGNORECASE)
# Labels as a metrics box prints them (capitalised: "1,000 views" in running text is not one).
_METRIC_LABEL_TEXT = r"Views|Page [Vv]iews|Downloads|Citations"
_METRIC_LABEL = re.compile(_METRIC_LABEL_TEXT)
_METRIC_LABELS = {"views": "views", "page views": "views", "downloads": "downloads", "citations": "citations"}
_COUNT_TEXT = r"\d[\d,.\u202f\u00a0]*\s*[kKM]?"
_COUNT = re.compile(_COUNT_TEXT)
_COUNT_LABEL = re.compile(rf"(?P<n>{_COUNT_TEXT})\s+(?P<label>{_METRIC_LABEL_TEXT})")
_LABEL_COUNT = re.compile(rf"(?P<label>{_METRIC_LABEL_TEXT}):?\s+(?P<n>{_COUNT_TEXT})")


def _flat_split(sections: list[AbstractSection]) -> list[AbstractSection]:
    """One paragraph without heading that prints its headings inline
    ("Background: ... Methods: ...") becomes one section per heading."""
    if len(sections) == 1 and sections[0].heading is None:
        return split_labelled_sections(sections[0].text)
    return sections


def _meta_doi(page: ArticlePage) -> str | None:
    """The DOI the embedded metadata names (for recognising a platform)."""
    for name in ("citation_doi", "prism.doi", "dc.identifier", "dc.identifier.doi"):
        for value in page.meta.get(name, []):
            doi = parse_doi(value)
            if doi:
                return doi
    return None


def _names_another_site(page: ArticlePage, own: re.Pattern[str]) -> bool:
    """og:site_name is present and is not the platform's: a repository's copy."""
    site = page.first_meta(("og:site_name",))
    return bool(site) and not own.match(site)


def _doi_after(url: str | None, marker: str) -> str | None:
    """'https://iopscience.iop.org/article/10.1088/1748-9326/ac002d' -> '10.1088/1748-9326/ac002d'."""
    if not url:
        return None
    path = urlsplit(url).path
    if marker not in path:
        return None
    rest = path.split(marker, 1)[1]
    return parse_doi(rest) if rest.startswith("10.") else None

# Printed citations (see each page object's `_citation`).
_CAMBRIDGE_CITED = (
    ("volume", re.compile(r"Volume\s+([\w.-]+)$")),
    ("issue", re.compile(r"(?:Special\s+)?Issue\s+([\w./-]+)(?::|$)")),
    ("first", re.compile(r"pp?\.\s*([A-Za-z]{0,3}\d+)(?:\s*[-–]\s*([A-Za-z]{0,3}\d+))?$")),
)
_MDPI_CITED = re.compile(r"\b\d{4},\s*([\w.-]+)\s*(?:\(([\w./-]+)\))?,\s*([A-Za-z]{0,3}\d+)")
_PLOS_CITED = re.compile(r"\s([\w.-]+)\(([\w./-]+)\):\s*([A-Za-z]{0,3}\d+)\.?\s*(?:https?://\S+)?$")
_EMERALD_CITED = re.compile(
    r"\bVol\.\s*([\w.-]+)(?:\s+No\.\s*([\w./-]+))?,\s*pp\.\s*([A-Za-z]{0,3}\d+)(?:\s*[-–]\s*([A-Za-z]{0,3}\d+))?"
)
_LAST_WORD = re.compile(r"[\w.-]+$")
