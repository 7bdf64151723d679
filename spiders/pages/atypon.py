"""Atypon Literatum sites other than Taylor & Francis: SAGE, PNAS, Science /
Science Advances, PsychiatryOnline, ACS, Annual Reviews, the ACM Digital
Library, and any other Literatum site recognised by its markup.

One base class reads every Literatum template seen on these sites; the
publisher subclasses only name the platform and its hosts:

- the "core" template (2020+: SAGE, PNAS, science.org, PsychiatryOnline, ACM):
  schema.org RDFa attributes (`property="author"`, `givenName`,
  `volumeNumber`, `pageStart`, `property="abstract"`, `property="keywords"`),
  `div.meta-panel` (type, access badge, online date), `section.core-history`,
  purchase boxes `.purchase-item__price__value` (SAGE:
  `.add-article-to-cart__price`), metrics widgets (`.metrics-total__item`,
  `.article-metric`, `.toolbar-metric__total`) whose figures a
  `data-source` endpoint refreshes, the cited-by widget
  (`.cited-by__list[data-source]`), "Recommended articles" cards;
- ACS 2019 (`h1.article_header-title`, `ul.loa`, `.articleMetrics_row`,
  `ol.cited-content_cbyCitation`);
- ACS 2016 (`h1.articleTitle`, `div#articleMeta`, `.cit-info`,
  `ul#citedBy`, `ul.recommendedPubList`);
- Annual Reviews 2019 (`div.article-header`, `p.name` with affiliation
  marks, `div.hlFld-Abstract`, the "Related Articles" tab).

Where each value is: one method per field below; NOTES-atypon.md in
tests/corpus lists the traps.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from lxml import etree

from spiders.items import AbstractSection, Author, Metrics, Offer, RelatedLink
from spiders.pages.base import (
    ArticlePage,
    article_field,
    cached_property,
    class_words,
    document_tops,
    doi_in_link,
    has_class,
    in_class,
    index_classes,
    read_once,
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
    parse_period,
    parse_price,
    split_pages,
    tidy_punctuation,
)

# pbContext names the Literatum "website" a page belongs to:
# ";website:website:aaas-site;..." (science.org), "sage", "pnas-site", ...
_WEBSITE = re.compile(r"website:website:([a-z0-9_-]+)")
_NOT_OURS = re.compile(r"\bwiley\b|taylor\s*(&|and)\s*francis", re.IGNORECASE)



class AtyponArticlePage(ArticlePage):
    """Any Atypon Literatum article page."""
    id_lookups = ("trendmd-suggestions",)

    platform_name = "atypon"
    hosts: tuple[str, ...] = ()
    # Literatum website codes (pbContext `website:website:CODE`, body class `website-CODE`).
    websites: tuple[str, ...] = ()

    class_markers = (
        # titles and headers
        "article_header-title", "articleTitle", "article-header", "contributors",
        "core-authors", "loa", "aff-info", "hlFld-ContribAuthor",
        "core-self-citation", "core-enumeration", "core-date-published", "core-history", "core-container",
        "meta-panel__type", "meta-panel__onlineDate", "meta-panel__access", "publisher__name",
        "cover-image__details-extra", "doi", "article_info",
        "article_header-cite-this", "epub-date", "cit-info",
        "content-navigation__contentType", "manuscriptType", "literatumContentItemHistory",
        "article-chapter-history-list", "journal-issue", "article-details",
        # abstract and keywords
        "articleBody_abstractText", "hlFld-Abstract", "abstractSection", "article_keywords-container",
        "keyword", "hlFld-KeywordText",
        # access and offers
        "denial-block", "get__access", "purchaseArea",
        "eCommercePurchaseAccessWidgetContainer", "purchase-item", "purchase-item__price__value",
        "add-article-to-cart__price", "tax-note", "editors-choice", "article_header-open-access",
        # metrics
        "metrics-total__item", "metrics-nav__item-link--disabled", "toolbar-metric__total",
        "article-metric", "cited-by-counts__list-item__content", "cross-ref-count", "font-weight-semibold",
        "articleMetrics_row", "literatumContentItemDownloadCount", "altmetric-embed",
        "sidebar-metric-container", "toolbar-metric-container",
        # related lists
        "cited-by__list", "cited-by__content", "cited-content", "show-recommended", "temis-related",
        "recommendedPubList", "ar-media-tabs",
    )

    # --- platform recognition -------------------------------------------------

    @classmethod
    def matches_host(cls, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in cls.hosts)

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        if not is_literatum(page):
            return False
        if not cls.websites:
            return True  # the generic Atypon page: any Literatum site not claimed above
        return bool(set(cls.websites) & literatum_websites(page))

    # --- plumbing ---------------------------------------------------------------

    @cached_property
    def _property_index(self) -> dict[str, list[Any]]:
        """RDFa `property` attributes of the core template, in one walk.  A
        page of another template (Annual Reviews, ACS) has none of its
        classes, and no RDFa beyond the head's Open Graph tags: no walk."""
        if not any(self._class_index.get(name) for name in _CORE_TEMPLATE):
            return {}
        return index_classes({}, document_tops(self.sel.root), ("(every word)",), _words, attribute="property")

    def by_property(self, name: str) -> list[Any]:
        return list(self._property_index.get(name, []))

    def first_text(self, name: str, exclude: str = "") -> str | None:
        for element in self.by_class(name):
            text = self.text_of(element, exclude=exclude)
            if text:
                return text
        return None

    def has_article_markup(self) -> bool:
        return self._heading() is not None

    # --- bibliographic ----------------------------------------------------------

    @article_field()
    def doi(self) -> str | None:
        for value in self.meta.get("publication_doi", []):
            doi = parse_doi(value)
            if doi:
                return doi
        doi = super().doi
        if doi:
            return doi
        for box in self.by_class("doi"):
            for a in box.iter("a"):
                doi = parse_doi(a.get("href"))
                if doi:
                    return doi
            doi = parse_doi(self.text_of(box))
            if doi:
                return doi
        return None

    def _heading(self) -> Any:
        """The article title's <h1> in whichever template the page uses."""
        for h1 in self.by_property("name"):
            if h1.tag == "h1":
                return h1
        for name in ("article_header-title", "articleTitle"):
            for h1 in self.by_class(name):
                if h1.tag == "h1":
                    return h1
        for header in self.by_class("article-header"):
            for h1 in header.iterchildren("h1"):
                return h1
        return None

    @article_field()
    def title(self) -> str | None:
        heading = self._heading()
        text = self.text_of(heading) if heading is not None else None
        return text or super().title

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        return (
            self._core_authors()
            or self._acs_authors()
            or self._annual_reviews_authors()
            or super().authors
        )

    def _core_authors(self) -> list[Author]:
        # The "Authors" tab lists each author with affiliations; ACM pages
        # without that tab put them in drop-downs in the header.
        people = [d for s in self.by_class("core-authors") for d in s.iterchildren() if d.get("property") == "author"]
        if not people:
            people = [
                s for box in self.by_class("contributors") for s in _HEADER_AUTHORS(box)
            ]
        authors = []
        for person in people:
            parts = _person_parts(person)
            given = self.text_of(parts["givenName"][:1])
            family = self.text_of(parts["familyName"][:1])
            if not (given or family):
                continue
            name = " ".join(x for x in (given, family) if x)
            affiliations = [a for a in (tidy_punctuation(self.text_of(e)) for e in parts["affiliation name"]) if a]
            orcid = parse_orcid(" ".join(parts["orcid"]))
            authors.append(Author(name=name, given=given, family=family, affiliations=_unique(affiliations), orcid=orcid))
        return authors

    def _acs_authors(self) -> list[Author]:
        """ACS: names linked to /author/Family%2C+Given (2016) or to a search
        (2019, where dc.Creator splits given from family by two spaces);
        affiliations are matched by their marks (†, ‡, ...)."""
        people: list[tuple[Any, list[str]]] = []
        for loa in self.by_class("loa"):  # 2019
            for span in _LOA_AUTHORS(loa):
                people.append((span, [self.text_of(s) or "" for s in _ACS_AFF_MARKS_2019(span)]))
        meta_box = None
        if not people:  # 2016: div#articleMeta after h1.articleTitle
            for h1 in self.by_class("articleTitle"):
                found = _ARTICLE_META(h1)
                if found:
                    meta_box = found[0]
                    break
            if meta_box is not None:
                for span in _OLD_AUTHORS(meta_box):
                    people.append((span, [self.text_of(s) or "" for s in _ACS_AFF_MARKS_2016(span)]))
        if not people:
            return []
        marks = self._acs_affiliations(meta_box)
        raw_creators = [content for name, content, _ in self.meta_pairs if name == "dc.creator"]
        authors: list[Author] = []
        unresolved: list[str] = []
        for index, (span, symbols) in enumerate(people):
            link = _FIRST_LINK(span)
            name = self.text_of(link[:1]) if link else self.text_of(span)
            if not name:
                continue
            given, family = _split_acs_name(name, link[0].get("href", "") if link else "", raw_creators, index)
            affiliations = [marks[symbol] for symbol in symbols if symbol in marks]
            if any(symbol and symbol not in marks for symbol in symbols):
                # Some of this author's addresses are missing: an incomplete
                # list would read as complete.
                unresolved.append(name)
                affiliations = []
            authors.append(Author(name=name, given=given, family=family, affiliations=affiliations))
        if unresolved:
            self._warn(
                "authors: affiliation marks not matched to an affiliation; affiliations left empty for "
                + ", ".join(unresolved)
            )
        return authors

    def _acs_affiliations(self, meta_box: Any) -> dict[str, str]:
        """{mark: affiliation} from blocks that start with their mark; a block
        holding several marks (one address for three departments) is not split."""
        blocks = [b for e in self.by_class("aff-info") for b in e.iterchildren("span")]
        if meta_box is not None:
            blocks += [b for box in _OLD_AFFILIATIONS(meta_box) for b in box.iterchildren("div")]
        marks: dict[str, str] = {}
        for block in blocks:
            sups = list(block.iter("sup"))
            if len(sups) != 1 or (block.text or "").strip() or sups[0].getparent() is not block:
                continue
            symbol = self.text_of(sups[0])
            text = tidy_punctuation(self.text_of(block, exclude="self::sup"))
            if symbol and text:
                marks[symbol] = text
        return marks

    def _annual_reviews_authors(self) -> list[Author]:
        """Annual Reviews: `p.name` "Rahul Nandkishore<sup>1</sup> and David A.
        Huse<sup>1,2</sup>", then one `<p>` per numbered affiliation."""
        for box in self.by_class("hlFld-ContribAuthor"):
            # `div.author > p.name`, then `div.author > p` without a class.
            paragraphs = [p for d in box.iterchildren("div") if in_class(d, "author") for p in d.iterchildren("p")]
            names = [p for p in paragraphs if in_class(p, "name")]
            if not names:
                continue
            affiliations: dict[str, str] = {}
            unmarked: list[str] = []
            for p in paragraphs:
                if p.get("class") is not None:
                    continue
                sup = next(p.iterchildren("sup"), None)
                text = self.text_of(p, exclude="self::sup or self::a")
                text = tidy_punctuation(_AR_EMAIL.sub("", text or ""))
                if not text:
                    continue
                if sup is None:
                    unmarked.append(text)
                else:
                    affiliations[clean(sup.text) or ""] = text
            authors = []
            for p in names:
                current = p.text or ""
                for child in p:
                    if child.tag == "sup":
                        name = clean(_NAME_JOINER.sub("", current))
                        marks = [m.strip() for m in (child.text or "").split(",")]
                        if name:
                            authors.append(Author(name=name, affiliations=[affiliations[m] for m in marks if m in affiliations]))
                        current = child.tail or ""
                    else:
                        current += "".join(child.itertext()) + (child.tail or "")
                name = clean(_NAME_JOINER.sub("", current))
                if name:
                    authors.append(Author(name=name))
            if len(authors) == 1 and not authors[0].affiliations:
                authors[0].affiliations = unmarked  # a sole author's addresses need no marks
            return authors
        return []

    @article_field()
    def journal(self) -> str | None:
        value = self.first_meta(("citation_journal_title",))
        if value:
            return value
        for box in self.by_class("core-self-citation"):
            for part in box.iter():
                if part.get("property") == "isPartOf":
                    for name in part.iter():
                        if name.get("property") == "name":
                            text = self.text_of(name)
                            if text:
                                return text
        # ACS shows the journal only as its abbreviation in the citation line.
        for box in self.by_class("article_header-cite-this"):
            for i in box.iter("i"):
                text = self.text_of(i)
                if text:
                    return text
        for box in self.by_class("cit-info"):
            for span in box.iter("span"):
                if "cit-journal-abbreviation" in class_words(span):
                    return self.text_of(span)
        for h1 in self.by_class("articleTitle"):  # ACS 2016 "J. Med. Chem., Article ASAP"
            for box in _ARTICLE_META(h1)[:1]:
                for cite in box.iter("cite"):
                    text = self.text_of(cite)
                    if text:
                        return text
        for box in self.by_class("journal-issue"):
            text = self.text_of(box)
            if text:
                return text
        return super().journal

    @article_field()
    def publisher(self) -> str | None:
        shown = self.first_text("publisher__name")
        if shown:
            return shown
        # Literatum writes dc.Publisher as name + location with no separator
        # ("SAGE PublicationsSage UK: London, England"); dc.Coverage is the location.
        value = self.first_meta(("dc.publisher",))
        if value:
            coverage = self.first_meta(("dc.coverage",))
            if coverage and value.endswith(coverage) and len(value) > len(coverage):
                value = value[: -len(coverage)].strip(" ,;") or value
            return value
        return super().publisher

    @article_field(empty=[])
    def issns(self) -> list[str]:
        found = list(super().issns)
        for box in self.by_class("cover-image__details-extra"):
            for label in box.iter("span"):
                if (self.text_of(label) or "").upper().startswith("ISSN"):
                    value = label.getnext()
                    issn = parse_issn(self.text_of(value)) if value is not None else None
                    if issn and issn not in found:
                        found.append(issn)
        for issn in self._footer_issns:
            if issn not in found:
                found.append(issn)
        return found

    def _core_prop(self, name: str) -> str | None:
        for element in self.by_property(name):
            text = self.text_of(element)
            if text:
                return text
        return None

    @cached_property
    def _acs_citation(self) -> dict[str, str | None]:
        """Volume, issue and pages of the ACS citation line."""
        out: dict[str, str | None] = {"volume": None, "issue": None, "pages": None}
        for box in self.by_class("cit-info"):  # 2016: labelled spans
            for span in box.iter("span"):
                words = class_words(span)
                for key in ("volume", "issue", "pages"):
                    if f"cit-{key}" in words:
                        out[key] = self.text_of(span)
            return out
        for h1 in self.by_class("articleTitle"):  # 2016 without .cit-info: "J. Med. Chem., 2016, 59 (18), pp 8411–8425"
            for box in _ARTICLE_META(h1)[:1]:
                for div in box.iter("div"):
                    if div.get("id") != "citation":
                        continue
                    m = _CITATION_LINE.search(self.text_of(div) or "")
                    if m:
                        out["volume"], out["issue"], out["pages"] = m.group(1), m.group(2), m.group(3)
                        return out
        for box in self.by_class("article_header-cite-this"):  # 2019: journal, year, volume, issue, pages
            spans = [self.text_of(s) or "" for s in box.iterchildren("span")][1:]
            if spans and re.match(r"^[A-Za-z]{0,3}\d+([-–][A-Za-z]{0,3}\d+)?$", spans[-1]) and "-" in spans[-1] + "–":
                out["pages"] = spans.pop()
            if spans and re.match(r"^(1[6-9]|20)\d\d$", spans[0]):
                spans.pop(0)
            if spans:
                out["volume"] = spans[0] or None
            if len(spans) > 1:
                out["issue"] = spans[1] or None
        return out

    @cached_property
    def _printed_locator(self) -> tuple[str | None, str | None, str | None, str | None]:
        """(volume, issue, first, last) from a printed citation: Annual Reviews
        "Vol. 6:15-38"; science.org "Cite as" line "... Science 267, 74-77"."""
        for box in self.by_class("article-details"):
            for p in box.iterchildren("p"):
                m = _AR_LOCATOR.match(self.text_of(p) or "")
                if m:
                    first, last = split_pages(m.group(3))
                    return m.group(1), m.group(2), first, last
        for box in self.by_class("article_info"):
            for b in box.iter("b"):
                span = b.getparent()
                following = span.getnext() if span is not None else None
                if following is not None and following.tag == "span":
                    locator = self.text_of(following) or ""
                    # Science Advances' e-locators ("eabf8021") are longer than split_pages allows.
                    first, last = (locator, None) if _E_LOCATOR.match(locator) else split_pages(locator)
                    if first:
                        return self.text_of(b), None, first, last
        return None, None, None, None

    @article_field()
    def volume(self) -> str | None:
        return (
            super().volume
            or self._core_prop("volumeNumber")
            or self._acs_citation["volume"]
            or self._printed_locator[0]
        )

    @article_field()
    def issue(self) -> str | None:
        return (
            super().issue
            or self._core_prop("issueNumber")
            or self._acs_citation["issue"]
            or self._printed_locator[1]
        )

    @cached_property
    def _pages(self) -> tuple[str | None, str | None]:
        first, last = self._core_prop("pageStart"), self._core_prop("pageEnd")
        if first:
            return first, last
        for box in self.by_class("core-enumeration"):  # PNAS: the e-locator
            for element in box.iter():
                if element.get("property") == "identifier":
                    first, last = split_pages(self.text_of(element))
                    if first:
                        return first, last
        if self._acs_citation["pages"]:
            return split_pages(self._acs_citation["pages"])
        return self._printed_locator[2], self._printed_locator[3]

    @article_field()
    def first_page(self) -> str | None:
        return super().first_page or self._pages[0]

    @article_field()
    def last_page(self) -> str | None:
        if super().first_page:
            return super().last_page
        return self._pages[1] if self._pages[0] else None

    @article_field()
    def published(self) -> str | None:
        # ACS: "Publication Date (Web): October 3, 2011", the ASAP date.
        for label in self.by_class("epub-date"):
            for value in label.itersiblings():
                if "pub-date-value" in class_words(value):
                    return self._date(self.text_of(value))
        for h1 in self.by_class("articleTitle"):
            meta_box = _ARTICLE_META(h1)
            for box in meta_box[:1]:
                for div in box.iter("div"):
                    if div.get("id") == "pubDate":
                        return self._date((self.text_of(div) or "").split(":", 1)[-1])
        # History rows: "Published online: April 20, 2026", "Article first published online: ..."
        for name in ("core-history", "literatumContentItemHistory", "article-chapter-history-list"):
            for box in self.by_class(name):
                for row in box.iterdescendants("div", "li"):
                    text = self.text_of(row) or ""
                    if re.match(r"^(article )?(first )?published online\b", text, re.IGNORECASE) and len(row) <= 3:
                        return self._date(re.sub(r"^[^:\d]*?online\s*:?", "", text, flags=re.IGNORECASE))
        for box in self.by_class("core-date-published"):
            text = self.text_of(box)
            if text:
                return self._date(text)
        for box in self.by_class("meta-panel__onlineDate"):
            text = self.text_of(box) or ""
            return self._date(re.sub(r"^[^:\d]*?(online|date)\s*:?", "", text, flags=re.IGNORECASE))
        return super().published

    def _date(self, text: str | None) -> str | None:
        date = parse_date(text)
        if date is None and clean(text):
            self._warn(f"published: unreadable date {clean(text)!r}")
            return super().published
        return date

    @article_field()
    def article_type(self) -> str | None:
        for name in ("meta-panel__type", "content-navigation__contentType", "manuscriptType"):
            text = self.first_text(name)
            if text:
                return text
        return super().article_type

    # --- abstract and keywords --------------------------------------------------

    def _abstract_block(self) -> Any:
        blocks = self.by_property("abstract")
        if blocks:
            for block in blocks:
                if block.get("id") == "abstract":
                    return block
            for block in blocks:
                heading = next(block.iter("h2", "h3"), None)
                if heading is not None and (self.text_of(heading) or "").lower() == "abstract":
                    return block
            return blocks[0]
        for p in self.by_class("articleBody_abstractText"):
            return p.getparent()
        for block in self.by_class("hlFld-Abstract"):
            if self.by_class("abstractSection") or block.find(".//p") is not None:
                return block
        return None

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        block = self._abstract_block()
        sections = self.sections_of(block) if block is not None else []
        return sections or super().abstract_sections

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        words: list[str] = []
        for section in self.by_property("keywords"):
            words.extend(self.text_of(li) or "" for li in section.iter("li"))
        if not words:
            for box in self.by_class("article_keywords-container"):
                words.extend(self.text_of(li) or "" for li in box.iter("li"))
        if not words:
            words = [self.text_of(a) or "" for a in self.by_class("keyword") if a.tag == "a"]
        if not words:
            for box in self.by_class("hlFld-KeywordText"):
                words.extend(self.text_of(a) or "" for a in box.iter("a"))
        words = _unique([w.strip(" ,;") for w in words if w.strip(" ,;")])
        return words or super().keywords

    # --- access and offers ------------------------------------------------------------

    @article_field(empty="unknown")
    def access(self) -> str:
        for badge in self.by_class("meta-panel__access"):
            words = " ".join(class_words(badge))
            if "--open" in words or "--free" in words:
                return "open"
        for name in ("editors-choice", "article_header-open-access"):
            if _OPEN_OR_FREE.search(self.first_text(name) or ""):
                return "open"
        if self.offers or any(
            self.by_class(name) for name in ("denial-block", "get__access", "purchaseArea", "purchase-item")
        ):
            return "paywalled"
        return super().access

    @article_field(empty=[])
    def offers(self) -> list[Offer]:
        """One offer per price element: the core template's purchase items
        (`.purchase-item__title` + `.purchase-item__price__value`, with the
        currency code beside it in `.purchase-item__price__label`) and SAGE's
        radio list (`.add-article-to-cart__title` + `__price`)."""
        tax_note = self.first_text("tax-note", exclude="self::abbr")
        intro = " ".join(
            self.text_of(p) or ""
            for name in ("eCommercePurchaseAccessWidgetContainer",)
            for box in self.by_class(name)
            for p in box.iterchildren("p")
        )
        offers: list[Offer] = []
        prices = self.by_class("purchase-item__price__value") + self.by_class("add-article-to-cart__price")
        for price_element in prices:
            label_element, code = self._offer_label(price_element)
            label = self.text_of(label_element) if label_element is not None else None
            label = (label or "").rstrip(" -–:") or "Purchase"
            text = self.text_of(price_element) or ""
            price, currency = parse_price(text)
            if currency is None and code:
                currency = parse_price(code)[1]
            if price is None or currency is None:
                self._warn(f"offer {label!r}: price {text!r} unreadable")
                price = currency = None
            offers.append(
                Offer(
                    label=label,
                    kind=_offer_kind(label),
                    price=price,
                    currency=currency,
                    period=parse_period(label) or parse_period(intro),
                    tax_note=tax_note,
                )
            )
        return offers

    def _offer_label(self, price_element: Any) -> tuple[Any, str | None]:
        """The title element of a price's offer and the currency label beside the price."""
        code = None
        for sibling in price_element.itersiblings(preceding=True):
            if "purchase-item__price__label" in class_words(sibling):
                code = self.text_of(sibling)
        node = price_element.getparent()
        for _ in range(6):
            if node is None:
                break
            found = _OFFER_TITLE(node)
            if found:
                return found[0], code
            node = node.getparent()
        return None, code

    # --- metrics ------------------------------------------------------------------------

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        return self._shown_metrics()

    def _shown_metrics(self) -> Metrics:
        metrics = Metrics()
        for key, raw in self._metric_readings():
            if getattr(metrics, key) is not None:
                continue
            value = parse_count(raw)
            if value is None:
                if clean(raw) not in (None, "-", "—", "..."):
                    self._warn(f"metrics: {key} {clean(raw)!r} is not an exact number")
                continue
            setattr(metrics, key, value)
        metrics.altmetric = metrics.altmetric if metrics.altmetric is not None else self._altmetric()
        return metrics

    def _metric_readings(self) -> list[tuple[str, str | None]]:
        """(metric, shown text) pairs, best source first."""
        readings: list[tuple[str, str | None]] = []
        # "No data available": the metrics endpoint has no figures of that kind yet.
        disabled = {
            w.rsplit("--", 1)[-1]
            for link in self.by_class("metrics-nav__item-link--disabled")
            for w in class_words(link)
            if w.startswith("metrics-nav__item-link--") and w != "metrics-nav__item-link--disabled"
        }
        for item in self.by_class("metrics-total__item"):  # core sidebar: title="Total Views"
            key = _metric_key(item.get("title") or "")
            kinds = {w.rsplit("--", 1)[-1] for w in class_words(item) if w.startswith("metrics-total__item--")}
            if not key or kinds & disabled:
                continue
            value = next((e for e in item.iter() if "metrics-total__item-text" in class_words(e)), None)
            readings.append((key, self.text_of(value)))
        for total in self.by_class("toolbar-metric__total"):  # science.org header
            words = " ".join(class_words(total))
            key = "downloads" if "--downloads" in words else "citations" if "--citations" in words else None
            value = next((e for e in total.iter() if "total-text" in class_words(e)), None)
            if key and value is not None:
                readings.append((key, self.text_of(value)))
        for metric in self.by_class("article-metric"):  # ACM
            words = class_words(metric)
            key = "citations" if "citation" in words else "downloads" if "download" in words else None
            value = next((e for e in metric.iter() if "metric-value" in class_words(e)), None)
            if key and value is not None:
                readings.append((key, self.text_of(value)))
        for item in self.by_class("cited-by-counts__list-item__content"):  # "59 citation in Crossref"
            if "crossref" in class_words(item):
                m = re.match(r"^([\d,]+)", self.text_of(item) or "")
                readings.append(("citations", m.group(1) if m else None))
        for element in self.by_class("cross-ref-count"):  # SAGE "Crossref: 0"
            readings.append(("citations", (self.text_of(element) or "").split(":")[-1]))
        for element in self.by_class("font-weight-semibold"):  # SAGE "Total views and downloads: 31"
            text = self.text_of(element) or ""
            if text.lower().startswith("total views"):
                readings.append(("views", text.split(":")[-1]))
        for row in self.by_class("articleMetrics_row"):  # ACS 2019
            for cell in row.iterchildren("div"):
                label = self.text_of(cell.find("h6")) or ""
                key = _metric_key(label)
                value = next((e for e in cell.iter() if "articleMetrics-val" in class_words(e)), None)
                if key and value is not None:
                    readings.append((key, self.text_of(value)))
        for box in self.by_class("literatumContentItemDownloadCount"):  # ACS 2016 "Article Views: 5,758 Times"
            m = re.search(r"views:\s*([\d,]+)", self.text_of(box) or "", re.IGNORECASE)
            readings.append(("views", m.group(1) if m else self.text_of(box)))
        return readings

    def _altmetric(self) -> int | None:
        """The Altmetric badge, once its script drew it: `<img alt="Article has
        an altmetric score of 63">`."""
        for embed in self.by_class("altmetric-embed"):
            for img in embed.iter("img"):
                m = _ALTMETRIC_ALT.search(img.get("alt") or "")
                if m:
                    return int(m.group(1))
        return None

    # --- related lists ------------------------------------------------------------------

    @cached_property
    def _related(self) -> tuple[list[RelatedLink], dict[str, int], list[str]]:
        links: list[RelatedLink] = []
        counts: dict[str, int] = {}
        pending: list[str] = []

        def add(name: str, items: list[tuple[str, str | None, str | None]]) -> None:
            if any(link.list == name for link in links):
                return
            for rank, (title, url, doi) in enumerate(items, start=1):
                links.append(RelatedLink(list=name, rank=rank, title=title, url=url, doi=doi))

        # Cited by.
        cited = self._core_cited_by()
        if cited is not None:
            if cited:
                add("cited_by", cited)
            else:
                pending.append("cited_by")
        for box in self.by_class("cited-content"):  # ACS
            items = self._acs_cited_by(box)
            if items:
                add("cited_by", items)
            m = re.search(r"cited by\s+([\d,]+)", self.text_of(box.find("p")) or "", re.IGNORECASE)
            if m:
                counts["cited_by"] = int(m.group(1).replace(",", ""))
        # Recommended and similar articles.
        for box in self.by_class("show-recommended"):
            items = self._cards(box)
            if items:
                add("recommended", items)
        for box in self.by_class("temis-related"):  # SAGE: "Similar articles:", "Sage recommends:"
            heading = next(box.iter("h2", "h3"), None)
            name = _related_name(self.text_of(heading) if heading is not None else "")
            items = [(t, without_tracking(self.absolute(a.get("href"))), doi_in_link(a.get("href")))
                     for a in _TEASER_LINKS(box) for t in [self.text_of(a)] if t]
            if name and items:
                add(name, items)
        for box in self.by_class("recommendedPubList"):  # ACS 2016 "Related Content:"
            items = [(t, without_tracking(self.absolute(a.get("href"))), doi_in_link(a.get("href")))
                     for li in box.iterchildren("li") for a in li.iterchildren("a") for t in [self.text_of(a)] if t]
            items = _first_per_item(items)
            if items:
                add("similar", items)
        trendmd = self.by_id("trendmd-suggestions")
        if trendmd is not None:  # science.org: TrendMD's widget, drawn by its script
            items = [(t, self.absolute(a.get("href")), None) for a in trendmd.iter("a")
                     if "trendmd.com/open/" in (a.get("href") or "") for t in [self.text_of(a)] if t]
            if items:
                add("recommended", items)
            elif not any(link.list == "recommended" for link in links):
                pending.append("recommended")
        for tabs in self.by_class("ar-media-tabs"):  # Annual Reviews: "Related Articles" tab
            # The panes sit beside the tabs (`div.ar-media > div.ar-media-content`):
            # looked for there first, instead of by a walk of every id in the page.
            box = tabs.getparent() if tabs.getparent() is not None else tabs
            for li in tabs.iter("li"):
                name = _related_name(self.text_of(li) or "")
                pane_id = (li.get("id") or "").replace("-tab", "-content")
                pane = next((e for e in box.iter() if e.get("id") == pane_id), None) if pane_id else None
                if pane is None and pane_id:
                    pane = self.by_id(pane_id)
                if name and pane is not None and not self.text_of(pane) and name not in pending:
                    pending.append(name)
        return links, counts, [p for p in pending if not any(link.list == p for link in links)]

    def _core_cited_by(self) -> list[tuple[str, str | None, str | None]] | None:
        """The cited-by widget's entries (its longest copy: ACM shows three in
        the body and ten in the Citations tab); [] when the widget is there but
        empty, None when the page has no such widget."""
        lists = self.by_class("cited-by__list")
        if not lists:
            return [] if self._cited_by_source() else None
        best: list[tuple[str, str | None, str | None]] = []
        for ol in lists:
            items = self._cited_by_entries(ol)
            if len(items) > len(best):
                best = items
        return best

    def _cited_by_entries(self, ol: Any) -> list[tuple[str, str | None, str | None]]:
        items = []
        for li in ol.iterchildren("li"):
            words = class_words(li)
            if not ({"cited-by__entry", "citedByEntry"} & set(words)) or "seeMoreWrapper" in words:
                continue
            title_element, doi_span, href = _cited_entry_parts(li)
            title = self.text_of(title_element)
            if not title:
                continue
            title = title.rstrip(",").strip()
            url = self.absolute(href) if href is not None else None
            doi = parse_doi(self.text_of(doi_span)) or doi_in_link(href)
            items.append((title, url, doi))
        return items

    def _acs_cited_by(self, box: Any) -> list[tuple[str, str | None, str | None]]:
        items = []
        for ol in box.iter("ol"):  # 2019: no links, "DOI: 10.1021/x." in the text
            if "cited-content_cbyCitation" not in class_words(ol):
                continue
            # A highly cited article lists hundreds: the title is looked for
            # among the entry's own spans before a descendant XPath.
            for li in ol.iterchildren("li"):
                spans = li.iterchildren("span")
                title_element = next((c for c in spans if in_class(c, _ACS_CITED_TITLE_CLASS)), None)
                if title_element is None:
                    title_element = next(iter(_ACS_CITED_TITLE(li)), None)
                title = self.text_of(title_element)
                if not title:
                    continue
                title = title[:-1] if title.endswith(".") else title
                # "DOI: 10.1021/x." is one text node; the joined text would run
                # into a link after it ("10.1021/x.Crossref").
                m = next(filter(None, map(_ACS_DOI_IN_TEXT.search, _ACS_DOI_TEXTS(li))), None)
                hrefs = _ANY_HREF(li) if next(li.iter("a"), None) is not None else []
                url = self.absolute(hrefs[0]) if hrefs else None
                items.append((title, url, parse_doi(m.group(1)) if m else doi_in_link(hrefs[0] if hrefs else None)))
        for ul in box.iter("ul"):  # 2016: ul#citedBy > li > h2 > a
            if ul.get("id") != "citedBy":
                continue
            for li in ul.iterchildren("li"):
                heading = li.find("h2")
                title = self.text_of(heading)
                if not title:
                    continue
                hrefs = _ANY_HREF(heading)
                url = self.absolute(hrefs[0]) if hrefs else None
                items.append((title, url, doi_in_link(hrefs[0] if hrefs else None)))
        return items

    def _cards(self, box: Any) -> list[tuple[str, str | None, str | None]]:
        """Recommended-article cards: PNAS `h3.card__title > a`, ACM `a > h3.creative-work__title`."""
        items = []
        for title_element in _CARD_TITLES(box):
            link = title_element if title_element.tag == "a" else None
            if link is None:
                inner = title_element.find(".//a")
                link = inner if inner is not None else next(title_element.iterancestors("a"), None)
            title = self.text_of(title_element)
            if not title:
                continue
            url = without_tracking(self.absolute(link.get("href"))) if link is not None else None
            items.append((title, url, doi_in_link(link.get("href") if link is not None else None)))
        return items

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        return self._related[0]

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        return self._related[1]

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        return self._related[2]

    def _cited_by_source(self) -> str | None:
        for name in ("cited-by__content", "cited-by__list"):
            for element in self.by_class(name):
                source = (element.get("data-source") or "").strip()
                if source:
                    return self.absolute(source)
        return None

    def related_endpoints(self) -> dict[str, str]:
        """Widgets the page loads from `/pb/widgets/...`: the cited-by list and
        the metrics (science.org and ACM disallow that path in robots.txt;
        the spider decides)."""
        endpoints: dict[str, str] = {}
        if self.status != "article":
            return endpoints
        source = self._cited_by_source()
        if source:
            endpoints["cited_by"] = source
        for name in ("sidebar-metric-container", "toolbar-metric-container"):
            for element in self.by_class(name):
                source = (element.get("data-source") or "").strip()
                if source and "metrics" not in endpoints:
                    endpoints["metrics"] = self.absolute(source) or source
        return endpoints

    @classmethod
    def metrics_from_endpoint(cls, url: str, body: bytes) -> tuple[Metrics, list[str]]:
        """The metrics widget's HTML (`/pb/widgets/fullSideBarMetric/getResponse`,
        `/pb/widgets/toolBarMetric/getResponse`): what the page's script puts
        in `.sidebar-metric-container` / `.toolbar-metric-container`, the same
        markup as the copy the page carries there, with today's figures."""
        if not body.strip():
            return Metrics(), []
        from spiders.pages import make_response

        page = cls(response=make_response(url, b"<html><body>" + body + b"</body></html>"))
        return page._shown_metrics(), page._warnings()

    @classmethod
    def related_from_endpoint(cls, list_name: str, url: str, body: bytes) -> list[RelatedLink]:
        """The cited-by widget's HTML (`/pb/widgets/citedBy?page=1...`)."""
        if list_name != "cited_by" or not body.strip():
            return []
        from spiders.pages import make_response

        page = cls(response=make_response(url, b"<html><body>" + body + b"</body></html>"))
        items: list[tuple[str, str | None, str | None]] = []
        for ol in page.by_class("cited-by__list") or [page.sel.root]:
            items = page._cited_by_entries(ol) or items
        return [RelatedLink(list="cited_by", rank=i, title=t, url=u, doi=d) for i, (t, u, d) in enumerate(items, 1)]


