"""Taylor & Francis Online (Atypon Literatum): www.tandfonline.com.

Layouts read here: 2019 (whitespace-heavy JSP, `a.entryAuthor`, price as
"24 hours to view or download: USD 50.00"), 2022/23 (`div.entryAuthor`,
`p.offer-lst` with a `<ul>` inside the `<p>`, token packages) and 2026
(`div.itemPageRangeHistory`, related tabs that are ajax placeholders unless a
browser filled them).  Where the prices are: `offers()`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from spiders.items import AbstractSection, Author, Metrics, Offer, RelatedLink
from spiders.pages.base import (
    ORCID_HREFS,
    ArticlePage,
    article_field,
    cached_property,
    class_words,
    doi_in_link,
    has_class,
    in_class,
    without_tracking,
    xpath,
)
from spiders.pages.text import (
    clean,
    parse_date,
    parse_doi,
    parse_orcid,
    parse_period,
    parse_price,
    split_pages,
    tidy_punctuation,
)



# Literatum's names of its related lists, as tab labels or widget headers.
RELATED_NAMES = {
    "people also read": "people_also_read",
    "recommended articles": "recommended",
    "recommended": "recommended",
    "cited by": "cited_by",
    "citing articles": "cited_by",
    "related articles": "similar",
    "similar articles": "similar",
}

_METRIC_TITLES = {
    "views": "views",
    "crossref citations to date": "citations",
    "crossref citations": "citations",
    "citations": "citations",
    "altmetric": "altmetric",
    "downloads": "downloads",
}


class TandfArticlePage(ArticlePage):
    platform_name = "tandf"
    class_markers = (
        "hlFld-title", "literatumAuthors", "dx-doi", "journal-heading", "bc-click", "titleHeading", "issue-heading",
        "nav-toc-list", "contentItemPageRange", "itemPageRangeHistory", "literatumContentItemHistory",
        "toc-heading", "hlFld-Abstract", "hlFld-KeywordText", "accessLogo", "accessDenialDropZone",
        "eCommercePurchaseAccessWidget", "purchaseAreaList_expanded", "purchase-items", "tax-note",
        "articleMetricsContainer", "tab-nav", "tab-pane", "tab-pane-content", "widget-header",
    )

    @classmethod
    def matches_host(cls, host: str) -> bool:
        return host == "tandfonline.com" or host.endswith(".tandfonline.com")

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        # A saved or proxied T&F page: the site name, or T&F links around a Literatum title.
        if (page.first_meta(("og:site_name",)) or "").startswith("Taylor"):
            return True
        # The title test first: it reads the <h1>s already found, where the
        # link test walks every <a> of a page that is most likely not T&F's.
        has_title = any(
            in_class(span, "hlFld-title") for h1 in page.by_tag("h1") for span in h1.iterdescendants("span")
        )  # `//h1//span[has_class('hlFld-title')]`
        return has_title and bool(_TANDF_LINKS(page.sel.root))

    def has_article_markup(self) -> bool:
        return bool(self._title_spans())

    def _title_spans(self) -> list[Any]:
        return [e for e in self.by_class("hlFld-title") if e.tag == "span" and next(e.iterancestors("h1"), None) is not None]

    # --- bibliographic ----------------------------------------------------------

    @article_field()
    def doi(self) -> str | None:
        doi = super().doi
        if doi:
            return doi
        # A body-only copy still links its own DOI in the article tools.
        hrefs = [a.get("href") for li in self.by_class("dx-doi") for a in li.iterchildren("a")]
        return parse_doi(hrefs[0]) if hrefs else None

    @article_field()
    def title(self) -> str | None:
        heading = self._title_spans()[:1]
        return self.text_of(heading, exclude=has_class("open_science_badges")) or super().title

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        groups = [g for box in self.by_class("literatumAuthors")[:1] for g in _CONTRIB_GROUPS(box)]
        authors = [a for a in (self._author(g) for g in groups) if a]
        return authors or super().authors

    def _author(self, group: Any) -> Author | None:
        if _EDITOR_ROLE(group):
            return None  # "(Reviewing Editor)" is listed with the authors but did not write the paper
        link = _AUTHOR_LINK(group)
        if not link:
            return None
        name = self.text_of(link[0], exclude=has_class("overlay"))
        if not name:
            return None
        given = family = None
        href = unquote(link[0].get("href", "")).replace("+", " ")
        m = re.search(r"/author/([^,/?#]+),([^/?#]+)", href)
        if m:
            family, given = clean(m.group(1)), clean(m.group(2))
            # The link drops punctuation ("Odeh, Ayham M"); the displayed
            # name keeps it ("Ayham M. Odeh"), so take the given name from there.
            if family and name.endswith(" " + family):
                given = clean(name[: -len(family)]) or given
        overlay = _OVERLAY(group)
        affiliations = self._affiliations(overlay[0]) if overlay else []
        orcid = parse_orcid(" ".join(ORCID_HREFS(group)))
        return Author(name=name, given=given, family=family, affiliations=affiliations, orcid=orcid)

    def _affiliations(self, overlay: Any) -> list[str]:
        """The overlay's own text, split at <br>: the rest is links and e-mail."""
        chunks: list[str] = []
        current: list[str] = [overlay.text or ""]
        for child in overlay:
            if child.tag == "br":
                chunks.append(" ".join(current))
                current = []
            elif child.tag in ("span", "i", "b", "em", "sup") and not {"corr-sec", "heading"} & set(class_words(child)):
                current.append(" ".join(child.itertext()))
            current.append(child.tail or "")
        chunks.append(" ".join(current))
        affiliations: list[str] = []
        for chunk in chunks:
            text = tidy_punctuation(chunk)
            if not text:
                continue
            # 2025+ pages list several labelled affiliations in one overlay:
            # "a Stritch School of Medicine, ...;b Department of ..."
            if _LABELLED_AFF.match(text):
                affiliations.extend(clean(_LABELLED_AFF.sub("", part)) or "" for part in _AFF_SPLIT.split(text))
            else:
                affiliations.append(text)
        return [a for a in affiliations if a]

    @article_field()
    def journal(self) -> str | None:
        return (
            super().journal
            or self.text_of(self.by_class("journal-heading")[:1])
            # A body-only copy still has the breadcrumb to the journal's home.
            or self.text_of([a for a in self.by_class("bc-click") if "/journals/" in a.get("href", "")][:1])
            or self._serial_heading()
        )

    def _serial_heading(self) -> str | None:
        """The 2019 template's journal box, `span.titleHeading` "Journal"
        over `<h1><a href="/toc/CODE/current">Molecular Physics</a></h1>`
        (a subtitle may follow in another `h1`, inside `div.subtitle`): the
        heading right after the label, and only under that label."""
        for label in self.by_class("titleHeading"):
            if (self.text_of(label) or "").lower() != "journal":
                continue
            heading = label.getnext()
            if heading is not None and heading.tag == "h1":
                return self.text_of(heading)
        return None

    @article_field()
    def publisher(self) -> str | None:
        return super().publisher

    @cached_property
    def _toc_parts(self) -> tuple[str | None, str | None]:
        """Volume and issue from the issue's table-of-contents link /toc/CODE/VOL/ISSUE."""
        hrefs = [a.get("href", "") for e in self.by_class("issue-heading") for a in e.iter("a")]
        hrefs += [a.get("href", "") for a in self.by_class("nav-toc-list")]
        for script in self.jsonld_scripts:
            hrefs.extend(re.findall(r'"item"\s*:\s*"([^"]*/toc/[^"]+)"', script.text or ""))
        for href in hrefs:
            m = re.search(r"/toc/[a-z0-9]+/([^/?#]+)/([^/?#]+)", href)
            if m and not m.group(1).startswith("0") and m.group(1) != "current":
                return clean(unquote(m.group(1))), clean(unquote(m.group(2)))
        coden = " ".join(self.meta.get("dc.identifier", []))
        m = re.search(r"Vol\.\s*([\w-]+),\s*No\.\s*([\w-]+)", coden)
        if m:
            return m.group(1), m.group(2)
        return None, None

    @article_field()
    def volume(self) -> str | None:
        return super().volume or self._toc_parts[0]

    @article_field()
    def issue(self) -> str | None:
        return super().issue or self._toc_parts[1]

    @cached_property
    def _page_range(self) -> tuple[str | None, str | None]:
        text = self.text_of(self.by_class("contentItemPageRange"))
        if not text:
            for history in self.by_class("itemPageRangeHistory"):
                for span in history.iterchildren("span"):
                    candidate = self.text_of(span)
                    if candidate and candidate.lower().startswith(("page", "article")):
                        text = candidate
                        break
        return split_pages(text)

    @article_field()
    def first_page(self) -> str | None:
        return super().first_page or self._page_range[0]

    @article_field()
    def last_page(self) -> str | None:
        return super().last_page or self._page_range[1]

    @article_field()
    def published(self) -> str | None:
        boxes = self.by_class("literatumContentItemHistory") + self.by_class("itemPageRangeHistory")
        history = [t for box in boxes for t in box.itertext() if "Published online" in t]
        for text in history:
            date = parse_date(text.split(":", 1)[-1])
            if date:
                return date
        if history:
            self._warn(f"published: unreadable date {clean(history[0])!r}")
        return super().published

    @article_field()
    def article_type(self) -> str | None:
        return self.text_of(self.by_class("toc-heading")[:1]) or super().article_type

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        block = self.by_class("hlFld-Abstract")[:1]
        if not block:
            return super().abstract_sections
        return self.sections_of(block[0]) or super().abstract_sections

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        # The first keyword group; later groups are other schemes
        # ("SUSTAINABLE DEVELOPMENT GOALS: SDG1: no poverty").
        words: list[str] = []
        for box in self.by_class("hlFld-KeywordText")[:1]:
            for li in box.iter("li"):
                word = self.text_of(li)
                if word and word not in words:
                    words.append(word.rstrip(",;"))
        return words or super().keywords

    # --- access and offers --------------------------------------------------------

    @article_field(empty="unknown")
    def access(self) -> str:
        logo = self.text_of(self.by_class("accessLogo")) or ""
        if re.search(r"\b(open|free) access\b", logo, re.IGNORECASE):
            return "open"
        if self.offers or any(
            self.by_class(name)
            for name in ("accessDenialDropZone", "eCommercePurchaseAccessWidget", "purchaseAreaList_expanded")
        ):
            return "paywalled"
        return super().access

    @article_field(empty=[])
    def offers(self) -> list[Offer]:
        """Walk the purchase area in document order.  The markup puts a <ul>
        inside <p class="offer-lst">, which an HTML parser closes early, so
        the title, bullet lines and price are siblings, not one element."""
        areas = self.by_class("purchase-items")
        if not areas:
            return []
        tax_note = self.text_of(self.by_class("tax-note")[:1], exclude="self::abbr")
        offers: list[Offer] = []
        for area in areas:
            for node in _OFFER_PARTS(area):
                words = class_words(node)
                is_item = node.tag == "li"
                text = self.text_of(node)
                if not text:
                    continue
                if "titles" in words:
                    offers.append(Offer(label=text, kind=offer_kind(text), price=None, currency=None, tax_note=tax_note))
                elif not offers:
                    continue
                elif is_item:
                    offers[-1].details.append(text)
                else:
                    self._set_price(offers[-1], text)
        for offer in offers:
            offer.period = parse_period(offer.label, *offer.details) or offer.period
            if offer.price is None and not any(f"offer {offer.label!r}" in w for w in self._warnings()):
                self._warn(f"offer {offer.label!r}: no price shown")
        return offers

    def _set_price(self, offer: Offer, text: str) -> None:
        price, currency = parse_price(text)
        if price is None or currency is None:
            self._warn(f"offer {offer.label!r}: price {text!r} unreadable")
            return
        offer.price, offer.currency = price, currency
        offer.period = parse_period(text.split(currency)[0] if currency in text else text)
        if re.search(r"\bper package\b|\btokens?\b", f"{offer.label} {text}", re.IGNORECASE):
            offer.kind = "tokens"

    # --- metrics and related lists ---------------------------------------------------

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        metrics = Metrics()
        for box in self.by_class("articleMetricsContainer")[:1]:
            for section in _METRIC_SECTIONS(box):
                title = (self.text_of(_METRIC_TITLE(section)[:1]) or "").lower()
                key = _METRIC_TITLES.get(title)
                if not key:
                    continue
                raw = self.text_of(_METRIC_VALUE(section)[:1])
                value = self.exact_count(title, raw)
                if getattr(metrics, key) is None:
                    setattr(metrics, key, value)
        return metrics

    @cached_property
    def _related_panes(self) -> list[tuple[str, str | None, Any]]:
        """(list name, tab label, pane element or None) for each related-list tab or widget."""
        panes: list[tuple[str, str | None, Any]] = []
        by_id: dict[str, list[Any]] = {}
        for pane in self.by_class("tab-pane"):
            by_id.setdefault(pane.get("id", ""), []).append(pane)
        by_dropzone = {
            (p.get("data-pb-dropzone-name") or "").strip().lower(): p for p in self.by_class("tab-pane-content")
        }
        for nav in self.by_class("tab-nav"):
            for tab in nav.iter("a"):
                if tab.get("role") != "tab":
                    continue
                label = self.text_of(tab) or ""
                name = _related_name(label)
                if not name:
                    continue
                found = by_id.get(tab.get("aria-controls") or "", [])
                # Sanitized copies replace the ids by TOKEN: fall back to the dropzone name.
                pane = found[0] if len(found) == 1 else by_dropzone.get(_label_words(label))
                panes.append((name, label, pane))
        if panes:
            return panes
        for header in self.by_class("widget-header"):
            name = _related_name(self.text_of(header) or "")
            if name:
                body = header.getnext()
                panes.append((name, None, body))
        return panes

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        links: list[RelatedLink] = []
        done: set[str] = set()
        for name, _, pane in self._related_panes:
            if pane is None or name in done:
                continue
            cards = _CARDS(pane)
            if cards:
                done.add(name)
            for rank, card in enumerate(cards, start=1):
                anchor = _CARD_LINK(card)
                if not anchor:
                    continue
                title = self.text_of(anchor[0])
                if not title:
                    continue
                href = anchor[0].get("href")
                url = without_tracking(self.absolute(href))
                links.append(RelatedLink(list=name, rank=rank, title=title, url=url, doi=doi_in_link(href)))
        return links

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name, label, _ in self._related_panes:
            m = re.search(r"(\d[\d,]*)\s*\)?\s*$", label or "")
            if m and name not in counts:
                counts[name] = int(m.group(1).replace(",", ""))
        return counts

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        """Tabs whose pane is an empty ajax placeholder: a browser would load
        them, so the list is unknown here, not empty."""
        pending: list[str] = []
        for name, _, pane in self._related_panes:
            if name in pending:
                continue
            if pane is None:  # announced by its tab, content not in this HTML
                pending.append(name)
                continue
            if _CARDS(pane):
                continue
            if _AJAX_WIDGETS(pane) or not self.text_of(pane):
                pending.append(name)
        return pending


