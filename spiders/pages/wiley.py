"""Wiley Online Library: onlinelibrary.wiley.com and the society sites on
*.onlinelibrary.wiley.com (agupubs, physoc, besjournals, ...).

Wiley runs Atypon Literatum with its own templates ("pericles"), which are
not T&F's nor the Atypon "core" ones.  Layouts read here:

* 2018 onwards: `h1.citation__title`, authors in `div.loa-authors` (desktop,
  may be cut at "See all authors") and `div.mobile-authors` (complete), an
  `div.author-info` per author; `div.epub-sections` ("First published: 11 July
  2024", "Citations: 4"); access badge `div.doi-access` ("Open Access",
  "Free Access", "Full Access"); abstract `section.article-section__abstract`;
  metrics modal `#articleMetrics div.metrics`; the "Related" tab's
  "Recommended" list (`div.show-recommended__content`), or its ajax URL on
  `article[data-related]`; "Citing Literature" as `li.citedByEntry` items or
  an empty `div.cited-by__content[data-source]`.
* before 2017: `div.articleInformationHeader` (`ol#authors` with numbered
  affiliations, `p#publishedOnlineDate`, `span.licensedContent` /
  `span.freeAccess`), `div#abstract.fullTextAbstract`, `ul.keywordList`.

Where prices would be: `offers()`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from spiders.items import AbstractSection, Author, Metrics, Offer, RelatedLink
from spiders.pages.base import (
    ABSTRACT_TITLES,
    ORCID_HREFS,
    ArticlePage,
    add_section_text,
    article_field,
    cached_property,
    class_words,
    document_elements,
    has_class,
    xpath,
)
from spiders.pages.text import (
    clean,
    parse_count,
    parse_date,
    parse_doi,
    parse_orcid,
    parse_period,
    parse_price,
    split_name,
    split_pages,
)

# Offer kinds by label, shared with the other Literatum readers' wording.
_OFFER_KINDS = (
    ("tokens", re.compile(r"\btokens?\b|\bpackage", re.I)),
    ("issue", re.compile(r"\bissue\b", re.I)),
    ("subscription", re.compile(r"subscri|/\s*(month|year)|per (month|year)|annual", re.I)),
    ("article", re.compile(r"article|pdf|online access|online-only|read|rent|download|chapter|hour|day", re.I)),
)


def offer_kind(label: str) -> str:
    for kind, pattern in _OFFER_KINDS:
        if pattern.search(label):
            return kind
    return "other"


class WileyArticlePage(ArticlePage):
    platform_name = "wiley"
    class_markers = (
        # 2018+ layout
        "citation__title", "loa-authors", "mobile-authors", "author-name", "epub-sections", "epub-state",
        "epub-date", "epub-doi", "cited-by-count", "primary-heading", "doi-access", "volume-issue",
        "citation__page-range", "page-range", "journal-banner-text", "journal-banner-image",
        "article-section__abstract", "keywords",
        "accessDenialslot", "altmetric-embed", "show-recommended__content", "creative-work__title",
        "cited-by__content", "citedByEntry", "article-section__citedBy",
        "purchaseArea", "purchase-options", "access-options", "ppv-options", "pricing-options", "tax-note",
        # before 2017
        "articleInformationHeader", "articleCategory", "mainTitle", "licensedContent", "freeAccess",
        "keywordList", "fullTextAbstract", "affiliation",
    )

    @classmethod
    def matches_host(cls, host: str) -> bool:
        return (
            host == "onlinelibrary.wiley.com"
            or host.endswith(".onlinelibrary.wiley.com")
            or host.endswith("interscience.wiley.com")
        )

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        """A Wiley page saved or served elsewhere: the site name, the
        Literatum context of Wiley's own template, or Highwire URLs that point
        to the Online Library."""
        if (page.first_meta(("og:site_name",)) or "") == "Wiley Online Library":
            return True
        if "website:website:pericles" in (page.first_meta(("pbcontext",)) or ""):
            return True
        return any(
            "onlinelibrary.wiley.com/doi/" in value
            for name in ("citation_abstract_html_url", "citation_fulltext_html_url", "citation_pdf_url")
            for value in page.meta.get(name, [])
        )

    def has_article_markup(self) -> bool:
        return self._title_element() is not None

    # --- bibliographic ----------------------------------------------------------

    def _title_element(self) -> Any:
        for element in self.by_class("citation__title"):
            if element.tag in ("h1", "h2"):
                return element
        for element in self.by_class("mainTitle"):
            return element
        return None

    @article_field()
    def doi(self) -> str | None:
        doi = super().doi
        if doi:
            return doi
        hrefs = [a.get("href", "") for a in self.by_class("epub-doi")]
        return parse_doi(hrefs[0]) if hrefs else None

    @article_field()
    def title(self) -> str | None:
        element = self._title_element()
        return (self.text_of(element) if element is not None else None) or super().title

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        authors = self._listed_authors() or self._numbered_authors()
        if not authors:
            return super().authors
        # The links give family/given; where they do not (sanitized copies,
        # search links), Highwire's "Family, Given" may.
        embedded = {a.name: a for a in super().authors if a.family}
        for author in authors:
            if author.family is None and author.name in embedded:
                author.given, author.family = embedded[author.name].given, embedded[author.name].family
        return authors

    def _listed_authors(self) -> list[Author]:
        """2018+ layout.  The desktop list may stop at "… See all authors";
        the mobile list carries everyone: the longer list is read."""
        boxes = self.by_class("loa-authors") + self.by_class("mobile-authors")
        best: list[Any] = []
        for box in boxes:
            links = [a for a in _AUTHOR_LINKS(box) if "author-name" in class_words(a)]
            if len(links) > len(best):
                best = links
        authors = []
        for link in best:
            name = self.text_of(link)
            if not name:
                continue
            info = _author_info(link)
            family, given = _name_from_link(link.get("href", ""), name)
            authors.append(
                Author(
                    name=name,
                    given=given,
                    family=family,
                    affiliations=self._affiliations(info) if info is not None else [],
                    orcid=parse_orcid(" ".join(ORCID_HREFS(info))) if info is not None else None,
                )
            )
        return authors

    def _affiliations(self, info: Any) -> list[str]:
        """The plain paragraphs of an author's box, up to the correspondence
        address ("<b>Correspondence</b>") and the e-mail line."""
        affiliations: list[str] = []
        for p in info.iterchildren("p"):
            if p.get("class"):
                continue  # "Corresponding Author", the repeated name
            text = self.text_of(p)
            if not text:
                continue
            opens_bold = len(p) and p[0].tag in ("b", "strong") and not (p.text or "").strip()
            if opens_bold or _CORRESPONDENCE.match(text):
                break  # "<b>Correspondence</b> …", "Email: …": the rest is contact data
            affiliations.append(text)
        return affiliations

    def _numbered_authors(self) -> list[Author]:
        """Before 2017: `ol#authors li` "Ruth Ruscheweyh<sup>1,2,†,*</sup>, "
        and `li.affiliation` "<sup>1</sup><p>Department …</p>"."""
        header = self.by_class("articleInformationHeader")[:1]
        if not header:
            return []
        labels: dict[str, str] = {}
        for li in self.by_class("affiliation"):
            sup = li.find("sup")
            text = self.text_of(li, exclude="self::sup")
            if sup is not None and text:
                labels[clean("".join(sup.itertext())) or ""] = text
        embedded = super().authors
        authors = []
        for index, li in enumerate(_OLD_AUTHORS(header[0])):
            name = (self.text_of(li, exclude="self::sup") or "").rstrip(", ")
            if not name:
                continue
            marks = " ".join(" ".join(s.itertext()) for s in li.iter("sup")).replace(",", " ").split()
            given = family = None
            if index < len(embedded) and embedded[index].family and name.endswith(embedded[index].family):
                given, family = embedded[index].given, embedded[index].family
            authors.append(
                Author(name=name, given=given, family=family, affiliations=[labels[m] for m in marks if m in labels])
            )
        return authors

    def _printed(self, key: str) -> str | None:
        if key == "journal":
            return self.text_of(self.by_class("journal-banner-text")[:1]) or self._banner_journal()
        if key in ("volume", "issue"):
            return self._volume_issue[key == "issue"]
        return None  # pages: `_page_range`, below

    def _banner_journal(self) -> str | None:
        """The 2019 template's banner image, `alt="Annalen der Physik banner"`;
        before 2017, `<h2 id="productTitle">` (looked for only here: a page
        with the journal's metadata never walks for it)."""
        for image in self.by_class("journal-banner-image"):
            alt = clean(image.get("alt"))
            if alt and alt.lower().endswith(" banner") and len(alt) > len(" banner"):
                return alt[: -len(" banner")].strip()
        return self.text_of(_PRODUCT_TITLE(self.sel.root)[:1])

    @cached_property
    def _volume_issue(self) -> tuple[str | None, str | None]:
        text = self.text_of(self.by_class("volume-issue")[:1]) or ""
        m = re.search(r"Volume\s*([\w.-]+)\s*,\s*Issue\s*([\w./-]+)", text)
        return (m.group(1), m.group(2)) if m else (None, None)

    @cached_property
    def _page_range(self) -> tuple[str | None, str | None]:
        for element in self.by_class("citation__page-range") + self.by_class("page-range"):
            if element.tag == "li" or "citedByEntry" in class_words(element.getparent()):
                continue  # a citing article's pages
            text = self.text_of(element)
            first, last = split_pages(text)
            if first:
                return first, last
            # An article number in place of pages: "e2020GL099999".
            m = _ARTICLE_NUMBER.match(text or "")
            if m:
                return m.group(1), None
        return self._cited_article_number(), None

    def _cited_article_number(self) -> str | None:
        """The article number of the page's own "how to cite" text (meta
        `article_references`, what the Cite button shows): AGU journals print
        "Global Biogeochem. Cycles, 19, GB1016, doi:10.1029/2004GB002273" and
        no page range.  Only a citation that ends with this article's DOI and
        names its volume counts."""
        doi, volume = self.doi, self.volume
        if not doi or not volume:
            return None
        for text in self.meta.get("article_references", []) or self._how_to_cite():
            if (parse_doi(text[-(len(doi) + 30):]) or "").lower() != doi.lower():
                continue  # another article's citation
            m = re.search(
                rf",\s*{re.escape(volume)}(?:\s*\(\d+\))?\s*[,:]\s*([A-Za-z]{{0,3}}\d[\w.]*?)\s*[,.]\s*(?:doi:|https?://(?:dx\.)?doi\.org/)\S*$",
                text,
            )
            if m and _ARTICLE_NUMBER.match(m.group(1)):
                return m.group(1)
        return None

    def _how_to_cite(self) -> list[str]:
        """The same citation as the Cite button shows it, `div#how-to-cite`
        (hidden until clicked), for a page without `article_references`
        (a body-only copy).  Looked up by id only then: the lookup indexes
        the page's ids."""
        box = self.by_id("how-to-cite")
        text = self.text_of(box) if box is not None else None
        return [text] if text else []

    @article_field()
    def first_page(self) -> str | None:
        return super().first_page or self._page_range[0]

    @article_field()
    def last_page(self) -> str | None:
        return super().last_page or self._page_range[1]

    @article_field()
    def published(self) -> str | None:
        """"First published: 11 July 2024"; a year alone ("First published:
        1926", a digitised back issue) is not a date: the online date of the
        metadata is then the first online publication."""
        for state in self.by_class("epub-state"):
            if "first published" not in (state.text or "").lower():
                continue
            shown = self.text_of(state.getnext()) if state.getnext() is not None else None
            date = parse_date(shown)
            if date:
                return date
            if shown and not re.fullmatch(r"\d{4}", shown):
                self._warn(f"published: unreadable date {shown!r}")
        for header in self.by_class("articleInformationHeader")[:1]:
            for p in _OLD_PUBLISHED(header):
                text = self.text_of(p) or ""
                date = parse_date(text.split(":", 1)[-1])
                if date:
                    return date
                self._warn(f"published: unreadable date {text!r}")
        return super().published

    @article_field()
    def article_type(self) -> str | None:
        for heading in self.by_class("primary-heading"):
            if not _INNER_HEADING(heading):
                text = self.text_of(heading)
                if text:
                    return text
        for category in self.by_class("articleCategory")[:1]:
            text = self.text_of(category)
            if text:
                return text
        return super().article_type

    # --- abstract and keywords ---------------------------------------------------

    def _abstract_block(self) -> Any:
        """The "Abstract" section; others of the group are "Graphical
        Abstract", "Plain Language Summary", another language..."""
        blocks = self.by_class("article-section__abstract")
        for block in blocks:
            title = _SECTION_TITLE(block)
            if title and (self.text_of(title[0]) or "").lower() in ABSTRACT_TITLES:
                if (block.get("lang") or "en").lower().startswith("en"):
                    return block
        return blocks[0] if blocks else None

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        block = self._abstract_block()
        if block is not None:
            sections = self._sections(block)
            if sections:
                return sections
        for old in self.by_class("fullTextAbstract")[:1]:
            sections = self.sections_of(old)
            if sections:
                return sections
        # AGU's metadata keeps the paragraph numbers the page sets apart ("[1] The ...").
        return [
            AbstractSection(heading=s.heading, text=_PARAGRAPH_NUMBER.sub("", s.text) or s.text)
            for s in super().abstract_sections
        ]

    def _sections(self, block: Any) -> list[AbstractSection]:
        """`h3.article-section__sub-title` headings over paragraphs; the
        paragraph numbers of AGU journals ("[1] ") are not text."""
        sections: list[AbstractSection] = []
        heading: str | None = None
        for node in _ABSTRACT_PARTS(block):
            if node.tag != "p":
                text = self.text_of(node)
                if text and text.lower().rstrip(":") not in ABSTRACT_TITLES:
                    heading = text.rstrip(": ").strip() or None
                continue
            text = self.text_of(node, exclude=has_class("paraNumber"))
            if not text:
                continue
            add_section_text(sections, heading, text)
        return sections

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        words: list[str] = []
        boxes = [b for b in self.by_class("keywords") if b.tag == "section"][:1] or self.by_class("keywordList")[:1]
        for box in boxes:
            for li in box.iter("li"):
                word = (self.text_of(li) or "").rstrip(";, ")
                if word and word not in words:
                    words.append(word)
        return words or super().keywords

    # --- access and offers --------------------------------------------------------

    @article_field(empty="unknown")
    def access(self) -> str:
        badge = " ".join(self.text_of(b) or "" for b in self.by_class("doi-access"))
        if re.search(r"\b(open|free) access\b", badge, re.I):
            return "open"
        if self.by_class("freeAccess") or any(
            "free access" in (e.get("title") or "").lower() for e in self.by_class("licensedContent")
        ):
            return "open"
        if self.offers or any(self.text_of(slot) for slot in self.by_class("accessDenialslot")):
            return "paywalled"
        if "access denial" in (self.first_meta(("pbcontext",)) or "").lower():
            return "paywalled"
        return super().access

    def _purchase_areas(self) -> list[Any]:
        areas: list[Any] = []
        for name in ("purchaseArea", "purchase-options", "access-options", "ppv-options", "pricing-options",
                     "accessDenialslot"):
            for area in self.by_class(name):
                if not any(area is a or a in area.iterancestors() for a in areas):
                    areas.append(area)
        return areas

    @article_field(empty=[])
    def offers(self) -> list[Offer]:
        """"Purchase Instant Access": each option (a list item or an
        "…option"/"…item" box) shows a label and a price ("48-Hour online
        access $12.00").  The options are found by their prices, so the
        reader does not depend on the class names of one template."""
        offers: list[Offer] = []
        seen: set[Any] = set()
        for area in self._purchase_areas():
            tax_note = None
            for note in self.by_class("tax-note"):
                if area in note.iterancestors():
                    tax_note = self.text_of(note)
            for node in area.iter():
                if not isinstance(node.tag, str) or node in seen:
                    continue
                own = clean(node.text) or ""
                if not _PRICE.search(own) or node.tag in ("script", "style"):
                    continue
                option = _option_of(node, area)
                if option in seen:
                    continue
                seen.add(option)
                seen.add(node)
                price, currency = parse_price(self.text_of(node))
                label = self._option_label(option, node)
                if not label:
                    self._warn(f"offer price {own!r} has no label")
                    continue
                if price is None or currency is None:
                    self._warn(f"offer {label!r}: price {own!r} unreadable")
                details = [t for t in (self.text_of(li) for li in option.iter("li") if li is not option) if t]
                offers.append(
                    Offer(
                        label=label,
                        kind=offer_kind(label),
                        price=price if currency else None,
                        currency=currency if price else None,
                        period=parse_period(label, *details),
                        details=details,
                        tax_note=tax_note or self._tax_line(area),
                    )
                )
        return offers

    def _option_label(self, option: Any, price_node: Any) -> str | None:
        for node in option.iter():
            if node is price_node or not isinstance(node.tag, str):
                continue
            words = " ".join(class_words(node)).lower()
            if node.tag in ("h3", "h4", "h5", "strong", "b", "label") or re.search(r"title|name|label", words):
                text = self.text_of(node)
                if text and not _PRICE.search(text):
                    return text
        text = self.text_of(option, exclude="self::ul or self::ol") or ""
        price_text = self.text_of(price_node) or ""
        return clean(text.replace(price_text, " ")) or None

    def _tax_line(self, area: Any) -> str | None:
        for node in area.iter("p", "span", "div"):
            own = clean(node.text) or ""
            if re.search(r"\btax(es)?\b|\bVAT\b", own, re.I) and len(own) < 200:
                return own
        return None

    # --- metrics and related lists ---------------------------------------------------

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        """"Citations: 4" / "Cited by: 348" under the title, "Citations
        (CrossRef): 252" in the metrics box; the Altmetric badge says its
        score in words ("Article has an altmetric score of 6")."""
        metrics = Metrics()
        for box in self.by_class("cited-by-count"):
            text = self.text_of(box) or ""
            m = re.search(r"(?:citations|cited by)[^:]*:\s*(\S+)", text, re.I)
            if not m:
                continue
            value = parse_count(m.group(1))
            if value is None:
                self._warn(f"metrics: citations {m.group(1)!r} is not an exact number")
            elif metrics.citations is None:
                metrics.citations = value
        for badge in self.by_class("altmetric-embed"):
            for node in badge.iter("a", "img"):
                m = _ALTMETRIC_SCORE.search(node.get("aria-label") or node.get("alt") or "")
                if m and metrics.altmetric is None:
                    metrics.altmetric = int(m.group(1))
        return metrics

    def _recommended(self) -> list[RelatedLink]:
        links: list[RelatedLink] = []
        for box in self.by_class("show-recommended__content")[:1]:
            titles = [t for t in self.by_class("creative-work__title") if box in t.iterancestors()]
            for rank, title in enumerate(titles, start=1):
                anchor = title if title.tag == "a" else next(title.iter("a"), None)
                text = self.text_of(title)
                if anchor is None or not text:
                    continue
                href = anchor.get("href")
                links.append(RelatedLink(list="recommended", rank=rank, title=text, url=self.absolute(href), doi=_doi_of_link(href)))
        return links

    def _cited_by(self) -> list[RelatedLink]:
        """"Citing Literature" entries: authors, title, source, DOI, link.
        An entry that shows no title of its own (a book by its name only) is
        left out; ranks stay the entries' places in the list.  A page can
        list hundreds: the entries are read child by child, not by XPath."""
        links: list[RelatedLink] = []
        for rank, entry in enumerate(self.by_class("citedByEntry"), start=1):
            title_node = href = None
            doi_text = ""
            for child in entry.iterchildren():
                names = child.get("class") or ""  # one string test per child: lists run long
                if "seriesTitle" in names:
                    title_node = title_node if title_node is not None else False
                elif title_node is None and child.tag == "span" and (not names or "itle" in names):
                    title_node = child
                elif names == "doi":
                    doi_text = "".join(child.itertext())
                elif "extra-links" in names and href is None:
                    href = next((a.get("href") for a in child.iter("a") if a.get("href")), None)
            title = self.text_of(title_node) if title_node is not None and title_node is not False else None
            if not title:
                continue
            if href is None:
                href = next((a.get("href") for a in entry.iter("a") if a.get("href")), None)
            url = href if href and href.startswith(("https://", "http://")) else self.absolute(href)
            doi = parse_doi(doi_text) if doi_text else None
            links.append(RelatedLink(list="cited_by", rank=rank, title=title, url=url, doi=doi or _doi_of_link(href)))
        return links

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        return self._recommended() + self._cited_by()

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        """"Number of times cited according to CrossRef: 348" heads the
        Citing Literature list; the count under the title is a metric."""
        for section in self.by_class("article-section__citedBy"):
            for heading in section.iter("h2", "h3", "h4"):
                m = re.search(r"(?:cited|citing)\D*?(\d[\d,]*)\s*\)?\s*$", self.text_of(heading) or "", re.I)
                if m:
                    return {"cited_by": int(m.group(1).replace(",", ""))}
        return {}

    @cached_property
    def _related_sources(self) -> dict[str, str]:
        """{list: ajax URL} of the lists a browser loads after the page."""
        sources: dict[str, str] = {}
        # A walk by tag: an XPath predicate on every <article> of a large page cost 0.3-1.2 ms.
        for article in document_elements(self.sel.root, "article"):
            if article.get("data-related") is not None:
                sources["recommended"] = article.get("data-related", "")
                break
        for box in self.by_class("cited-by__content"):
            if box.get("data-source") is not None:
                sources["cited_by"] = box.get("data-source", "")
                break
        return sources

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        pending: list[str] = []
        have = {link.list for link in self.related}
        for name in self._related_sources:
            if name not in have and not (name == "cited_by" and self.by_class("citedByEntry")):
                pending.append(name)
        return pending

    def related_endpoints(self) -> dict[str, str]:
        endpoints: dict[str, str] = {}
        for name, source in self._related_sources.items():
            if source and "TOKEN" not in source and name in self.related_pending:
                url = self.absolute(source)
                if url:
                    endpoints[name] = url
        return endpoints


PAGE_OBJECTS = (WileyArticlePage,)

_PRODUCT_TITLE = xpath("//h2[@id='productTitle']")
_PRICE = re.compile(r"(?:[$€£¥]\s?\d|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD)\s?\d|\d\s?(?:USD|EUR|GBP)\b)")
_ARTICLE_NUMBER = re.compile(r"^(?:(?:pp?\.|pages?|article(?: number)?:?)\s*)?([A-Za-z]{0,3}\d[A-Za-z0-9]*)$", re.I)
_CORRESPONDENCE = re.compile(r"^(correspondence|e-?mail|address for correspondence)\b", re.I)
_ALTMETRIC_SCORE = re.compile(r"altmetric score of (\d+)", re.I)
_AUTHOR_LINKS = xpath(".//a[@href]")
_OLD_AUTHORS = xpath(".//ol[@id='authors']/li")
_OLD_PUBLISHED = xpath(".//p[@id='publishedOnlineDate']")
_INNER_HEADING = xpath(f".//*[{has_class('primary-heading')}]")
_SECTION_TITLE = xpath("./h2[1]")
_PARAGRAPH_NUMBER = re.compile(r"^\[\d{1,3}\]\s+")
_ABSTRACT_PARTS = xpath("descendant::*[self::h2 or self::h3 or self::h4 or self::p]")
_LINKED_DOI = re.compile(r"(?:(?:abs|full|pdf|epdf|pdfdirect|book)/)?(10\.\d{4,9}/\S+)")


def _author_info(link: Any) -> Any:
    """The `div.author-info` box that follows an author's link."""
    node = link.getnext()
    while node is not None:
        if "author-info" in class_words(node):
            return node
        if node.tag == "a":
            return None
        node = node.getnext()
    return None


def _name_from_link(href: str, name: str) -> tuple[str | None, str | None]:
    """(family, given) from "/authored-by/Fleury/Marine+N." or a search link
    "ContribAuthorStored=Schr%C3%B6dinger%2C+E"; the given name is taken from
    the displayed name when it ends with the family name ("E." not "E")."""
    href = unquote(href).replace("+", " ")
    family = given = None
    m = re.search(r"/authored-by/([^/?#]+)/([^/?#]+)", href)
    if m:
        family, given = clean(m.group(1)), clean(m.group(2))
    else:
        m = re.search(r"ContribAuthorStored=([^&#]+)", href)
        if m:
            given, family = split_name(m.group(1))
    if not family or not name.endswith(family):
        return None, None
    given = clean(name[: -len(family)]) or given
    return family, given


def _option_of(price_node: Any, area: Any) -> Any:
    """The element holding one purchase option: the nearest list item or
    "…option"/"…item"/"…offer" box around the price."""
    for node in price_node.iterancestors():
        if node is area:
            break
        words = " ".join(class_words(node)).lower()
        if node.tag == "li" or re.search(r"option|item|offer|product", words):
            return node
    return price_node.getparent() if price_node.getparent() is not None else price_node


def _doi_of_link(url: str | None) -> str | None:
    """The DOI a link's path names: "https://doi.org/10.1007/x",
    "/doi/full/10.1111/epi.17370", and SICI DOIs with "<>;" in them
    ("/doi/10.1002/%28SICI%29…%3C79%3A%3AAID-QUA1%3E3.0.CO%3B2-U")."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    if "doi.org/" in path:
        rest = path.split("doi.org/", 1)[1]
    elif "/doi/" in path:
        rest = path.split("/doi/", 1)[1]
    else:
        return None
    m = _LINKED_DOI.match(unquote(rest).lstrip("/"))
    return m.group(1).rstrip(".,") if m else None
