"""Springer Nature: link.springer.com (platform "springer", also the same
template on BMC / SpringerOpen hosts) and nature.com (platform "nature").

Both sites render articles from one component library: `c-article-*` and
`app-article-*` classes (`c-article-title`, `c-article-identifiers`,
`c-article-author-list`, `app-article-metrics-bar` / `c-article-metrics-bar`,
`section[data-title=Abstract]`, "Similar content being viewed by others"
cards, the "Authors and Affiliations" list).  Sanitized copies replace the
prefix by `TOKEN` (`TOKEN-article-metrics-bar__item`) or the whole class by
`TOKEN`, so classes are indexed by their *suffix* (see `_class_index`) and the
places where whole classes vanish are found by structure (`id`, `data-test`,
`data-title` attributes survive).

Layouts read here:

* 2026 SpringerLink: masthead + `c-article-header`; buy box
  `div.c-article-buy-box` (mobile and desktop copies of the same box) with a
  "Springer+" subscription ("from €37.37 /Month") and a "Buy article PDF"
  button whose price is also in the page's `dataLayer` ecommerce JSON.
* nature.com (2020-2026): `c-article-info-details` (journal, volume,
  article number), `BuyBoxSection` (`.price-value`, "per year" subscription),
  "This article is cited by" (`#further-reading-section`).
* 2019 SpringerLink (`ArticleHeader`, `test-contributor-names`,
  `article-metrics__item` "Downloads", `KeywordGroup`).
* nature.com news (magazine template: `article-item__title`,
  `article__type`, "Related Articles" aside).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import attrs

from spiders.items import AbstractSection, Author, Metrics, Offer, RelatedLink
from spiders.pages.base import (
    ABSTRACT_TITLES,
    ArticlePage,
    article_field,
    cached_property,
    class_words,
    document_tops,
    doi_link_in,
    index_classes,
    marker_set,
    read_once,
    without_tracking,
    xpath,
)
from spiders.pages.text import (
    KNOWN_CURRENCY_CODES,
    clean,
    parse_date,
    parse_doi,
    parse_issn,
    parse_orcid,
    parse_period,
    parse_price,
    split_name,
)

# Class-name prefixes of the Springer Nature component library; sanitized
# copies write TOKEN instead.  A class is indexed under the name without it.
_PREFIXES = ("c-", "app-", "TOKEN-", "eds-c-")

_METRIC_LABELS = {
    "accesses": "views",
    "access": "views",
    "views": "views",
    "downloads": "downloads",
    "download": "downloads",
    "citations": "citations",
    "citation": "citations",
    "altmetric": "altmetric",
}
# data-test of the metrics-bar items, when the label is missing.
_METRIC_TESTS = {"access-count": "views", "citation-count": "citations", "altmetric-score": "altmetric"}

_RELATED_HEADINGS = (
    ("cited by", "cited_by"),
    ("citing articles", "cited_by"),
    ("similar content", "similar"),
    ("related articles", "similar"),
    ("similar articles", "similar"),
    ("recommended", "recommended"),
    ("people also read", "people_also_read"),
)


class SpringerNatureArticlePage(ArticlePage):
    """What link.springer.com and nature.com share.  Not registered itself:
    `SpringerArticlePage` and `NatureArticlePage` name the platform."""

    platform_name = "springer"
    class_markers = (
        # 2020+ article template
        "article-title", "article-identifiers", "article-info-details", "article-author-list",
        "article__sub-heading", "article-subject-list", "article-metrics-bar__item", "article-section",
        "article-body", "article-recommendations", "article-further-reading__item", "article-buy-box",
        "BuyBoxSection", "article-access", "nature-box", "meta__item", "masthead__journal-title",
        "article-masthead__journal-title", "bibliographic-information__citation",
        # 2019 SpringerLink
        "ArticleTitle", "test-render-category", "article-metrics__item", "Abstract", "KeywordGroup",
        "test-contributor-names", "affiliation", "bibliographic-information__value", "JournalTitle",
        "ArticleCitation_Volume", "ArticleCitation_Issue", "ArticleCitation_Pages",
        "uptodate-recommendations", "uptodate-recommendations-off", "article-dates__first-online",
        # nature.com magazine (news) template
        "article-item__title", "article-item__teaser-text", "article__type", "article__subjects",
        "related-content", "tab-group", "emphasis",
    )

    @classmethod
    def matches_host(cls, host: str) -> bool:
        return False

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        return _springer_nature_markup(page) == cls.platform_name

    # --- plumbing ---------------------------------------------------------------

    @cached_property
    def _class_index(self) -> dict[str, list[Any]]:
        """`by_class` by class *suffix*: `c-article-title`, `app-article-title`
        and the sanitized `TOKEN-article-title` are all "article-title"."""
        index: dict[str, list[Any]] = {m: [] for m in self.class_markers}
        return index_classes(index, document_tops(self.sel.root), ("(suffixes)", *self.class_markers), self._markers_of)

    def _markers_of(self, value: str) -> tuple[str, ...]:
        """The class markers a class attribute holds, each once, by whole word
        or by suffix: "c-", "app-", "TOKEN-", "eds-c-" are one or two prefix words."""
        markers = marker_set(type(self))
        found: dict[str, None] = {}
        for token in value.split():
            if token in markers:
                found[token] = None
                continue
            dash = token.find("-")
            if dash >= 0 and token[dash + 1:] in markers:
                found[token[dash + 1:]] = None
            elif token.startswith("eds-c-") and token[6:] in markers:
                found[token[6:]] = None
        return tuple(found)

    def has_article_markup(self) -> bool:
        return any(
            h.tag == "h1"
            for h in self.by_class("article-title") + self.by_class("ArticleTitle") + self.by_class("article-item__title")
        )

    @cached_property
    def _ld_article(self) -> dict[str, Any]:
        """The JSON-LD article: Springer Nature wraps it in a WebPage's `mainEntity`."""
        for script in self.jsonld_scripts:
            try:
                data = json.loads(script.text)
            except ValueError:
                continue
            for item in data if isinstance(data, list) else [data]:
                main = item.get("mainEntity") if isinstance(item, dict) else None
                if isinstance(main, dict) and "Article" in str(main.get("@type")):
                    return main
        return self.scholarly

    @cached_property
    def _identifiers(self) -> list[Any]:
        """`li` items of the header's identifier lists (category, open access,
        Published, and the 'Volume 18, pages 231–234' cite line)."""
        items: list[Any] = []
        for ul in self.by_class("article-identifiers"):
            if ul.tag == "ul":
                items.extend(ul.iterchildren("li"))
        return items

    def _sub_heading(self, ident: str) -> Any:
        for h in self.by_class("article__sub-heading"):
            if h.get("id") == ident:
                return h
        return None

    @cached_property
    def _cite_line(self) -> dict[str, Any]:
        """What the header's cite line shows, for pages whose embedded
        metadata lacks it (a body-only copy): SpringerLink's "Volume 37,
        pages 1–23, (1977)", nature.com's "<i>Nature Communications</i>
        volume 13, Article number: 3287 (2022)".  Keys: the `data-test` of
        its parts (journal-title, journal-volume, journal-issue), and "pages"
        (first, last).  SpringerLink 2019: "Volume 18, Issue 3, pp 231–234"."""
        shown: dict[str, Any] = {}
        for test, name in (("journal-title", "JournalTitle"), ("journal-volume", "ArticleCitation_Volume"),
                           ("journal-issue", "ArticleCitation_Issue")):
            value = self.text_of(self.by_class(name)[:1])
            if value:
                shown[test] = value.rstrip(", ")
        for part in self.by_class("ArticleCitation_Pages")[:1]:
            pages = _SHOWN_PAGES.search(self.text_of(part) or "")
            if pages:
                shown["pages"] = (pages[1], pages[2])
        for box in self._identifiers + self.by_class("article-info-details"):
            for part in box.iter("span", "i", "b"):
                test = part.get("data-test")
                if test in ("journal-title", "journal-volume") and test not in shown:
                    shown[test] = self.text_of(part)
            pages = _SHOWN_PAGES.search(self.text_of(box) or "")
            if pages and "pages" not in shown:
                shown["pages"] = (pages[1], pages[2])
        return shown

    @cached_property
    def _datalayer_page(self) -> dict[str, Any]:
        """SpringerLink's page-level `dataLayer` object ({"DOI": ..., "Journal
        Title": ..., "content": {"serial": {"eissn": ..., "pissn": ...}}}):
        what the embedded metadata says, kept by a body-only copy."""
        for value in self._datalayer_values('"DOI"'):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and isinstance(item.get("DOI"), str):
                    return item
        return {}

    def _shown_doi(self) -> str | None:
        """The DOI of "About this article" ("https://doi.org/10.1007/..."),
        else the one ending the "Cite this article" line, else SpringerLink's
        `dataLayer`'s."""
        for value in self.by_class("bibliographic-information__value"):
            text = self.text_of(value) or ""
            if "doi.org/10." in text:
                return parse_doi(text)
        cite_as = self._sub_heading("citeas")  # sanitized copies keep its id, not its classes
        citations = self.by_class("bibliographic-information__citation")
        if cite_as is not None and cite_as.getnext() is not None:
            citations.append(cite_as.getnext())
        for citation in citations:
            found = _DOI_URL.findall(self.text_of(citation) or "")
            if found:
                return parse_doi(found[-1])
        return self._news_doi() or parse_doi(self._datalayer_page.get("DOI"))

    def _news_doi(self) -> str | None:
        """nature.com news: the line after the story, `<div class="emphasis">doi:
        <a href="https://doi.org/10.1038/d41586-...">`.  The class is a generic
        one: only a box that starts with "doi:" says it is the page's DOI."""
        for box in self.by_class("emphasis"):
            if (self.text_of(box) or "").lower().startswith("doi:"):
                return doi_link_in([box])
        return None

    # --- bibliographic --------------------------------------------------------------

    @article_field()
    def title(self) -> str | None:
        for name in ("article-title", "ArticleTitle", "article-item__title"):
            heads = [h for h in self.by_class(name) if h.tag == "h1"]
            if heads:
                value = self.text_of(heads[0])
                if value:
                    return value
        return super().title

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        """Names as the header shows them; given/family from the header's
        search key or `citation_author` "Family, Given"; affiliations as the
        "Authors and Affiliations" list prints them (full addresses), else
        the metadata's `citation_author_institution`."""
        meta_authors = [attrs.evolve(a, affiliations=list(a.affiliations)) for a in super().authors]
        header = self._header_authors()
        if not header:
            return self._authors_2019() or meta_authors or self._news_authors()
        # A header cut short ("et al.") names fewer people than the metadata.
        authors = header if len(header) >= len(meta_authors) else meta_authors
        shown = self._shown_affiliations()
        by_name = {_name_key(a.name): a for a in meta_authors}
        for i, author in enumerate(authors):
            meta = by_name.get(_name_key(author.name))
            if meta is None and len(meta_authors) == len(authors):
                meta = meta_authors[i]
            if meta is not None and meta is not author:
                if author.given is None and author.family is None:
                    author.given, author.family = meta.given, meta.family
                author.orcid = author.orcid or meta.orcid
            if shown is not None:
                author.affiliations = list(shown.get(_name_key(author.name), []))
            elif meta is not None:
                author.affiliations = list(meta.affiliations)
        return authors

    def _header_authors(self) -> list[Author]:
        """The header's author list: name as displayed, "Family, Given" from
        `data-author-search`, ORCID from the `js-orcid` link."""
        authors: list[Author] = []
        for ul in self.by_class("article-author-list")[:1]:
            for li in ul.iterchildren("li"):
                link = next((a for a in li.iter("a") if a.get("data-test") == "author-name"), None)
                if link is None:
                    continue
                name = self.text_of(link)
                if not name:
                    continue
                given, family = split_name(link.get("data-author-search") or "")
                if given and family and _name_key(f"{given} {family}") != _name_key(name):
                    given = family = None  # the search key is not the displayed name: no split
                orcid = parse_orcid(" ".join(a.get("href", "") for a in li.iter("a") if "orcid" in a.get("href", "")))
                authors.append(Author(name=name, given=given, family=family, orcid=orcid))
        return authors

    def _news_authors(self) -> list[Author]:
        """nature.com news, for a page without author metadata: the byline's
        tabs (`div#author-affiliations` > `h3[role=tab]` "Diana Kwon"), whose
        panels hold search links, no affiliation."""
        authors: list[Author] = []
        for group in self.by_class("tab-group"):
            if "author-affiliations" not in (group.get("data-test"), group.get("id")):
                continue
            for head in _TAB_HEADS(group):
                name = self.text_of(head)
                if name:
                    authors.append(Author(name=name))
            break
        return authors

    def _shown_affiliations(self) -> dict[str, list[str]] | None:
        """{author name key: [address, ...]} from "Authors and Affiliations"
        (`h3#affiliations` + `ol > li > p.address, p.authors-list`); None
        when the page does not show that list."""
        heading = self._sub_heading("affiliations")
        if heading is None:
            return None
        ol = heading.getnext()
        while ol is not None and ol.tag != "ol":
            ol = ol.getnext()
        if ol is None:
            return None
        shown: dict[str, list[str]] = {}
        for li in ol.iterchildren("li"):
            paras = [p for p in li.iterchildren("p")]
            if len(paras) < 2:
                continue
            address = self.text_of(paras[0])
            names = self.text_of(paras[1]) or ""
            if not address:
                continue
            for name in _AUTHOR_SPLIT.split(names):
                key = _name_key(name)
                if key:
                    bucket = shown.setdefault(key, [])
                    if address not in bucket:
                        bucket.append(address)
        return shown

    def _authors_2019(self) -> list[Author]:
        """2019 layout: `ul.test-contributor-names` (the copy with affiliation
        indexes) and `ol.test-affiliations li.affiliation` parts."""
        lists = self.by_class("test-contributor-names")
        if not lists:
            return []
        indexed = [ul for ul in lists if _AFF_INDEX(ul)]
        ul = (indexed or lists)[0]
        addresses: dict[str, str] = {}
        for li in self.by_class("affiliation"):
            key = li.get("data-test") or li.get("data-affiliation-highlight")
            parts = [
                self.text_of(span)
                for span in li.iter("span")
                if any(w.startswith("affiliation__") and w not in _AFF_WRAPPERS for w in class_words(span))
            ]
            text = ", ".join(p for p in parts if p)
            if key and text:
                addresses[key] = text
        meta = {_name_key(a.name): a for a in super().authors}
        authors = []
        for li in ul.iterchildren("li"):
            names = [s for s in li.iter("span") if s.get("itemprop") == "name"]
            name = self.text_of(names[0]) if names else None
            if not name:
                continue
            affs = [addresses[x.get("data-affiliation")] for x in _AFF_INDEX(li) if x.get("data-affiliation") in addresses]
            known = meta.get(_name_key(name))
            authors.append(
                Author(
                    name=name,
                    given=known.given if known else None,
                    family=known.family if known else None,
                    affiliations=affs or (list(known.affiliations) if known and not addresses else []),
                    orcid=known.orcid if known else None,
                )
            )
        return authors

    @article_field()
    def publisher(self) -> str | None:
        return super().publisher

    @article_field(empty=[])
    def issns(self) -> list[str]:
        found = list(super().issns)

        def add(value: Any) -> None:
            issn = parse_issn(str(value)) if value else None
            if issn and issn not in found:
                found.append(issn)

        part = self._ld_article.get("isPartOf")
        if isinstance(part, dict):
            values = part.get("issn")
            for value in values if isinstance(values, list) else [values]:
                add(value)
        # nature.com footer: ISSN 1476-4687 (online), ISSN 0028-0836 (print)
        for item in self.by_class("meta__item"):
            for span in item.iter("span"):
                if span.get("itemprop") in ("issn", "onlineIssn", "printIssn"):
                    add(self.text_of(span))
        # 2019 "About this article": Print ISSN / Online ISSN
        for value in self.by_class("bibliographic-information__value"):
            if value.get("id") in ("print-issn", "electronic-issn"):
                add(self.text_of(value))
        if not found:
            serial = (self._datalayer_page.get("content") or {}).get("serial")
            if isinstance(serial, dict):
                add(serial.get("eissn"))
                add(serial.get("pissn"))
        return found

    @cached_property
    def _article_number(self) -> str | None:
        """"Article number: 4949" (nature.com) or "article number 264"
        (SpringerLink cite line): the page shows no page range."""
        for details in self.by_class("article-info-details"):
            for span in details.iter("span"):
                if span.get("data-test") == "article-number":
                    return self.text_of(span)
        for li in self._identifiers:
            m = re.search(r"\barticle number:?\s*([A-Za-z]{0,3}\d+[A-Za-z]{0,3})\b", self.text_of(li) or "", re.I)
            if m:
                return m.group(1)
        return None

    @article_field()
    def volume(self) -> str | None:
        return super().volume

    @article_field()
    def issue(self) -> str | None:
        return super().issue

    def _printed(self, key: str) -> str | None:
        line = self._cite_line
        if key == "journal":
            return (
                line.get("journal-title")
                or self.text_of(self.by_class("masthead__journal-title")[:1])
                or self.text_of(self.by_class("article-masthead__journal-title")[:1])
                or clean(str(self._datalayer_page.get("Journal Title") or ""))
                or self._footer_journal()
            )
        if key in ("first", "last"):
            return (line.get("pages") or (None, None))[key == "last"]
        shape = _SHOWN_VOLUME if key == "volume" else _SHOWN_ISSUE
        shown = shape.fullmatch(line.get(f"journal-{key}") or "")
        return shown[1] if shown else None

    def _footer_journal(self) -> str | None:
        """nature.com's footer (the news template): `<p class="c-meta"><span
        class="c-meta__item" itemprop="name">Nature</span><span class="c-meta__item">
        ISSN <span itemprop="issn">1476-4687</span>`: a name beside its ISSN
        is the journal's, not the site's."""
        for item in self.by_class("meta__item"):
            if item.get("itemprop") != "name":
                continue
            parent = item.getparent()
            beside = [s for s in parent.iter("span") if s.get("itemprop") in _ISSN_PROPS] if parent is not None else []
            if beside:
                return self.text_of(item)
        return None

    @article_field()
    def first_page(self) -> str | None:
        return self._article_number or super().first_page

    @article_field()
    def last_page(self) -> str | None:
        if self._article_number:
            return None
        return super().last_page

    @article_field()
    def published(self) -> str | None:
        # citation_online_date "2010/05/05": read here, without dateutil.
        m = _YMD.fullmatch(self.first_meta(("citation_online_date",)) or "")
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                pass
        value = super().published
        if value:
            return value
        for li in self._identifiers:
            for time in li.iter("time"):
                date = parse_date(time.get("datetime") or self.text_of(time))
                if date:
                    return date
        return self._shown_first_online()

    def _shown_first_online(self) -> str | None:
        """For a page without date metadata: the 2019 header's "First Online:
        <span class="article-dates__first-online"><time datetime="2010-05-05">",
        the nature.com news header's `time[itemprop=datePublished]` beside the
        type ("NEWS"), not a related card's, which may carry the same classes."""
        times = [t for el in self.by_class("article-dates__first-online") for t in el.iter("time")]
        times += [t for box in self.by_class("article__type")[:1] for t in box.iter("time")
                  if t.get("itemprop") == "datePublished"]
        return parse_date(times[0].get("datetime") or self.text_of(times[0])) if times else None

    @article_field()
    def article_type(self) -> str | None:
        for li in self._identifiers:
            if li.get("data-test") == "article-category":
                value = self.text_of(li)
                if value:
                    return value
        for name in ("test-render-category", "article__type"):
            for el in self.by_class(name):
                value = clean(el.text) or self.text_of(el)
                if value:
                    return value
        # The dataLayer holds citation_article_type's value ("Article"): it
        # comes before dc.type's ("OriginalPaper"), so that the pages of one
        # platform name their types alike.
        return self.first_meta(("citation_article_type",)) or self._datalayer_article_type() or super().article_type

    def _datalayer_article_type(self) -> str | None:
        """SpringerLink's header prints no category for a plain "Article" (and
        its breadcrumb says "Article" for any type): a body-only copy keeps the
        type in the `dataLayer`'s `content.category.articleType`, the value of
        `citation_article_type`."""
        content = self._datalayer_page.get("content")
        category = content.get("category") if isinstance(content, dict) else None
        value = category.get("articleType") if isinstance(category, dict) else None
        return clean(value) if isinstance(value, str) else None

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        block = self._abstract_block()
        if block is not None:
            sections = self._sections(block) if block.tag == "div" else self.sections_of(block)
            if sections:
                return sections
        teaser = self.text_of(self.by_class("article-item__teaser-text")[:1])
        if teaser:
            return [AbstractSection(heading=None, text=teaser)]
        ld = self._ld_article.get("description")
        if isinstance(ld, str) and clean(ld) and not self.by_class("article-section"):
            return [AbstractSection(heading=None, text=clean(ld) or ld)]
        return super().abstract_sections

    def _sections(self, content: Any) -> list[AbstractSection]:
        """The abstract content `div`: `h3` sub-headings ("Purpose", "Methods")
        and paragraphs, as `sections_of` reads them, but without the
        reference markers (`<sup><a href="#ref-CR1">1</a></sup>`) that
        nature.com abstracts carry."""
        sections: list[AbstractSection] = []
        heading: str | None = None
        for node in content.iterchildren():
            if not isinstance(node.tag, str):
                continue
            if node.tag in ("h2", "h3", "h4", "h5"):
                text = self.text_of(node) or ""
                if text.lower().rstrip(":") not in ABSTRACT_TITLES:
                    heading = text.rstrip(": ").strip() or None
                continue
            if node.tag not in ("p", "div", "ul", "ol"):
                continue
            text = self.text_of(node, exclude=_CITATION_REF)
            if not text:
                continue
            if sections and heading is not None and sections[-1].heading == heading:
                sections[-1].text = f"{sections[-1].text} {text}"
            elif sections and heading is None and sections[-1].heading is None:
                sections[-1].text = f"{sections[-1].text}\n\n{text}"
            else:
                sections.append(AbstractSection(heading=heading, text=text))
        return sections or self.sections_of(content)

    def _abstract_block(self) -> Any:
        """The first abstract of the page: `section[data-title=Abstract]` >
        `div.c-article-section` > content (2020+; later `Abs2`, `Abs3` are the
        same abstract in other languages), or the 2019 `section.Abstract`."""
        for div in self.by_class("article-section"):
            section = div.getparent()
            if section is None or section.tag != "section":
                continue
            labelled = section.get("aria-labelledby") or ""
            title = (section.get("data-title") or "").lower()
            if not (re.match(r"Abs\d", labelled) or title in ABSTRACT_TITLES):
                continue
            content = [c for c in div.iterchildren() if c.tag == "div"]
            return content[0] if content else div
        for section in self.by_class("Abstract"):
            return section
        return None

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        lists = self._subject_lists
        for wanted in ("keywords", "subjects"):
            for heading, terms in lists:
                if heading == wanted and terms:
                    return terms
        words = [self.text_of(k) for g in self.by_class("KeywordGroup") for k in g.iter("span") if "Keyword" in class_words(k)]
        words = [w for w in words if w]
        if words:
            return list(dict.fromkeys(words))
        news = [self.text_of(li) for box in self.by_class("article__subjects") for li in box.iter("li")]
        if any(news):
            return [w for w in news if w]
        # Only explicit keyword metadata: dc.subject is Springer's subject
        # classification of the journal ("Physics, general"), not keywords.
        return [w for v in self.meta.get("citation_keywords", []) for w in re.split(r"\s*[;,]\s*", v) if w]

    @cached_property
    def _subject_lists(self) -> list[tuple[str, list[str]]]:
        """(heading, terms) of each `ul.c-article-subject-list`: "Keywords",
        "Subjects", "JEL classification"..."""
        lists = []
        for ul in self.by_class("article-subject-list"):
            prev = ul.getprevious()
            heading = (self.text_of(prev) or "").lower().rstrip(":") if prev is not None else ""
            terms = [t for t in (self.text_of(li) for li in ul.iterchildren("li")) if t]
            lists.append((heading, list(dict.fromkeys(terms))))
        return lists

    # --- access and offers ------------------------------------------------------------

    def _open_marker(self) -> bool:
        """The header's "Open access" (`a[data-test=open-access]`,
        `.u-color-open-access`, or an identifier reading "Open Access");
        the recommendation cards' "Open access" labels are about other articles."""
        for li in self._identifiers:
            if (self.text_of(li) or "").lower() == "open access":
                return True
            for el in li.iter():
                if el.get("data-test") == "open-access" or "u-color-open-access" in class_words(el):
                    return True
        return False

    @article_field(empty="unknown")
    def access(self) -> str:
        if self._open_marker():
            return "open"
        if self.offers or self.by_class("article-buy-box") or self.by_class("BuyBoxSection"):
            return "paywalled"
        if any(el.get("data-test") in ("access-article", "entitlement-box") for el in self.by_class("article-access") + self.by_class("nature-box")):
            return "paywalled"
        # JSON-LD says whether the article is free; "false" alone is not a
        # paywall shown (a subscriber's page has no buy box: "unknown").
        free = self._ld_article.get("isAccessibleForFree")
        if free is True or str(free).lower() == "true":
            return "open"
        return "unknown"

    @article_field(empty=[])
    def offers(self) -> list[Offer]:
        offers: list[Offer] = []
        # The buy box is printed twice (mobile, desktop): the first one that shows offers.
        for box in self.by_class("article-buy-box"):
            offers = self._springer_box(box)
            if offers:
                break
        for section in self.by_class("BuyBoxSection")[:1]:
            offers.extend(self._nature_box(section))
        for offer in offers:
            if offer.price is None and not any(f"offer {offer.label!r}" in w for w in self._warnings()):
                self._warn(f"offer {offer.label!r}: no price shown")
        if not offers and any(len(box) == 0 for box in self.by_class("article-buy-box")):
            self._warn("offers: the buy box is empty (filled by a script)")
        return offers

    def _springer_box(self, box: Any) -> list[Offer]:
        """SpringerLink 2024+ buy box: "Springer+" (`.springer-plus`: title,
        `price-amount-springer-plus` "from €37.37 /Month", `buying-option-usps`
        bullets) and "Buy Now" (`.buybox__buy`: the button "Buy article PDF
        39,95 €", whose price is read from the dataLayer ecommerce JSON;
        `c-notes__vat` tax note, `c-notes__usp` bullet)."""
        offers: list[Offer] = []
        stack = [box]
        while stack:  # document order, not descending into a block once read
            el = stack.pop()
            words = _suffixes(el)
            if "springer-plus" in words:
                offer = self._subscription_offer(el)
                if offer:
                    offers.append(offer)
                    continue
            elif "buybox__buy" in words:
                offers.extend(self._article_offers(el))
                continue
            stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))
        return offers

    def _subscription_offer(self, block: Any) -> Offer | None:
        title = price_text = None
        details: list[str] = []
        for el in block.iter():
            if not isinstance(el.tag, str):
                continue
            words = _suffixes(el)
            if title is None and any(w.endswith("-title") or w == "springer-plus-title" for w in words):
                title = self.text_of(el)
            elif price_text is None and any("price" in w for w in words):
                price_text = self.text_of(el)
            elif el.tag == "li":
                text = self.text_of(el)
                if text:
                    details.append(text)
        if not price_text:
            return None
        label = title or "Subscription"
        offer = Offer(label=label, kind="subscription", price=None, currency=None, details=details)
        self._set_price(offer, price_text)
        offer.period = _recurring(price_text) or parse_period(price_text) or offer.period
        return offer

    def _article_offers(self, block: Any) -> list[Offer]:
        """One offer per purchase button of the "Buy Now" block.  The label
        is the button text without its price ("Buy article PDF 39,95 €"),
        else the block's heading; the price comes from the dataLayer, else
        from the button or a `*price*` element of the block."""
        tax_note = heading = price_text = None
        details: list[str] = []
        buttons: list[Any] = []
        for el in block.iter():
            if not isinstance(el.tag, str):
                continue
            words = _suffixes(el)
            if el.tag == "button" or el.tag == "input" and el.get("type") == "submit":
                buttons.append(el)
            elif el.tag in ("h2", "h3", "h4") or any(w.endswith("__title") for w in words):
                heading = heading or self.text_of(el)
            elif any(_TAX_CLASS.search(w) for w in words):
                tax_note = tax_note or self.text_of(el)
            elif any("price" in w for w in words):
                text = self.text_of(el)
                if text and re.search(r"\d", text) and price_text is None:
                    price_text = text
            elif any(_USP_CLASS.search(w) for w in words) or el.tag == "li":
                text = self.text_of(el)
                if text and text not in details:
                    details.append(text)
        offers = []
        for button in buttons:
            shown = self.text_of(button) or clean(button.get("value")) or ""
            label = _label_without_price(shown) or heading or "Buy article"
            if not re.search(r"\d", shown) and price_text:
                shown = price_text
            product = _datalayer_product(button.get("onclick") or "")
            if product is None:
                product = self._datalayer_impression(label)
            offer = Offer(label=label, kind=_kind(label) or _kind(heading or "") or "article", price=None,
                          currency=None, details=list(details), tax_note=tax_note)
            self._set_offer_price(offer, product, shown)
            offers.append(offer)
        if not buttons and price_text:
            offer = Offer(label=heading or "Buy article", kind=_kind(heading or "") or "article", price=None,
                          currency=None, details=details, tax_note=tax_note)
            self._set_offer_price(offer, self._datalayer_impression(offer.label), price_text)
            offers.append(offer)
        return offers

    def _set_offer_price(self, offer: Offer, product: tuple[Decimal, str] | None, shown: str) -> None:
        """Price from the dataLayer (the page's own number), written with
        the precision the button shows when both agree."""
        shown_price, shown_currency = parse_price(shown) if re.search(r"\d", shown) else (None, None)
        if product is None:
            if shown_price is not None:
                self._set_price(offer, shown)
            return
        amount, currency = product
        offer.currency = currency
        offer.price = _decimal_text(amount)
        if shown_price is not None:
            try:
                agree = Decimal(shown_price) == amount and (shown_currency in (None, currency))
            except InvalidOperation:
                agree = False
            if agree:
                offer.price = shown_price
            else:
                self._warn(f"offer {offer.label!r}: button shows {shown!r}, dataLayer says {amount} {currency}")

    @cached_property
    def _datalayer_pushes(self) -> list[Any]:
        """Objects the page's inline scripts push to `dataLayer` (or assign)
        for its e-commerce tracking: the single-article price."""
        return self._datalayer_values("ecommerce")

    def _datalayer_values(self, marker: str) -> list[Any]:
        """What the inline scripts that mention `marker` push to `dataLayer`.
        The price (`ecommerce`) and a body-only copy's DOI (`"DOI"`) are often
        in one script: each script is read once, whichever asks first."""
        read = self._datalayer_read
        values: list[Any] = []
        for script in self.by_tag("script"):
            text = script.text or ""
            if "dataLayer" in text and marker in text:
                if script not in read:
                    read[script] = _datalayer_values(text)
                values.extend(read[script])
        return values

    @cached_property
    def _datalayer_read(self) -> dict[Any, list[Any]]:
        """Script element -> what `_datalayer_values` read in it."""
        return {}

    def _datalayer_impression(self, label: str) -> tuple[Decimal, str] | None:
        for value in self._datalayer_pushes:
            for item in value if isinstance(value, list) else [value]:
                product = _ecommerce_product(item)
                if product:
                    return product
        return None

    def _nature_box(self, section: Any) -> list[Offer]:
        """nature.com `section.BuyBoxSection`: boxes with a `title-*`
        paragraph, bullets (`access-buybox`, `li.link-usp`, `issue-buybox`),
        the price in `.price-value` or `p.price-buybox`, and one `tax-buybox`
        note for the whole section."""
        tax_note = None
        for el in section.iter("p"):
            if any(w.startswith("tax") for w in class_words(el)):
                tax_note = self.text_of(el)
        offers = []
        for box in section.iter("div"):
            if "box-inner" not in class_words(box):
                continue
            label = price_text = None
            details: list[str] = []
            for el in box.iter():
                if not isinstance(el.tag, str):
                    continue
                words = class_words(el)
                text = None
                if any(w.startswith("title-") for w in words):
                    label = label or self.text_of(el)
                elif "price-value" in words:
                    price_text = self.text_of(el)
                elif "price-buybox" in words:
                    if not any("price-value" in class_words(c) for c in el.iter()):
                        price_text = price_text or self.text_of(el)
                elif el.tag == "li" or any(w.endswith("-buybox") for w in words):
                    text = self.text_of(el)
                    if text and text not in details:
                        details.append(text)
            if not label:
                continue
            offer = Offer(label=label, kind=_kind(label) or "other", price=None, currency=None,
                          details=details, tax_note=tax_note)
            if price_text:
                self._set_price(offer, price_text)
                recurring = _recurring(price_text)
                if recurring:
                    offer.period = recurring
                    offer.kind = "subscription"
            offers.append(offer)
        return offers

    def _set_price(self, offer: Offer, text: str) -> None:
        price, currency = parse_price(text)
        if price is None or currency is None:
            self._warn(f"offer {offer.label!r}: price {text!r} unreadable")
            return
        offer.price, offer.currency = price, currency

    # --- metrics and related lists ---------------------------------------------------

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        metrics = Metrics()
        for li in self.by_class("article-metrics-bar__item"):
            count_el = label_el = None
            for el in li.iter():
                words = _suffixes(el)
                if "article-metrics-bar__count" in words and count_el is None:
                    count_el = el
                elif "article-metrics-bar__label" in words and label_el is None:
                    label_el = el
            if count_el is None:
                continue
            label = (self.text_of(label_el) or "").lower() if label_el is not None else ""
            key = _METRIC_LABELS.get(label) or (None if label else _METRIC_TESTS.get(li.get("data-test") or ""))
            # The count is the paragraph's own text: the label <span> is inside it.
            raw = clean("".join([count_el.text or ""] + [c.tail or "" for c in count_el]))
            self._set_metric(metrics, key, label or li.get("data-test") or "", raw)
        for li in self.by_class("article-metrics__item"):  # 2019: "228 Downloads", "2 Citations"
            labels = [s for s in li.iter("span") if "article-metrics__label" in class_words(s)]
            if not labels:
                continue
            label = (self.text_of(labels[0]) or "").lower()
            full = self.text_of(li) or ""
            raw = clean(full[: full.rfind(self.text_of(labels[0]) or "")]) if labels else None
            self._set_metric(metrics, _METRIC_LABELS.get(label), label, raw)
        return metrics

    def _set_metric(self, metrics: Metrics, key: str | None, label: str, raw: str | None) -> None:
        if not key or getattr(metrics, key) is not None:
            return
        setattr(metrics, key, self.exact_count(label, raw))

    @cached_property
    def _related_lists(self) -> list[tuple[str, list[tuple[str, Any]]]]:
        """(list name, [(title, link element)]) for each related list shown."""
        lists: list[tuple[str, list[tuple[str, Any]]]] = []
        # "Similar content being viewed by others": cards with itemprop=url
        # links; sanitized copies keep no class on them, so the section is
        # also found among the article body's children by its data-title.
        sections = [s for s in self.by_class("article-recommendations") if s.tag == "section"]
        if not sections:
            for body in self.by_class("article-body"):
                sections.extend(
                    s for s in body.iterchildren("section")
                    if s.get("data-title") == "Inline Recommendations"
                    or s.get("aria-labelledby") == "inline-recommendations"
                )
        for section in sections[:1]:
            heading = self.text_of(_HEADINGS(section)[:1]) or ""
            name = _related_name(heading) or "similar"
            cards = [(self.text_of(a), a) for a in _CARD_LINKS(section)]
            lists.append((name, [(t, a) for t, a in cards if t]))
        # nature.com "This article is cited by"
        items = self.by_class("article-further-reading__item")
        if items:
            container = items[0].getparent()
            section = container
            while section is not None and section.tag not in ("section", "body"):
                section = section.getparent()
            heading = self.text_of(_HEADINGS(section)[:1]) if section is not None else None
            name = _related_name(heading or "") or "cited_by"
            links = []
            for li in items:
                a = next(iter(_ITEM_LINKS(li)), None)
                title = self.text_of(a) if a is not None else None
                if title:
                    links.append((title, a))
            lists.append((name, links))
        # nature.com news: "Related Articles" aside
        for box in self.by_class("related-content")[:1]:
            heading = self.text_of(_HEADINGS(box)[:1]) or ""
            name = _related_name(heading)
            if name:
                links = []
                for li in box.iter("li"):
                    a = next(iter(_ITEM_LINKS(li)), None)
                    title = self.text_of(a) if a is not None else None
                    if title:
                        links.append((title, a))
                lists.append((name, links))
        return lists

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        links: list[RelatedLink] = []
        done: set[str] = set()
        for name, items in self._related_lists:
            if name in done:
                continue
            done.add(name)
            for rank, (title, a) in enumerate(items, start=1):
                url = without_tracking(self.absolute(a.get("href")))
                if url and "TOKEN" in url:
                    url = None  # a sanitized copy's placeholder, not the link
                links.append(RelatedLink(list=name, rank=rank, title=title, url=url, doi=_related_doi(a, url or a.get("href"))))
        return links

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        return {}

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        """2019 SpringerLink "Personalised recommendations": an empty
        container a script fills, unless the page switched the feature off."""
        pending: list[str] = []
        if self.by_class("uptodate-recommendations-off"):
            return pending
        for box in self.by_class("uptodate-recommendations"):
            if box.tag in ("div", "section") and not _ANY_LINK(box):
                pending.append("recommended")
                break
        return pending