class SageArticlePage(AtyponArticlePage):
    platform_name = "sage"
    hosts = ("journals.sagepub.com",)
    websites = ("sage",)


class PnasArticlePage(AtyponArticlePage):
    platform_name = "pnas"
    hosts = ("pnas.org",)
    websites = ("pnas-site",)


class ScienceArticlePage(AtyponArticlePage):
    platform_name = "science"
    hosts = ("science.org", "sciencemag.org")
    websites = ("aaas-site",)


class PsychiatryOnlineArticlePage(AtyponArticlePage):
    platform_name = "psychiatryonline"
    hosts = ("psychiatryonline.org",)
    websites = ("app-site",)


class AcsArticlePage(AtyponArticlePage):
    platform_name = "acs"
    hosts = ("pubs.acs.org",)
    websites = ("acspubs",)


class AnnualReviewsArticlePage(AtyponArticlePage):
    platform_name = "annualreviews"
    hosts = ("annualreviews.org",)
    websites = ("ar-site",)


class AcmArticlePage(AtyponArticlePage):
    platform_name = "acm"
    hosts = ("dl.acm.org",)
    websites = ("dl-site",)


# Publisher pages first; the generic Atypon page takes any other Literatum site.
# Classes of the "core" template, whose pages carry RDFa: `div.core-container`
# wraps each of its sections.
_CORE_TEMPLATE = ("core-container", "core-authors", "core-self-citation", "core-enumeration", "core-history")


