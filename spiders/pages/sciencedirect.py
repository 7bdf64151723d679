"""Elsevier ScienceDirect: www.sciencedirect.com/science/article/(abs/)pii/…

A React page.  The server renders the header (`div.Publication`,
`span.title-text`, `div.author-group` with `span.given-name`/`span.surname`),
the abstracts (`div.Abstracts > div.abstract.author`, sub-headings `h3`/`h4`),
the keywords (`div.keywords-section div.keyword`) and the related lists when
it has them (`header#citing-articles-header` "Cited by (14)",
`header#recommended-articles-header` "Recommended articles (6)", items
`li.ListArticleItem` / `li.RelatedContentPanelItem`).  Its state goes along
as JSON in `<script type="application/json" data-iso-key="_0">`: the
affiliations (shown by "Show more"), the price behind "Purchase PDF"
(`article.accessOptions`), and whether the lists were loaded at all
(`"citingArticles":{}` and `"recommendations":{}` mean a browser loads them:
"Cited by (0)" and "No articles found." are then placeholders).  The state is
large (160 kB), so only the objects read are decoded, not all of it.

Sanitized captures (browser DOM, scripts stripped) have no state: what the
HTML shows is then taken as it is.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote, urlsplit

from spiders.items import AbstractSection, Author, Metrics, Offer, RelatedLink
from spiders.pages.base import (
    ABSTRACT_TITLES,
    ArticlePage,
    add_section_text,
    article_field,
    cached_property,
    class_words,
    document_tops,
    has_class,
    index_classes,
    marker_set,
    xpath,
)
from spiders.pages.text import clean, parse_count, parse_date, parse_doi, parse_orcid, parse_price, split_pages


class ScienceDirectArticlePage(ArticlePage):
    platform_name = "sciencedirect"
    # The header's persistent link (`a.doi`, "https://doi.org/10.1016/..."), in every template.
    doi_boxes = ("doi",)
    class_markers = (
        "title-text", "publication-title", "publication-volume", "author-group", "surname", "Abstracts",
        "abstract", "keywords-section", "keyword", "OpenAccessLabel", "OpenArchiveLabel", "access-indicator",
        "PurchasePDF", "plumX-metrics", "article-dochead", "doi",
    )

    @classmethod
    def matches_host(cls, host: str) -> bool:
        return host == "sciencedirect.com" or host.endswith(".sciencedirect.com")

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        if "sdtech" in page.meta:
            return True
        return "citation_pii" in page.meta and any(
            "sciencedirect.com" in value
            for name in ("og:url", "citation_pdf_url")
            for value in page.meta.get(name, [])
        )

    def has_article_markup(self) -> bool:
        return bool(self.by_class("title-text")) and bool(self.by_class("author-group"))

    @cached_property
    def _class_index(self) -> dict[str, list[Any]]:
        """The class index over the parts of the page that are read: the
        article's header (publication, title, authors, licence, abstracts,
        keywords), the access bar and the side panels, not the full text,
        the references nor the cookie dialogs (half the classes of a page).
        The parts hang off the `article` around the `h1`, inside the
        `div.Article` container; a page without that layout gets the
        whole-document index."""
        index: dict[str, list[Any]] = {m: [] for m in self.class_markers}
        roots = self._index_roots()
        markers = marker_set(type(self))
        return index_classes(index, document_tops(self.sel.root) if roots is None else roots, ("(words)", *self.class_markers),
                             lambda value: tuple(t for t in value.split() if t in markers))

    def _index_roots(self) -> list[Any] | None:
        heads = self.by_tag("h1")
        if not heads:
            return None
        article = next((a for a in heads[0].iterancestors() if a.tag == "article"), None)
        container = next((a for a in heads[0].iterancestors() if "Article" in class_words(a)), None)
        if article is None or container is None:
            return None
        roots = [c for c in article.iterchildren() if isinstance(c.tag, str) and not _SKIPPED_PART.search(
            f"{c.get('class') or ''} {c.get('id') or ''}")]
        around = set(article.iterancestors())
        for node in container.iterchildren():
            if isinstance(node.tag, str) and node is not article and node not in around:
                roots.append(node)  # the access bar
        for node in article.itersiblings():
            roots.append(node)  # the side panels (related, metrics)
        for node in article.itersiblings(preceding=True):
            roots.append(node)
        return roots

    # --- the embedded state ---------------------------------------------------------

    @cached_property
    def _state_text(self) -> str:
        for script in self.by_tag("script"):
            if script.get("type") == "application/json" and script.get("data-iso-key") is not None:
                return script.text or ""
        return ""

    def _state_object(self, key: str, first_key: str | None = None) -> dict[str, Any] | None:
        """The first `"key":{…}` object of the state (whose first member is
        `first_key`, when given), decoded alone: the state is compact JSON,
        so a literal search finds it without a regular expression over it all."""
        text = self._state_text
        if not text:
            return None
        needle = f'"{key}":{{' + (f'"{first_key}"' if first_key else "")
        at = text.find(needle)
        if at < 0:
            return None
        try:
            value, _ = _DECODER.raw_decode(text, at + len(key) + 3)
        except ValueError:
            self._warn(f"page state: {key!r} could not be decoded")
            return None
        return value if isinstance(value, dict) else None

    # --- bibliographic ----------------------------------------------------------

    @article_field()
    def title(self) -> str | None:
        return super().title or self.text_of(self.by_class("title-text")[:1])

    @article_field()
    def journal(self) -> str | None:
        return super().journal or self.text_of(self.by_class("publication-title")[:1])

    @cached_property
    def _volume_line(self) -> dict[str, str | None]:
        """"Volume 278, Issues 4–6, 31 October 1997, Pages 285-290" or
        "Volume 61, April 2020, 101864" (an article number)."""
        out: dict[str, str | None] = {"volume": None, "issue": None, "first": None, "last": None}
        for box in self.by_class("publication-volume")[:1]:
            line = " ".join(self.text_of(d) or "" for d in box.iterchildren("div"))
            parts = [clean(p) for p in line.split(",")]
            for part in parts:
                if not part:
                    continue
                m = re.match(r"Volumes?\s+(\S+)$", part)
                if m:
                    out["volume"] = m.group(1)
                m = re.match(r"Issues?\s+(\S+)$", part)
                if m:
                    out["issue"] = m.group(1).replace("–", "-")
                if re.match(r"(Pages?|Article)\b", part):
                    out["first"], out["last"] = split_pages(part)
            if parts and parts[-1] and re.fullmatch(r"[A-Za-z]?\d+", parts[-1]) and out["first"] is None:
                out["first"] = parts[-1]
        return out

    @article_field()
    def volume(self) -> str | None:
        return super().volume or self._volume_line["volume"]

    @article_field()
    def issue(self) -> str | None:
        return super().issue or self._volume_line["issue"]

    @article_field()
    def first_page(self) -> str | None:
        return super().first_page or self._volume_line["first"]

    @article_field()
    def last_page(self) -> str | None:
        return super().last_page or self._volume_line["last"]

    @article_field()
    def published(self) -> str | None:
        # The first online date: the metadata's, else the article history's,
        # before the issue's cover date that citation_publication_date holds.
        online = next(filter(None, map(parse_date, self.meta.get("citation_online_date", []))), None)
        return online or self._available_online() or super().published

    def _available_online(self) -> str | None:
        """The "Available online" date of the article history that "Show
        more" prints under the authors ("Received 6 March 1997, Accepted …,
        Available online 14 April 1998"), drawn from the state's `dates`
        ({"Available online": "14 April 1998", "Received": …}): the online
        date, what the metadata's citation_online_date says.  Read only for a
        page without that metadata; "Received" and "Publication date" (the
        issue's cover date) are not it."""
        dates = self._state_object("dates")
        shown = (dates or {}).get("Available online")
        if not isinstance(shown, str):
            return None
        date = parse_date(shown)
        if date is None:
            self._warn(f"published: unreadable date {clean(shown)!r}")
        return date

    @article_field()
    def article_type(self) -> str | None:
        return self.text_of(self.by_class("article-dochead")[:1]) or super().article_type

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        """Names from the author buttons; affiliations and ORCID iDs from a
        rendered "Show more" (`dl.affiliation`) or else from the page state."""
        authors: list[Author] = []
        for group in self.by_class("author-group"):
            for surname in [s for s in self.by_class("surname") if group in s.iterancestors()]:
                holder = _author_holder(surname, group)
                given_nodes = _GIVEN(holder)
                given = self.text_of(given_nodes[:1]) if given_nodes else None
                family = self.text_of(surname)
                if not family:
                    continue
                name = f"{given} {family}" if given else family
                orcid = parse_orcid(" ".join(_ORCID_HREFS(holder) + _orcid_after(holder)))
                authors.append(Author(name=name, given=given, family=family, orcid=orcid))
        if not authors:
            return super().authors
        details = self._state_authors()
        for author in authors:
            found = details.get((author.given, author.family)) or details.get((None, author.family))
            if found:
                author.affiliations = found[0]
                author.orcid = author.orcid or found[1]
        return authors

    def _state_authors(self) -> dict[tuple[str | None, str], tuple[list[str], str | None]]:
        """{(given, surname): (affiliations, orcid)} from the state's
        author groups.  An author with no affiliation reference has all the
        affiliations of the group (a group with one affiliation has no labels)."""
        state = self._state_object("authors", "content")
        out: dict[tuple[str | None, str], tuple[list[str], str | None]] = {}
        for group in (state or {}).get("content") or []:
            members = group.get("$$") or [] if isinstance(group, dict) else []
            affiliations = {
                (m.get("$") or {}).get("id"): _affiliation_text(m)
                for m in members
                if isinstance(m, dict) and m.get("#name") == "affiliation"
            }
            for member in members:
                if not isinstance(member, dict) or member.get("#name") != "author":
                    continue
                parts = member.get("$$") or []
                given = next((_flat(p) for p in parts if p.get("#name") == "given-name"), None)
                surname = next((_flat(p) for p in parts if p.get("#name") == "surname"), None)
                if not surname:
                    continue
                refs = [(p.get("$") or {}).get("refid") for p in parts if p.get("#name") == "cross-ref"]
                mine = [affiliations[r] for r in refs if r in affiliations]
                if not any(r in affiliations for r in refs):
                    mine = list(affiliations.values())
                orcid = parse_orcid((member.get("$") or {}).get("orcid"))
                key = (clean(given), clean(surname) or surname)
                out[key] = ([a for a in mine if a], orcid)
                out.setdefault((None, key[1]), out[key])
        return out

    # --- abstract and keywords ---------------------------------------------------

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        """The author abstract (`div.abstract.author`): "Highlights" and the
        "Graphical abstract" are other blocks.  Paragraphs are `p` or, in
        newer pages, `div`s; sub-headings `h3`/`h4` make sections."""
        for block in self.by_class("abstract"):
            words = class_words(block)
            if "author" not in words or block.tag != "div":
                continue
            sections = self._sections(block)
            if sections:
                return sections
        return super().abstract_sections

    def _sections(self, block: Any) -> list[AbstractSection]:
        sections: list[AbstractSection] = []
        heading: str | None = None
        for node in _ABSTRACT_PARTS(block):
            if node.tag in ("h2", "h3", "h4", "h5"):
                text = self.text_of(node)
                if node.tag != "h2" and text and text.lower().rstrip(":") not in ABSTRACT_TITLES:
                    heading = text.rstrip(": ").strip() or None
                continue
            if node.tag == "div" and _BLOCK_CHILDREN(node):
                continue  # a wrapper: its paragraphs come next
            text = self.text_of(node)
            if not text:
                continue
            add_section_text(sections, heading, text)
        return sections

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        words: list[str] = []
        for section in self.by_class("keywords-section"):
            title = _SECTION_HEADING(section)
            label = (self.text_of(title[:1]) or "Keywords").lower()
            if "keyword" not in label:
                continue  # "Abbreviations", "JEL classification"
            for item in section.iter():
                if "keyword" in class_words(item):
                    word = self.text_of(item)
                    if word and word not in words:
                        words.append(word)
            if words:
                break
        return words or self._state_keywords() or super().keywords

    def _state_keywords(self) -> list[str]:
        """The keyword groups the page draws from its state when the HTML
        has no keyword section (abstract-only pages): `combinedContentItems`,
        the article's own XML as JSON, where a group is titled "Keywords"
        (not "Abbreviations" or "JEL classification")."""
        items = self._state_object("combinedContentItems", "content") or {}
        for outer in _named(items.get("content"), "keywords"):
            words: list[str] = []
            for group in _named(outer.get("$$"), "keywords"):
                title = next((_node_text(t) for t in _named(group.get("$$"), "section-title")), "Keywords")
                if "keyword" in title.lower():
                    for word in (clean(_node_text(k)) for k in _named(group.get("$$"), "keyword")):
                        if word and word not in words:
                            words.append(word)
            if words:
                return words
        return []

    # --- access and offers --------------------------------------------------------

    @article_field(empty="unknown")
    def access(self) -> str:
        labels = " ".join(self.text_of(e) or "" for name in ("OpenAccessLabel", "OpenArchiveLabel")
                          for e in self.by_class(name))
        if re.search(r"open (access|archive)", labels, re.I):
            return "open"
        access = self._state_object("access", "openAccess") or self._state_object("access", "openArchive")
        if access and (access.get("openAccess") is True or access.get("openArchive") is True):
            return "open"
        if self.offers or self.by_class("PurchasePDF"):
            return "paywalled"
        return super().access

    @article_field(empty=[])
    def offers(self) -> list[Offer]:
        """"Purchase PDF" shows its price in a dialog; the price is in the
        state (`accessOptions.price`), and a second, non-discounted one for
        corporate buyers (`purchaseNonDiscounted`, link `?corporate=true`)."""
        options = self._state_object("accessOptions", "linkType")
        if not options or str(options.get("linkType", "")).upper() != "PURCHASE":
            return []
        offers: list[Offer] = []
        for label, option in (("Purchase PDF", options), ("Purchase PDF (corporate)", options.get("purchaseNonDiscounted"))):
            if not isinstance(option, dict) or not isinstance(option.get("price"), dict):
                continue
            price, currency = _state_price(option["price"])
            if price is None or currency is None:
                self._warn(f"offer {label!r}: price {option['price']!r} unreadable")
            offers.append(Offer(label=label, kind="article", price=price, currency=currency))
        return offers

    # --- metrics and related lists ---------------------------------------------------

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        """PlumX as rendered in the page ("Citations: Citation Indexes 157",
        "Usage: Abstract Views …"); the script-only badge shows nothing."""
        metrics = Metrics()
        for box in self.by_class("plumX-metrics")[:1]:
            for item in box.iter("li"):
                spans = [self.text_of(s) or "" for s in item.iterchildren("span")]
                if len(spans) < 2:
                    continue
                label, raw = spans[0].lower(), spans[-1]
                key = (
                    "citations" if "citation" in label
                    else "downloads" if "download" in label
                    else "views" if "views" in label
                    else None
                )
                if key is None:
                    continue
                value = parse_count(raw)
                if value is None:
                    self._warn(f"metrics: {label} {raw!r} is not an exact number")
                elif getattr(metrics, key) is None:
                    setattr(metrics, key, value)
        return metrics

    @cached_property
    def _lists(self) -> list[tuple[str, str, Any]]:
        """(list name, heading text, element holding the items), page order."""
        found: list[tuple[str, str, Any]] = []
        for header in _HEADERS(self.sel.root):
            # The heading, not the whole header: the site's own <header> is large.
            title = next(header.iter("h2", "h3"), None)
            text = (self.text_of(title) if title is not None else None) or ""
            ident = header.get("id") or ""
            name = None
            if ident.startswith("citing-articles") or re.match(r"(cited by|citing articles)\b", text, re.I):
                name = "cited_by"
            elif ident.startswith("recommended-articles") or re.match(r"recommended articles\b", text, re.I):
                name = "recommended"
            if name and all(name != n for n, _, _ in found):
                holder = header.getparent()
                found.append((name, text, holder if holder is not None else header))
        return found

    def _items(self, holder: Any) -> list[Any]:
        return [li for li in holder.iter("li") if {"ListArticleItem", "RelatedContentPanelItem"} & set(class_words(li))]

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        links: list[RelatedLink] = []
        for name, _, holder in self._lists:
            for rank, item in enumerate(self._items(holder), start=1):
                anchors = _TITLE_LINK(item) or _ANY_LINK(item)
                if not anchors:
                    continue
                title = self.text_of(anchors[0])
                if not title:
                    continue
                href = anchors[0].get("href")
                links.append(RelatedLink(list=name, rank=rank, title=title, url=self.absolute(href), doi=_doi_of_link(href)))
        return links

    def _loaded_later(self, name: str) -> bool:
        """True when the page state says the list was not loaded."""
        if not self._state_text:
            return False
        key = "citingArticles" if name == "cited_by" else "recommendations"
        return f'"{key}":{{}}' in self._state_text

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name, text, _ in self._lists:
            m = re.search(r"\((\d[\d,]*)\)\s*$", text)
            if m and not self._loaded_later(name):
                counts[name] = int(m.group(1).replace(",", ""))
        return counts

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        pending: list[str] = []
        for name, text, holder in self._lists:
            if self._items(holder):
                continue
            if self._loaded_later(name):
                pending.append(name)
            elif not re.search(r"\(0\)\s*$", text) and "no articles found" not in (self.text_of(holder) or "").lower():
                pending.append(name)  # announced, empty, and no word that it is empty
        return pending


PAGE_OBJECTS = (ScienceDirectArticlePage,)

_DECODER = json.JSONDecoder(parse_float=Decimal)
# Parts of the article not read through the class index: full text, references,
# snippets, and the related lists (found by their headers).
_SKIPPED_PART = re.compile(
    r"\b(Body|text-content|References|Appendices|issue-navigation|section-cited-by"
    r"|preview-section-(references|snippets|introduction|cited-by|recommended-articles))\b"
)
_HEADERS = xpath("//header")
_GIVEN = xpath(f".//*[{has_class('given-name')}]")
_ORCID_HREFS = xpath("descendant-or-self::a[contains(@href, 'orcid.org')]/@href", plain=True)
_SURNAMES = xpath(f"descendant-or-self::*[{has_class('surname')}]")
_ABSTRACT_PARTS = xpath("descendant::*[self::h2 or self::h3 or self::h4 or self::h5 or self::p or self::div]")
_BLOCK_CHILDREN = xpath("./*[self::div or self::p or self::section or self::h2 or self::h3 or self::h4 or self::ul or self::ol]")
_SECTION_HEADING = xpath("./h2 | ./h3")
_TITLE_LINK = xpath(".//h3//a[@href]")
_ANY_LINK = xpath(".//a[@href]")


def _author_holder(surname: Any, group: Any) -> Any:
    """The button or link of one author (holding given name, surname, icons)."""
    for node in surname.iterancestors():
        if node is group:
            break
        if node.tag in ("button", "a"):
            return node
    return surname.getparent()


def _orcid_after(holder: Any) -> list[str]:
    """ORCID links that follow an author's button or link (an icon beside
    the name), up to the next author."""
    hrefs: list[str] = []
    for node in holder.itersiblings():
        if not isinstance(node.tag, str) or _SURNAMES(node):
            break
        hrefs.extend(_ORCID_HREFS(node))
    return hrefs


def _named(nodes: Any, name: str) -> list[dict[str, Any]]:
    """The nodes of a list of the state's article JSON whose element name is `name`."""
    return [n for n in nodes or [] if isinstance(n, dict) and n.get("#name") == name]


def _node_text(node: Any) -> str:
    """The text of a node of the state's article JSON ({"_": text, "$$": children})."""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(_node_text(n) for n in node)
    if not isinstance(node, dict):
        return ""
    return str(node.get("_") or "") + _node_text(node.get("$$") or [])


def _flat(node: Any) -> str:
    """Text of a state node: `{"_": text, "$$": [children]}`."""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(_flat(n) for n in node)
    if isinstance(node, dict):
        return str(node.get("_") or "") + _flat(node.get("$$") or [])
    return ""


def _affiliation_text(node: dict[str, Any]) -> str | None:
    parts = node.get("$$") or []
    text = next((_flat(p) for p in parts if isinstance(p, dict) and p.get("#name") == "textfn"), None)
    if text is None:
        text = next((_flat(p) for p in parts if isinstance(p, dict) and p.get("#name") == "source-text"), None)
    return clean(text)


def _state_price(price: dict[str, Any]) -> tuple[str | None, str | None]:
    currency = clean(str(price.get("currency") or "")) or None
    amount = price.get("totalPrice", price.get("price"))
    if isinstance(amount, (Decimal, int)) and not isinstance(amount, bool):
        try:
            value = Decimal(amount)
        except InvalidOperation:
            return None, currency
        return (f"{value:.2f}" if value.is_finite() and value >= 0 else None), currency
    if isinstance(amount, str):
        value, found = parse_price(f"{currency or ''} {amount}")
        return value, currency or found
    return None, currency


def _doi_of_link(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc.endswith("doi.org"):
        return parse_doi(unquote(parts.path))
    return None