class SpringerArticlePage(SpringerNatureArticlePage):
    platform_name = "springer"

    @classmethod
    def matches_host(cls, host: str) -> bool:
        return any(
            host == domain or host.endswith("." + domain)
            for domain in ("springer.com", "springerlink.com", "biomedcentral.com", "springeropen.com")
        )


class NatureArticlePage(SpringerNatureArticlePage):
    platform_name = "nature"

    @classmethod
    def matches_host(cls, host: str) -> bool:
        return host == "nature.com" or host.endswith(".nature.com")


PAGE_OBJECTS = (NatureArticlePage, SpringerArticlePage)


# --- helpers --------------------------------------------------------------------------

_YMD = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")
# The cite line's "pages 1–23" (or "pp 231–234", "page 7"), its "volume 13", its "Issue 3".
_SHOWN_PAGES = re.compile(r"\b(?:pages?|pp\.?)\s+([A-Za-z]{0,3}\d+[A-Za-z]{0,3})(?:\s*[–—-]\s*([A-Za-z]{0,3}\d+[A-Za-z]{0,3}))?\b")
_SHOWN_VOLUME = re.compile(r"(?:volume\s+)?([A-Za-z]{0,3}\d+[A-Za-z]{0,3})", re.IGNORECASE)
_SHOWN_ISSUE = re.compile(r"(?:issue\s+)?([A-Za-z]{0,3}\d+[A-Za-z]{0,3}(?:[-–/]\d+)?)", re.IGNORECASE)
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/10\.\S+")
_HEADINGS = xpath(".//*[self::h2 or self::h3][1]")
_CARD_LINKS = xpath(".//article//*[self::h3 or self::h2 or self::h4]//a[@href]")
_ITEM_LINKS = xpath(".//*[self::h3 or self::h2 or self::h4]//a[@href] | .//a[@href]")
_ANY_LINK = xpath(".//a[@href]")
_TAB_HEADS = xpath(".//h3[@role='tab']")
_ISSN_PROPS = frozenset(("issn", "onlineIssn", "printIssn"))
_CITATION_REF = (
    "self::sup[a[@data-test='citation-ref' or starts-with(@href, '#ref-')]]"
    " or self::a[@data-test='citation-ref' or starts-with(@href, '#ref-')]"
)
_AFF_INDEX = xpath(".//li[@data-affiliation]")
_AFF_WRAPPERS = frozenset(("affiliation__item", "affiliation__address", "affiliation__count"))
_AUTHOR_SPLIT = re.compile(r"\s*,\s+|\s+&\s+|\s+and\s+")
_NATURE_ARTICLE = re.compile(r"^https?://(?:www\.)?nature\.com/articles/([a-z]+[0-9][0-9a-z-]*)$", re.I)