def _words(value: str) -> tuple[str, ...]:
    """Every word of an RDFa `property` value ("author editor"), each indexed."""
    return tuple(value.split())


PAGE_OBJECTS = (
    SageArticlePage,
    PnasArticlePage,
    ScienceArticlePage,
    PsychiatryOnlineArticlePage,
    AcsArticlePage,
    AnnualReviewsArticlePage,
    AcmArticlePage,
    AtyponArticlePage,
)


# --- recognising Literatum -------------------------------------------------------------


def is_literatum(page: ArticlePage) -> bool:
    """Literatum's own markers: the `pbContext` meta tag and `<html
    class="pb-page">` (Atypon's page builder), or Literatum widget classes
    with `/doi/` links; Wiley and T&F (Literatum too) have their own page objects.
    Read once per page: every Atypon page object asks when a page is matched by markup."""
    return read_once(page, "_is_literatum", _read_is_literatum)


def _read_is_literatum(page: ArticlePage) -> bool:
    root = page.sel.root
    if root is None:
        return False
    signals = 0
    if page.meta.get("pbcontext"):
        signals += 1
    if "pb-page" in class_words(root):
        signals += 1
    body = root.find("body")
    if body is not None and "pb-ui" in class_words(body):
        signals += 1
    if signals == 0:
        return False
    publisher = " ".join(page.meta.get("citation_publisher", []) + page.meta.get("dc.publisher", []))
    site = " ".join(page.meta.get("og:site_name", []))
    websites = literatum_websites(page)
    if _NOT_OURS.search(publisher) or _NOT_OURS.search(site) or websites & {"pericles", "agupubs", "tandf"}:
        return False
    if signals >= 2:
        return True
    # One marker alone: want a DOI landing page as well.
    return any("/doi/" in value for value in page.meta.get("og:url", [])) or bool(_DOI_LINK(root))


