"""Silverchair sites: Oxford Academic (academic.oup.com), JAMA Network
(jamanetwork.com), MIT Press Direct (direct.mit.edu), and other journals
on the Silverchair platform (recognised by their `*.silverchair-cdn.com`
assets).

What the markup shows beyond the embedded Highwire metadata:

- authors in `.wi-authors`: one `.al-author-name` (`.al-author-name-more`
  behind "Show more") per author, with an info card holding the
  affiliations (`.aff`, an optional `.label` number first) and the ORCID link;
- "Published:" (`.citation-label` + `.citation-date`, the first online date;
  `citation_publication_date` is the issue's cover date);
- the issue section ("Issue Section: Presidential Address") as the type;
- one purchase offer per currency: `.purchase-currency-wrap` holds one
  `.purchase-currency` per price ("EUR €53.00", "GBP £46.00", "USD $62.00"),
  after a text line naming what is sold ("<title> - 24 Hours access");
- metrics: the headline bar (`.contentmet-text` label + `.contentmet-number`
  or the Dimensions badge `.__db_score`), the older condensed bar and the
  metrics modal (`.artmet-number` beside `.artmet-text`), the Altmetric badge;
- "Citing articles via" links with a count ("Web of Science (71)");
- "Related Articles" lists (`.vt-related-content`) and the TrendMD widget,
  an empty placeholder a script fills.
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
    is_abstract_heading,
    names_a_page,
    read_once,
    split_labelled_sections,
    without_tracking,
    xpath,
)
from spiders.pages.text import (
    clean,
    parse_date,
    parse_doi,
    parse_issn,
    parse_orcid,
    parse_period,
    parse_price,
    strip_list_joint,
    tidy_punctuation,
)

# Silverchair's access icon in the title heading: `<span data-resource-id-access>
# <i class="js-access-icon-placeholder ..." title="Unavailable">`.
_ACCESS_ICON = "self::span[@data-resource-id-access] or self::i[contains(@class, 'access-icon')]"
_CDN_MARKS = ("silverchair-cdn.com", "silverchaircdn.com")

# Metric labels as Silverchair prints them (lower-cased) -> Metrics field.
_METRIC_LABELS = {
    "views": "views",
    "total views": "views",
    "citations": "citations",
    "web of science": "citations",
    "crossref": "citations",
    "dimensions": "citations",
    "pdf downloads": "downloads",
    "downloads": "downloads",
}

_RELATED_HEADINGS = {
    "related articles": "similar",
    "related content": "similar",
    "similar articles": "similar",
    "recommended articles": "recommended",
    "recommended": "recommended",
    "you may also like": "recommended",
    "people also read": "people_also_read",
    "cited by": "cited_by",
    "citing articles via": "cited_by",
}


class SilverchairArticlePage(ArticlePage):
    """Any Silverchair journal site; the OUP, JAMA and MIT Press page objects
    below only add what their sites show differently."""

    platform_name = "silverchair"
    hosts: tuple[str, ...] = ()
    cdn_hosts: tuple[str, ...] = _CDN_MARKS
    site_names: tuple[str, ...] = ()
    doi_boxes = ("ww-citation-primary", "citation-doi")  # MIT Press prints its DOI apart

    class_markers = (
        "wi-authors", "wi-article-title", "info-card-name", "info-card-affilitation", "info-card-affiliation", "aff",
        "article-title",
        "article-metadata-tocSections", "kwd-group", "kwd-part", "abstract",
        "citation-label", "ww-citation-primary", "article-date", "citation-doi",
        "journal-footer-colophon", "metadata-issn",
        "purchase-currency-wrap",
        "contentmet-text", "artmet-number", "altmetric-embed",
        "article-cited-link-wrap", "vt-related-content", "widget-TrendMD",
        "SCM-SharedWidgets-AsyncWidgetLoader",
        "icon-availability_open", "icon-availability_free", "icon-availability_cart",
        "get-access", "article-top-info-user-restricted-options", "buyThisResourceLink",
        "meta-article-type", "meta-access-type", "para", "article-full-text", "meta-citation",
        "meta-authors", "wi-fullname",
    )

    @classmethod
    def matches_host(cls, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in cls.hosts)

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        site = page.first_meta(("og:site_name",)) or ""
        if cls.site_names and site in cls.site_names:
            return True
        return any(mark in href for href in _head_link_hrefs(page) for mark in cls.cdn_hosts)

    def has_article_markup(self) -> bool:
        return bool(self.by_class("wi-article-title"))

    # --- bibliographic ----------------------------------------------------------

    @article_field()
    def title(self) -> str | None:
        if self.first_meta(("citation_title", "dc.title", "prism.title")):
            return super().title
        # The heading without its access icon, whose screen-reader text
        # ("Unavailable") is no part of the title; an <i> of the title itself
        # (a species name) is.
        heading = self.text_of(self.by_class("wi-article-title")[:1], exclude=_ACCESS_ICON)
        return heading or super().title

    def _author_blocks(self) -> list[Any]:
        """One element per author, in page order: `.al-author-name`, and
        `.al-author-name-more` for those behind "Show more"."""
        boxes = self.by_class("wi-authors")[:1]
        blocks: list[Any] = []
        for el in boxes[0].iter() if boxes else ():
            if not isinstance(el.tag, str):
                continue
            words = class_words(el)
            if ("al-author-name" in words or "al-author-name-more" in words) and not (
                blocks and _within(el, blocks[-1])
            ):
                blocks.append(el)
        return blocks

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        blocks = self._author_blocks()
        if not blocks:
            return super().authors
        embedded = self._highwire_authors()
        cards = self.by_class_in(blocks, "info-card-name")
        affs = self._block_affiliations(blocks)
        authors: list[Author] = []
        for block in blocks:
            card = cards.get(block, [])
            name = self.text_of(card[:1], exclude="self::span") or self.text_of(_LINKED_NAME(block)[:1])
            name = clean((name or "").rstrip(",;"))
            if not name:
                continue
            affiliations = [a for a in (self._affiliation(aff) for aff in affs.get(block, [])) if a]
            orcid = parse_orcid(" ".join(ORCID_HREFS(block)))
            authors.append(Author(name=name, affiliations=_unique(affiliations), orcid=orcid))
        _names_from(embedded, authors)
        return authors

    def _block_affiliations(self, blocks: list[Any]) -> dict[Any, list[Any]]:
        """Each author block's `.aff` elements inside its affiliation box (the
        class is spelled "affilitation" on some sites), in page order."""
        holders = set(blocks)
        boxes = set(self.by_class("info-card-affilitation") + self.by_class("info-card-affiliation"))
        found: dict[Any, list[Any]] = {}
        for aff in self.by_class("aff"):
            in_box = False
            for ancestor in aff.iterancestors():
                if ancestor in holders:
                    if in_box:
                        found.setdefault(ancestor, []).append(aff)
                    break
                in_box = in_box or ancestor in boxes
        return found

    def _affiliation(self, aff: Any) -> str | None:
        text = tidy_punctuation(self.text_of(aff, exclude=f"self::*[{_LABEL_CLASS}]"))
        if not text:
            return None
        # Affiliations split out of one list keep its joints: "..., Canada, and".
        return clean(strip_list_joint(text)) or None

    @article_field(empty=[])
    def issns(self) -> list[str]:
        found = list(super().issns)
        boxes = self.by_class("journal-footer-colophon") + self.by_class("metadata-issn")
        for box in boxes:
            for text in box.itertext():
                if "ISSN" in text:
                    issn = parse_issn(text)
                    if issn and issn not in found:
                        found.append(issn)
        return found

    @cached_property
    def _citation_line(self) -> str:
        return self.text_of(self.by_class("ww-citation-primary")[:1]) or ""

    @cached_property
    def _citation(self) -> dict[str, str | None]:
        return self._read_citation()

    def _read_citation(self) -> dict[str, str | None]:
        """The header's citation: Oxford Academic's "<em>Child Development</em>,
        Volume 77, Issue 6, November/December 2006, Pages 1521–1538", MIT
        Press's "<em>Neural Computation</em> (1997) 9 (8): 1735–1780."  Keys:
        journal, volume, issue, first, last (None when not shown)."""
        found: dict[str, str | None] = dict.fromkeys(("journal", "volume", "issue", "first", "last"))
        for box in self.by_class("ww-citation-primary")[:1]:
            found["journal"] = self.text_of(next(box.iter("em", "i"), None))
            line = self._citation_line
            oup, mit = _CITED_VOLUME.search(line), _CITED_YEAR_VOLUME.search(line)
            if oup:
                found["volume"], found["issue"] = oup[1], oup[2]
                pages = _CITED_PAGES.search(line)
                if pages:
                    found["first"], found["last"] = pages[1], pages[2]
            elif mit:
                found["volume"], found["issue"], found["first"], found["last"] = mit[1], mit[2], mit[3], mit[4]
        return found

    @article_field()
    def first_page(self) -> str | None:
        value = super().first_page
        if value:
            return value
        # "PNAS Nexus, Volume 1, Issue 1, March 2022, pgac024, https://doi.org/...":
        # the article locator stands where the pages would.
        m = _LOCATOR.search(self._citation_line)
        if m and not _YEAR.fullmatch(m.group(1)):
            return m.group(1)
        return None

    @article_field()
    def published(self) -> str | None:
        for label in self.by_class("citation-label"):
            if (self.text_of(label) or "").lower().startswith("published"):
                date_el = label.getnext()
                raw = self.text_of(date_el) if date_el is not None else None
                date = parse_date(raw)
                if date:
                    return date
                if raw:
                    self._warn(f"published: unreadable date {raw!r}")
        for el in self.by_class("article-date")[:1]:
            date = parse_date(self.text_of(el))
            if date:
                return date
        return super().published

    @article_field()
    def article_type(self) -> str | None:
        for box in self.by_class("article-metadata-tocSections")[:1]:
            parts = [self.text_of(a) for a in box.iter("a")]
            parts = [p for p in parts if p]
            if parts:
                return " > ".join(parts)
        return super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        for block in self.by_class("abstract"):
            if block.tag not in ("section", "div"):
                continue
            sections = self._sections(block)
            if sections:
                return sections
        return super().abstract_sections

    def _sections(self, block: Any) -> list[AbstractSection]:
        """`div.sec` parts headed by a `.title`, else what `sections_of` reads;
        a bold lead word that is a structured-abstract heading ("Background")
        heads its paragraph even without a colon."""
        parts = [c for c in block if isinstance(c.tag, str) and "sec" in class_words(c)]
        sections: list[AbstractSection] = []
        for part in parts:
            heads = [c for c in part if isinstance(c.tag, str) and ("title" in class_words(c) or c.tag in ("h2", "h3", "h4"))]
            heading = self.text_of(heads[:1])
            text = self.text_of([c for c in part if c not in heads])
            if text:
                sections.append(AbstractSection(heading=(heading or "").rstrip(":. ") or None, text=text))
        if sections:
            return sections
        sections = self.sections_of(block)
        out: list[AbstractSection] = []
        for section in sections:
            m = _BOLD_LEAD.match(section.text)
            if section.heading is None and m and is_abstract_heading(m.group(1)):
                out.append(AbstractSection(heading=m.group(1), text=section.text[m.end():].strip()))
            else:
                out.append(section)
        if len(out) == 1 and out[0].heading is None:
            out = split_labelled_sections(out[0].text)
        return out

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        words: list[str] = []
        for part in self.by_class("kwd-part"):
            word = self.text_of(part)
            if word and word not in words:
                words.append(word.rstrip(",;"))
        return words or super().keywords

    # --- access and offers --------------------------------------------------------

    @article_field(empty="unknown")
    def access(self) -> str:
        if self.by_class("icon-availability_open") or self.by_class("icon-availability_free"):
            return "open"
        if self.offers or any(
            self.by_class(name)
            for name in ("icon-availability_cart", "get-access", "article-top-info-user-restricted-options",
                         "buyThisResourceLink", "purchase-currency-wrap")
        ):
            return "paywalled"
        return super().access

    @article_field(empty=[])
    def offers(self) -> list[Offer]:
        offers: list[Offer] = []
        for wrap in self.by_class("purchase-currency-wrap"):
            box = wrap.getparent()
            label = self._offer_label(box, wrap)
            if not label:
                self._warn("offer: a price box without a label")
                label = "Short-term access"
            words = " ".join(class_words(box))
            kind = "issue" if "issue" in words else "article"
            for price_el in wrap.iter():
                if "purchase-currency" not in class_words(price_el):
                    continue
                text = self.text_of(price_el)
                if not text:
                    continue
                price, currency = parse_price(text)
                if price is None or currency is None:
                    self._warn(f"offer {label!r}: price {text!r} unreadable")
                    price = currency = None
                offers.append(Offer(label=label, kind=kind, price=price, currency=currency, period=parse_period(label)))
        return offers

    def _offer_label(self, box: Any, wrap: Any) -> str | None:
        """The text line just before the prices: the box's own text and the
        tails of the elements before the price list ("<title> - 24 Hours access")."""
        parts = [box.text or ""]
        for child in box:
            if child is wrap:
                break
            parts.append(child.tail or "")
        label = clean(" ".join(parts))
        if label:
            return label
        heads = [c for c in box if c.tag in ("h2", "h3", "h4")]
        return self.text_of(heads[:1])

    # --- metrics and related lists ---------------------------------------------------

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        found: dict[str, int | None] = {}

        def take(label: str | None, raw: str | None) -> None:
            key = _METRIC_LABELS.get((label or "").lower().rstrip(":"))
            if not key or key in found or not raw:
                return
            value = self.exact_count(label or "", raw)
            if value is not None:
                found[key] = value

        # The headline bar first: its "Citations" is the count the page puts forward.
        for label_el in self.by_class("contentmet-text"):
            box = label_el.getparent()
            value_el = _CONTENTMET_VALUE(box)
            take(self.text_of(label_el), self.text_of(value_el[:1]))
        for number in self.by_class("artmet-number"):
            box = number.getparent()
            if box.tag == "a" or "artmet-number" in class_words(box):
                box = box.getparent()
            label_el = [c for c in box.iter() if "artmet-text" in class_words(c)]
            take(self.text_of(label_el[:1]), self.text_of(number))
        altmetric = self.badge_altmetric()
        return Metrics(
            views=found.get("views"), citations=found.get("citations"),
            altmetric=altmetric, downloads=found.get("downloads"),
        )

    @cached_property
    def _related_boxes(self) -> list[tuple[str, Any]]:
        boxes = []
        for box in self.by_class("vt-related-content"):
            heading = _HEADING(box)
            name = _RELATED_HEADINGS.get((self.text_of(heading[:1]) or "").lower())
            if name:
                boxes.append((name, box))
        return boxes

    @cached_property
    def _related_items(self) -> dict[Any, list[Any]]:
        """Each related box's article links (`.article-title > a[href]`), in page order."""
        titles = self.by_class_in([box for _, box in self._related_boxes], "article-title")
        return {
            box: [a for title in found for a in title.iterchildren("a") if a.get("href") is not None]
            for box, found in titles.items()
        }

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        links: list[RelatedLink] = []
        for name, box in self._related_boxes:
            rank = 0
            for item in self._related_items.get(box, []):
                title, href = self.text_of(item), item.get("href")
                if not title or not names_a_page(href):
                    continue
                rank += 1
                url = without_tracking(self.absolute(href))
                links.append(RelatedLink(list=name, rank=rank, title=title, url=url, doi=_doi_in_path(href)))
        return links

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        # "Citing articles via: Web of Science (71), Google Scholar": the first count shown.
        for wrap in self.by_class("article-cited-link-wrap"):
            m = re.search(r"\((\d[\d,]*)\)\s*$", self.text_of(wrap) or "")
            if m:
                return {"cited_by": int(m.group(1).replace(",", ""))}
        return {}

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        pending: list[str] = []
        for name, box in self._related_boxes:
            if not self._related_items.get(box) and name not in pending:
                pending.append(name)
        if any(not self.text_of(w) for w in self.by_class("widget-TrendMD")) and "recommended" not in pending:
            pending.append("recommended")
        if self._personalized_loaders() and "recommended" not in pending:
            pending.append("recommended")
        return pending

    def _personalized_loaders(self) -> list[Any]:
        """"You may also like" lists loaded by script (`data-url` .../PersonalizedContent/...)."""
        return [
            w for w in self.by_class("SCM-SharedWidgets-AsyncWidgetLoader")
            if "personalizedcontent" in (w.get("data-url") or "").lower()
        ]

    def related_endpoints(self) -> dict[str, str]:
        for loader in self._personalized_loaders():
            url = self.absolute(loader.get("data-url"))
            if url:
                return {"recommended": url}
        return {}