def _springer_nature_markup(page: ArticlePage) -> str | None:
    """"nature", "springer" or None, from metadata and one look at the first <h1>.
    Read once per page: both page objects ask when a page is matched by markup."""
    return read_once(page, "_springer_nature_markup", _read_springer_nature_markup)


def _read_springer_nature_markup(page: ArticlePage) -> str | None:
    publisher = " ".join(page.meta.get("citation_publisher", []) + page.meta.get("dc.publisher", []))
    site = " ".join(page.meta.get("og:site_name", []))
    urls = " ".join(page.meta.get("prism.url", []) + page.meta.get("og:url", []) + page.meta.get("citation_pdf_url", []))
    springer_nature = (
        "citation_springer_api_url" in page.meta
        or "springernature.com" in " ".join(page.meta.get("dc.rightsagent", []))
        or re.search(r"\bSpringer\b|Nature Publishing|Nature Portfolio|Nature Research|BioMed Central", publisher)
        or site in ("SpringerLink", "Springer Nature Link", "Nature", "BioMed Central", "SpringerOpen")
    )
    if not springer_nature:
        heads = page.by_tag("h1")
        if not heads:
            return None
        h1 = heads[0]
        if not (h1.get("data-test") == "article-title" and re.search(r"(^|-)article-title\b", h1.get("class") or "")):
            return None
    if site == "Nature" or "nature.com/" in urls or re.search(r"Nature (Publishing|Portfolio|Research)", publisher):
        return "nature"
    return "springer"