def literatum_websites(page: ArticlePage) -> set[str]:
    found = set(_WEBSITE.findall(" ".join(page.meta.get("pbcontext", []))))
    body = page.sel.root.find("body") if page.sel.root is not None else None
    if body is not None:
        found |= {w[len("website-"):] for w in class_words(body) if w.startswith("website-")}
    return found


# --- helpers ----------------------------------------------------------------------------

_HEADER_AUTHORS = xpath(".//span[@property='author']")
_LOA_AUTHORS = xpath(".//span[contains(concat(' ', normalize-space(@class), ' '), ' hlFld-ContribAuthor ')]")
_ACS_AFF_MARKS_2019 = xpath(".//span[contains(concat(' ', normalize-space(@class), ' '), ' author-aff-symbol ')]")
_ACS_AFF_MARKS_2016 = xpath(".//span[contains(concat(' ', normalize-space(@class), ' '), ' NLM_xref-aff ')]")
_ARTICLE_META = xpath("following-sibling::div[@id='articleMeta'][1]")
_OLD_AUTHORS = xpath("./div[@id='authors']/span[contains(concat(' ', normalize-space(@class), ' '), ' hlFld-ContribAuthor ')]")
_OLD_AFFILIATIONS = xpath("./div[contains(concat(' ', normalize-space(@class), ' '), ' affiliations ')]")
_FIRST_LINK = xpath(".//a[contains(@href, '/author/') or contains(@href, 'Contrib')][1]")
_AR_LOCATOR = re.compile(r"^Vol\.\s*(\w+)(?:\((\w+)\))?:\s*([\w-]+(?:[-–][\w-]+)?)")
_OPEN_OR_FREE = re.compile(r"\b(open|free) access\b", re.IGNORECASE)
_AR_EMAIL = re.compile(r"[;,]?\s*e-?mail:?.*$", re.IGNORECASE)
_OFFER_TITLE = xpath(
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' purchase-item__title ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' add-article-to-cart__title ')]"
)
_ACS_CITED_TITLE_CLASS = "cited-content_cbyCitation_article-title"
_ACS_DOI_IN_TEXT = re.compile(r"DOI:\s*(\S+)")
_ACS_DOI_TEXTS = xpath(
    ".//text()[contains(., 'DOI:')]"
    "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]",
    plain=True,
)
_ACS_CITED_TITLE = xpath(f".//span[{has_class(_ACS_CITED_TITLE_CLASS)}]")
_ANY_HREF = xpath(".//a[@href][not(starts-with(@href, 'javascript'))]/@href")
_CARD_TITLES = xpath(
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' card__title ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' creative-work__title ')]"
)
_TEASER_LINKS = xpath(".//a[contains(concat(' ', normalize-space(@class), ' '), ' teaser__title__link ')]")
_DOI_LINK = xpath("(//link[@rel='canonical'][contains(@href, '/doi/')])[1]")
_NAME_JOINER = re.compile(r"^[\s,]*(?:and\s+)?")
_CITATION_LINE = re.compile(r",\s*\d{4},\s*(\w+)\s*(?:\((\w+)\))?(?:,\s*pp?\.?\s*([\w]+(?:\s*[-–]\s*\w+)?))?")
_E_LOCATOR = re.compile(r"^e[a-z]{0,4}\d+$")
_ALTMETRIC_ALT = re.compile(r"altmetric (?:attention )?score of (\d+)", re.IGNORECASE)