PAGE_OBJECTS = (TandfArticlePage,)

_LABELLED_AFF = re.compile(r"^[a-z]\s+(?=[A-Z])")
_AFF_SPLIT = re.compile(r"\s*;\s*(?=[a-z]\s+[A-Z])")
_TANDF_LINKS = xpath("(//a[starts-with(@href, 'https://www.tandfonline.com/doi/')])[1]")
_CONTRIB_GROUPS = xpath(f".//span[{has_class('contribDegrees')}]")
_EDITOR_ROLE = xpath(f"./span[{has_class('role')}][contains(translate(., 'EDITOR', 'editor'), 'editor')]")
_AUTHOR_LINK = xpath(f".//a[{has_class('author')} or {has_class('entryAuthor')}][1]")
_OVERLAY = xpath(f".//span[{has_class('overlay')}]")
_METRIC_SECTIONS = xpath(f".//div[{has_class('section')}]")
_METRIC_TITLE = xpath(f".//div[{has_class('title')}]")
_METRIC_VALUE = xpath(f".//div[{has_class('value')}]")
_OFFER_PARTS = xpath(
    f".//*[{has_class('titles')} or self::li[parent::ul[{has_class('offer-desc')}]]"
    f" or {has_class('offer-price')} or {has_class('research-passport-price')}]"
)
_CARDS = xpath(f".//div[{has_class('article-card')}]")
_CARD_LINK = xpath(f"(.//div[{has_class('header')}]//a[@href] | .//span[{has_class('hlFld-Title')}]//a[@href])[1]")
_AJAX_WIDGETS = xpath(f".//div[{has_class('ajaxWidget')}]")


def offer_kind(label: str) -> str:
    low = label.lower()
    if "token" in low or "package" in low:
        return "tokens"
    if "issue" in low:
        return "issue"
    if "subscri" in low or "/month" in low or "per year" in low:
        return "subscription"
    if "article" in low or "pdf" in low or "chapter" in low or "online access" in low:
        return "article"
    return "other"


def _label_words(label: str) -> str:
    return re.sub(r"[\d,()]+", "", label).strip().lower()


def _related_name(label: str) -> str | None:
    return RELATED_NAMES.get(_label_words(label))