def _suffixes(el: Any) -> set[str]:
    words = set()
    for word in (el.get("class") or "").split():
        words.add(word)
        for prefix in _PREFIXES:
            if word.startswith(prefix):
                words.add(word[len(prefix):])
                break
    return words


_NAME_SEPARATORS = re.compile(r"[\s.\-\u2010]+")


def _name_key(name: str | None) -> str:
    return _NAME_SEPARATORS.sub(" ", name or "").strip().lower()


def _kind(label: str) -> str | None:
    low = label.lower()
    if "subscri" in low or "springer+" in low:
        return "subscription"
    if "issue" in low:
        return "issue"
    if "token" in low:
        return "tokens"
    if "book" in low:
        return "other"  # eBook, softcover, hardcover
    if "article" in low or "pdf" in low or "chapter" in low or "rent" in low:
        return "article"
    return None


_TAX_CLASS = re.compile(r"(^|[_-])(vat|tax)")
_USP_CLASS = re.compile(r"(^|[_-])usps?($|[_-])")
_RECURRING = re.compile(r"(?:/\s*|\bper\s+|\ba\s+)(day|week|month|year)\b", re.I)


def _recurring(text: str) -> str | None:
    """"from €37.37 /Month" -> "P1M"; "185,98 € per year" -> "P1Y"."""
    m = _RECURRING.search(text or "")
    return f"P1{m.group(1)[0].upper()}" if m else None