_RELATED_NAMES = {
    "similar articles": "similar",
    "related articles": "similar",
    "related content": "similar",
    "recommended articles": "recommended",
    "recommended": "recommended",
    "recommendations": "recommended",
    "sage recommends": "recommended",
    "people also read": "people_also_read",
    "cited by": "cited_by",
    "citing articles": "cited_by",
}


_XPATH_SPACE = " \t\r\n"  # what XPath's normalize-space() folds; str.split() folds more


def _cited_entry_parts(li: Any) -> tuple[list[Any], list[Any], str | None]:
    """What these XPaths select in a cited-by entry, read in one look at the
    entry instead of four XPath evaluations (fifteen entries on an ACM page):

    - the title, the first of `./span[has_class('cited-by__entry__title')]
      | ./span[not(@class)][normalize-space()][1]` (as a 0-or-1 list);
    - the DOI, `./span[has_class('doi')][1]` (as a 0-or-1 list);
    - the link, the first of `.//a[has_class('cited-by__entry__doi')]/@href`,
      else of `.//a[@href][not(starts-with(@href, 'javascript'))]/@href`.
    """
    title: list[Any] = []
    doi: list[Any] = []
    for span in li.iterchildren("span"):
        if not title:
            if span.get("class") is None:
                if "".join(span.itertext()).strip(_XPATH_SPACE):  # normalize-space() is not empty
                    title.append(span)
            elif in_class(span, "cited-by__entry__title"):
                title.append(span)
        if not doi and in_class(span, "doi"):
            doi.append(span)
    doi_link = any_link = None
    for a in li.iterdescendants("a"):
        href = a.get("href")
        if href is None:
            continue
        if in_class(a, "cited-by__entry__doi"):
            doi_link = href
            break
        if any_link is None and not href.startswith("javascript"):
            any_link = href
    return title, doi, doi_link if doi_link is not None else any_link