class OupArticlePage(SilverchairArticlePage):
    """Oxford Academic."""

    platform_name = "oup"
    hosts = ("academic.oup.com",)
    cdn_hosts = ("oup.silverchair-cdn.com",)
    site_names = ("OUP Academic", "Oxford Academic")


class MitPressArticlePage(SilverchairArticlePage):
    """MIT Press Direct."""

    platform_name = "mitpress"
    hosts = ("direct.mit.edu",)
    cdn_hosts = ("mitp.silverchair-cdn.com",)
    site_names = ("MIT Press",)


class JamaArticlePage(SilverchairArticlePage):
    """JAMA Network: its own article header (`.meta-article-type`,
    `.meta-authors` with degrees after the names, "Published Online:" in the
    article information) on the Silverchair platform."""

    platform_name = "jama"
    hosts = ("jamanetwork.com",)
    cdn_hosts = ("amaprod.silverchaircdn.com",)
    site_names = ("JAMA Network",)

    def has_article_markup(self) -> bool:
        return bool(self.by_class("meta-article-type")) or super().has_article_markup()

    def _read_citation(self) -> dict[str, str | None]:
        """JAMA Network's header: "<span class="meta-citation-journal-name">Arch
        Gen Psychiatry. </span><span class="meta-citation">2011;68(1):71-78.
        doi:...</span>" (the journal's abbreviation: not taken for its name)."""
        found = super()._read_citation()
        for box in self.by_class("meta-citation")[:1]:
            ama = _CITED_AMA.search(self.text_of(box) or "")
            if ama and not found["volume"]:
                found = dict(zip(("journal", "volume", "issue", "first", "last"), (None, *ama.groups())))
        return found

    def _shown_doi(self) -> str | None:
        for box in self.by_class("meta-citation")[:1]:  # "... doi:10.1001/..."
            text = self.text_of(box) or ""
            if "doi:" in text:
                return parse_doi(text[text.index("doi:"):])
        return super()._shown_doi()

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        # The header prints "Charles S. Grob, MD": the embedded names are the
        # same without the degrees.
        return self._highwire_authors() or self._header_authors() or super().authors

    def _header_authors(self) -> list[Author]:
        """For a page without author metadata: the header's `.meta-authors`,
        one `.wi-fullname` per author in page order (the first ones in
        `.meta-authors--limited`, the others in `.meta-authors--remaining`
        behind "et al"), each "Marycie Hagerty, RN, BSN, MA" without its
        degrees.  The affiliation box ties no address to a name: none taken."""
        names = self.by_class_in(self.by_class("meta-authors")[:1], "wi-fullname")
        authors: list[Author] = []
        for span in next(iter(names.values()), []):
            name = _without_degrees(self.text_of(span, exclude="self::sup") or "")
            if name:
                authors.append(Author(name=name))
        return authors

    @article_field()
    def published(self) -> str | None:
        # "Published Online: September 6, 2010. doi:..." in the article
        # information; the header date is the issue's.
        for para in self.by_class("para"):
            lead = _LEAD_STRONG(para)
            if lead and (self.text_of(lead[0]) or "").lower().startswith("published online"):
                m = _US_DATE.search(self.text_of(para) or "")
                date = parse_date(m.group(0)) if m else None
                if date:
                    return date
                self._warn(f"published: unreadable date {self.text_of(para)!r}")
        return super().published

    @article_field()
    def article_type(self) -> str | None:
        return self.text_of(self.by_class("meta-article-type")[:1]) or super().article_type

    @article_field(empty="unknown")
    def access(self) -> str:
        for box in self.by_class("meta-access-type"):
            if {"free-access", "open-access"} & set(class_words(box)):
                return "open"
        # The full-text widget says whether the reader may read it.
        if any((e.get("data-userhasaccess") or "").lower() == "false" for e in self.by_class("article-full-text")):
            return "paywalled"
        return super().access