_CODES = "|".join(KNOWN_CURRENCY_CODES)
_PRICE_TAIL = re.compile(
    rf"\s*(?:(?:{_CODES})\s*|[€£$]\s*)?\d[\d.,\s\u00a0\u202f]*(?:\s*(?:[€£$]|{_CODES}))?\s*$"
)


def _label_without_price(text: str) -> str | None:
    """"Buy article PDF 39,95 €" -> "Buy article PDF"."""
    return clean(_PRICE_TAIL.sub("", text or "")) or None


def _decimal_text(amount: Decimal) -> str:
    text = format(amount, "f")
    if "." in text and len(text.split(".")[1]) == 1:
        text += "0"  # "39.9" is 39.90 in a currency
    return text


def _datalayer_product(code: str) -> tuple[Decimal, str] | None:
    """The (price, currency) of a `dataLayer.push({... ecommerce ...})` call."""
    if "ecommerce" not in code:
        return None
    for value in _datalayer_values(code):
        product = _ecommerce_product(value)
        if product:
            return product
    return None


def _ecommerce_product(value: Any) -> tuple[Decimal, str] | None:
    """An article product of a GA ecommerce object: `add.products`,
    `impressions` or GA4 `items`, with its currency."""
    if not isinstance(value, dict):
        return None
    ecommerce = value.get("ecommerce")
    if not isinstance(ecommerce, dict):
        return None
    currency = ecommerce.get("currencyCode") or ecommerce.get("currency")
    candidates: list[Any] = []
    for key in ("add", "purchase", "detail", "checkout"):
        part = ecommerce.get(key)
        if isinstance(part, dict) and isinstance(part.get("products"), list):
            candidates.extend(part["products"])
    for key in ("impressions", "items", "products"):
        if isinstance(ecommerce.get(key), list):
            candidates.extend(ecommerce[key])
    for product in candidates:
        if not isinstance(product, dict):
            continue
        price = product.get("price")
        if isinstance(price, str):
            try:
                price = Decimal(price.replace(",", "."))
            except InvalidOperation:
                price = None
        cur = currency or product.get("currency")
        if isinstance(price, Decimal) and isinstance(cur, str) and re.fullmatch(r"[A-Z]{3}", cur) and price >= 0:
            return price, cur
    return None