def _person_parts(person: Any) -> dict[str, list[Any]]:
    """One walk over an author's markup for what these XPaths select (four
    XPath evaluations per author cost more than the walk):

    - "givenName", "familyName": `.//*[@property='givenName']` (and family);
    - "affiliation name": `.//*[@property='affiliation']/*[@property='name']`;
    - "orcid": `.//a[contains(@href, 'orcid.org/')]/@href` (the hrefs).
    """
    parts: dict[str, list[Any]] = {"givenName": [], "familyName": [], "affiliation name": [], "orcid": []}
    for element in person.iterdescendants(etree.Element):
        prop = element.get("property")
        if prop == "givenName" or prop == "familyName":
            parts[prop].append(element)
        elif prop == "name":
            parent = element.getparent()
            if parent is not person and parent.get("property") == "affiliation":
                parts["affiliation name"].append(element)
        if element.tag == "a":
            href = element.get("href")
            if href is not None and "orcid.org/" in href:
                parts["orcid"].append(href)
    return parts


def _related_name(label: str | None) -> str | None:
    return _RELATED_NAMES.get(re.sub(r"[\d:(),]+", "", label or "").strip().lower())


def _metric_key(label: str) -> str | None:
    low = label.lower()
    if "altmetric" in low:
        return "altmetric"
    if "citation" in low:
        return "citations"
    if "download" in low:
        return "downloads"
    if "view" in low or "access" in low:
        return "views"
    return None