PAGE_OBJECTS = (OupArticlePage, JamaArticlePage, MitPressArticlePage, SilverchairArticlePage)

_LINK_HREFS = xpath("/*/head/link/@href", plain=True)


def _head_link_hrefs(page: ArticlePage) -> list[str]:
    """The <head>'s link targets, read once per page: each Silverchair
    page object asks when a page is matched by markup."""
    return read_once(page, "_head_link_hrefs", lambda p: _LINK_HREFS(p.sel.root))
_LABEL_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' label ')"
_LINKED_NAME = xpath(".//a[contains(concat(' ', normalize-space(@class), ' '), ' linked-name ')]")
_CONTENTMET_VALUE = xpath(
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' contentmet-number ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' __db_score ')]"
)
_HEADING = xpath("./*[self::h2 or self::h3 or self::h4][1]")
_LEAD_STRONG = xpath("./*[1][self::strong or self::b]")
_US_DATE = re.compile(r"[A-Z][a-z]+\.? \d{1,2}, \d{4}")
_LOCATOR = re.compile(r",\s*([A-Za-z]{0,8}\d[\w.]*)\s*,\s*https?://(?:dx\.)?doi\.org/")
_YEAR = re.compile(r"(1[6-9]|20)\d\d")
# The header's citation: "Volume 77, Issue 6, ..., Pages 1521–1538" (Oxford
# Academic), "(1997) 9 (8): 1735–1780." (MIT Press), "2011;68(1):71-78." (JAMA).
_PAGE = r"[A-Za-z]{0,3}\d+[A-Za-z]{0,3}"
_CITED_VOLUME = re.compile(r"\bVolume\s+([\w.-]+)(?:,\s*Issue\s+([\w./–-]+?))?(?=,|$)")
_CITED_PAGES = re.compile(rf"\bPages?\s+({_PAGE})(?:\s*[–-]\s*({_PAGE}))?")
_CITED_AMA = re.compile(rf"\b\d{{4}};\s*([\w.-]+)\s*(?:\(([\w./–-]+)\))?\s*:\s*({_PAGE})(?:\s*[–-]\s*({_PAGE}))?")
_CITED_YEAR_VOLUME = re.compile(rf"\(\d{{4}}\)\s*([\w.-]+)\s*(?:\(([\w./–-]+)\))?\s*:\s*({_PAGE})(?:\s*[–-]\s*({_PAGE}))?")
_BOLD_LEAD = re.compile(r"^([A-Z][A-Za-z /,-]{2,60}?)[:.]?\s+(?=\S)")