_DATALAYER_START = re.compile(r"dataLayer(?:\s*\.\s*push\s*\(\s*|\s*=\s*)")


def _datalayer_values(code: str) -> list[Any]:
    """Each value assigned or pushed to `dataLayer` in a script or an
    `onclick` attribute, read as a JavaScript literal (no eval)."""
    values = []
    for m in _DATALAYER_START.finditer(code):
        at = m.end()
        if at < len(code) and code[at] in "[{":
            try:
                value, _ = _JsLiteral(code, at).value()
            except ValueError:
                continue
            values.append(value)
    return values


class _JsLiteral:
    """A small reader of JavaScript object/array literals (JSON plus
    single-quoted strings, unquoted keys, trailing commas, `undefined`).
    Numbers become `Decimal`, so a price keeps the digits it was written
    with.  Anything else (a function call, a variable) raises ValueError."""

    _NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
    _IDENT = re.compile(r"[A-Za-z_$][\w$]*")
    _WORDS = {"true": True, "false": False, "null": None, "undefined": None}

    def __init__(self, text: str, at: int) -> None:
        self.text, self.at, self.depth = text, at, 0

    def _skip(self) -> None:
        text, n = self.text, len(self.text)
        while self.at < n:
            ch = text[self.at]
            if ch in " \t\r\n\u00a0":
                self.at += 1
            elif text.startswith("//", self.at):
                end = text.find("\n", self.at)
                self.at = n if end < 0 else end
            elif text.startswith("/*", self.at):
                end = text.find("*/", self.at + 2)
                self.at = n if end < 0 else end + 2
            else:
                return

    def value(self) -> tuple[Any, int]:
        self._skip()
        if self.at >= len(self.text):
            raise ValueError("end of input")
        ch = self.text[self.at]
        if ch in "{[":
            self.depth += 1
            if self.depth > 50:
                raise ValueError("too deep")
            result = self._object() if ch == "{" else self._array()
            self.depth -= 1
            return result, self.at
        if ch in "\"'":
            return self._string(), self.at
        m = self._NUMBER.match(self.text, self.at)
        if m:
            self.at = m.end()
            return Decimal(m.group(0)), self.at
        m = self._IDENT.match(self.text, self.at)
        if m and m.group(0) in self._WORDS:
            self.at = m.end()
            return self._WORDS[m.group(0)], self.at
        raise ValueError(f"unexpected {ch!r} at {self.at}")

    def _object(self) -> dict[str, Any]:
        self.at += 1
        out: dict[str, Any] = {}
        while True:
            self._skip()
            if self.at >= len(self.text):
                raise ValueError("unterminated object")
            ch = self.text[self.at]
            if ch == "}":
                self.at += 1
                return out
            if ch in "\"'":
                key = self._string()
            else:
                m = self._IDENT.match(self.text, self.at) or self._NUMBER.match(self.text, self.at)
                if not m:
                    raise ValueError(f"bad key at {self.at}")
                key, self.at = m.group(0), m.end()
            self._skip()
            if self.at >= len(self.text) or self.text[self.at] != ":":
                raise ValueError(f"':' expected at {self.at}")
            self.at += 1
            out[key], _ = self.value()
            self._skip()
            if self.at < len(self.text) and self.text[self.at] == ",":
                self.at += 1
            elif self.at < len(self.text) and self.text[self.at] != "}":
                raise ValueError(f"',' expected at {self.at}")

    def _array(self) -> list[Any]:
        self.at += 1
        out: list[Any] = []
        while True:
            self._skip()
            if self.at >= len(self.text):
                raise ValueError("unterminated array")
            if self.text[self.at] == "]":
                self.at += 1
                return out
            item, _ = self.value()
            out.append(item)
            self._skip()
            if self.at < len(self.text) and self.text[self.at] == ",":
                self.at += 1
            elif self.at < len(self.text) and self.text[self.at] != "]":
                raise ValueError(f"',' expected at {self.at}")

    _ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}

    _PLAIN = {"\"": re.compile(r'[^"\\\\]*'), "'": re.compile(r"[^'\\\\]*")}

    def _string(self) -> str:
        quote = self.text[self.at]
        self.at += 1
        parts: list[str] = []
        text, n, plain = self.text, len(self.text), self._PLAIN[quote]
        while self.at < n:
            m = plain.match(text, self.at)
            if m.end() > self.at:
                parts.append(m.group(0))
                self.at = m.end()
                continue
            ch = text[self.at]
            if ch == quote:
                self.at += 1
                return "".join(parts)
            # a backslash escape
            if self.at + 1 >= n:
                break
            nxt = text[self.at + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[self.at + 2 : self.at + 6]):
                parts.append(chr(int(text[self.at + 2 : self.at + 6], 16)))
                self.at += 6
            elif nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[self.at + 2 : self.at + 4]):
                parts.append(chr(int(text[self.at + 2 : self.at + 4], 16)))
                self.at += 4
            else:
                parts.append(self._ESCAPES.get(nxt, nxt))
                self.at += 2
        raise ValueError("unterminated string")


def _related_name(heading: str) -> str | None:
    low = (heading or "").lower()
    for words, name in _RELATED_HEADINGS:
        if words in low:
            return name
    return None


def _related_doi(link: Any, url: str | None) -> str | None:
    """The card's DOI: its `data-track-label` ("10.1038/s41598-024-60709-z"),
    a DOI in the link's path (link.springer.com/10.1007/..., doi.org/...),
    or a nature.com/articles/<id> link, whose DOI is 10.1038/<id>."""
    label = (link.get("data-track-label") or "").strip()
    doi = parse_doi(label) if label.startswith("10.") else None
    if doi and doi == label:
        return doi
    if not url:
        return None
    path = urlsplit(url).path
    if re.search(r"/10\.\d{4,9}/", path):
        return parse_doi(path[path.index("/10.") + 1 :])
    m = _NATURE_ARTICLE.match(url.split("?")[0])
    if m:
        return f"10.1038/{m.group(1)}"
    return None