def _offer_kind(label: str) -> str:
    low = label.lower()
    if "token" in low or "package" in low:
        return "tokens"
    if "issue" in low:
        return "issue"
    if "subscri" in low or "/month" in low or "per year" in low:
        return "subscription"
    if "article" in low or "pdf" in low or "chapter" in low or "ppv" in low or "access" in low:
        return "article"
    return "other"


def _split_acs_name(name: str, href: str, raw_creators: list[str], index: int) -> tuple[str | None, str | None]:
    """Given and family name of an ACS author: the /author/Family%2C+Given
    link (2016), else dc.Creator "Given  Family" (two spaces) when it is
    the same person."""
    m = re.search(r"/author/([^,/?#]+),([^/?#]+)", unquote(href).replace("+", " "))
    if m:
        family = clean(m.group(1))
        if family and name.endswith(" " + family):
            return clean(name[: -len(family)]), family
        return clean(m.group(2)), family
    if index < len(raw_creators):
        parts = re.split(r"\s{2,}", raw_creators[index].strip())
        if len(parts) == 2 and clean(" ".join(parts)) == name:
            return clean(parts[0]), clean(parts[1])
    return None, None


def _unique(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _first_per_item(items: list[tuple[str, str | None, str | None]]) -> list[tuple[str, str | None, str | None]]:
    seen: set[str | None] = set()
    out = []
    for item in items:
        key = item[1] or item[0]
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


__all__ = ["PAGE_OBJECTS", "AtyponArticlePage", "is_literatum", "literatum_websites"]