# A degree after a name: "MD", "PhD", "DrPH", "RN", "M.Sc." (two capitals or
# more), not a generational suffix ("Jr", "III").
_DEGREE = re.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Z][A-Za-z.]{1,9}")
_ROMAN = re.compile(r"[IVX]+")


def _without_degrees(name: str) -> str | None:
    """"Marycie Hagerty, RN, BSN, MA" -> "Marycie Hagerty": the comma-separated
    parts after the name that are degrees are dropped, from the end."""
    parts = [p.strip() for p in name.split(",")]
    while len(parts) > 1 and _DEGREE.fullmatch(parts[-1]) and not _ROMAN.fullmatch(parts[-1]):
        parts.pop()
    return clean(", ".join(parts))


def _within(el: Any, box: Any) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent is box:
            return True
        parent = parent.getparent()
    return False


def _unique(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _names_from(embedded: list[Author], shown: list[Author]) -> None:
    """Given and family names from the embedded "Family, Given" authors: by
    position when both lists agree, else by the family name in the shown name."""
    pairs: list[tuple[Author, Author]] = []
    if len(embedded) == len(shown):
        pairs = list(zip(shown, embedded))
    else:
        for author in shown:
            match = [e for e in embedded if e.family and e.family in author.name]
            if len(match) == 1:
                pairs.append((author, match[0]))
    for author, source in pairs:
        if source.family and source.given and author.name.endswith(source.family):
            author.family = source.family
            author.given = clean(author.name[: -len(source.family)]) or source.given


def _doi_in_path(url: str | None) -> str | None:
    """'/rest/article/doi/10.1162/REST.a.1708/135190/Slug' -> '10.1162/REST.a.1708'."""
    if not url:
        return None
    path = urlsplit(url).path
    m = re.search(r"/doi/(?:abs/|full/|pdf/)?(10\.\d{4,9}/[^/?#]+)", path)
    return parse_doi(m.group(1)) if m else None
