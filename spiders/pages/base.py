"""The generic article page: everything a landing page says in embedded
metadata (Highwire `citation_*`, Dublin Core `dc.*`, PRISM, Open Graph,
schema.org JSON-LD), and the plumbing every platform's page object shares.

A platform page object subclasses `ArticlePage` and overrides the fields its
markup shows better than the metadata does (prices, metrics, related lists).
Every field is a pure function of the response; no field ever raises: a field
that fails is empty and says why in `warnings`.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
from collections.abc import Callable
from urllib.parse import urljoin
from typing import Any, TypeVar

import attrs
from lxml import etree
from extruct.jsonld import JsonLdExtractor
from parsel import Selector, SelectorList
from web_poet import WebPage, field
from web_poet.fields import get_fields_dict

from spiders.items import (
    AbstractSection,
    ArticleRecord,
    Author,
    Metrics,
    Offer,
    RelatedLink,
)
from spiders.pages import classify as classify_mod
from spiders.pages.text import (
    clean,
    clean_list,
    join_text,
    parse_date,
    parse_doi,
    parse_issn,
    parse_orcid,
    split_name,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Lower-cased meta names per field, best first.
_TITLE = ("citation_title", "dc.title", "prism.title", "og:title", "twitter:title")
_JOURNAL = ("citation_journal_title", "prism.publicationname", "citation_conference_title")
_PUBLISHER = ("citation_publisher", "dc.publisher", "prism.publisher")
_ISSN = ("citation_issn", "citation_eissn", "prism.issn", "prism.eissn")
_VOLUME = ("citation_volume", "prism.volume")
_ISSUE = ("citation_issue", "prism.number", "prism.issueidentifier")
_FIRST_PAGE = ("citation_firstpage", "prism.startingpage")
_LAST_PAGE = ("citation_lastpage", "prism.endingpage")
# First online publication first; print dates are later or equal.
_PUBLISHED = (
    "citation_online_date",
    "citation_publication_date",
    "citation_date",
    "prism.publicationdate",
    "dc.date",
    "dcterms.issued",
    "dc.date.issued",
    "article:published_time",
)
_ARTICLE_TYPE = ("citation_article_type", "dc.type", "prism.section")
_ABSTRACT = ("citation_abstract", "dc.description", "dcterms.abstract", "description", "og:description")
_KEYWORDS = ("citation_keywords", "dc.subject", "keywords")


# Compiled once: parsel builds an XPath evaluator per call, which costs more
# than these queries themselves.
_ALL_CLASSES = etree.XPath("//@class")
# Plain name tests walk the tree fast; predicates are filtered in Python.
_METAS = etree.XPath("//meta")
_SCRIPTS = etree.XPath("//script")
_LINKS = etree.XPath("//link")
_FIRST_H1 = etree.XPath("(//h1)[1]")
_HTML_PARSERS: dict[str, etree.HTMLParser] = {}
_ABSTRACT_PARTS = etree.XPath(
    "descendant::*[self::h2 or self::h3 or self::h4 or self::p"
    " or self::div[contains(concat(' ', normalize-space(@class), ' '), ' sectionHeading ')]]"
)
_IN_KEYWORDS = etree.XPath(
    "ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' abstractKeywords ')"
    " or contains(@class, 'keyword')]"
)


@functools.lru_cache(maxsize=512)
def xpath(expression: str) -> etree.XPath:
    """A compiled XPath, reused across pages: `xpath(".//li")(element)`."""
    return etree.XPath(expression)


def has_class(name: str) -> str:
    """XPath predicate: the class attribute holds this word."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def class_words(element: Any) -> list[str]:
    return (element.get("class") or "").split()


def article_field(empty: Any = None, *, gate: bool = True) -> Callable[[Callable[..., T]], Any]:
    """A record field that is empty unless the page is an article, and that
    turns an unexpected error into a warning instead of losing the record."""

    def decorate(method: Callable[..., T]) -> Any:
        # Cached per definition, not per name: a subclass's field calls the
        # base class's field of the same name through super().
        key = object()

        @functools.wraps(method)
        def wrapper(self: ArticlePage) -> Any:
            cache = self.__dict__.setdefault("_field_cache", {})
            if key in cache:
                return cache[key]
            if gate and self.status != "article":
                value = copy.deepcopy(empty)
            else:
                try:
                    value = method(self)
                except Exception as exc:  # noqa: BLE001 - one field must not cost the record
                    logger.debug("field %s failed on %s", method.__name__, self.response.url, exc_info=True)
                    self._warn(f"{method.__name__}: could not be read ({type(exc).__name__}: {exc})")
                    value = copy.deepcopy(empty)
            cache[key] = value
            return value

        return field(wrapper)

    return decorate


class ArticlePage(WebPage[ArticleRecord]):
    """Generic page object: embedded metadata only.  Never claims a platform."""

    platform_name = "generic"

    @classmethod
    def matches_host(cls, host: str) -> bool:
        """True when this page object reads the pages of this host."""
        return False

    @classmethod
    def matches_markup(cls, page: ArticlePage) -> bool:
        """True when the markup shows this platform (a publisher on its own
        domain).  `page` is the generic page object of the response: use its
        parsed `sel`, `meta` and `jsonld`, which are computed once."""
        return False
    # Class names this page object reads.  They are found in one pass over
    # the document (`by_class`) instead of one XPath scan per field: the
    # extraction budget is twice the time lxml needs to parse the page.
    class_markers: tuple[str, ...] = ()

    # --- shared plumbing ----------------------------------------------------

    @functools.cached_property
    def sel(self) -> Selector:
        """The parsed page.  Bytes go to lxml with the encoding the response
        declares (BOM, HTTP header, meta charset, else sniffed), instead of
        being decoded to text and encoded again."""
        body = bytes(self.response.body)
        root = _parse_html(body.replace(b"\x00", b"") if b"\x00" in body else body, self.response.encoding)
        if root is None:
            return self.response.selector
        return Selector(root=root, type="html")

    @functools.cached_property
    def _class_index(self) -> dict[str, list[Any]]:
        index: dict[str, list[Any]] = {m: [] for m in self.class_markers}
        if not index:
            return index
        # `//@class` is one cheap walk; predicates on `//*` cost several
        # times more in libxml2, and so would one query per class name.
        for attr in _ALL_CLASSES(self.sel.root):
            for token in attr.split():
                bucket = index.get(token)
                if bucket is not None:
                    bucket.append(attr.getparent())
        return index

    def by_class(self, name: str) -> list[Any]:
        """lxml elements whose class attribute holds the word `name`, in page order."""
        if name not in self._class_index:
            raise KeyError(f"{name!r} is not in {type(self).__name__}.class_markers")
        return list(self._class_index[name])

    def _warnings(self) -> list[str]:
        return self.__dict__.get("_warning_list", [])

    def _warn(self, message: str) -> None:
        warnings = self.__dict__.setdefault("_warning_list", [])
        if message not in warnings:
            warnings.append(message)

    @functools.cached_property
    def meta_pairs(self) -> list[tuple[str, str, str]]:
        """(lower-cased name or property, content, scheme) in page order."""
        pairs = []
        for m in _METAS(self.sel.root):
            attrib = m.attrib
            if "content" not in attrib:
                continue
            name = attrib.get("name") or attrib.get("property") or attrib.get("itemprop")
            if name:
                pairs.append((name.strip().lower(), attrib.get("content", ""), attrib.get("scheme", "")))
        return pairs

    @functools.cached_property
    def meta(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, content, _ in self.meta_pairs:
            value = clean(content)
            if value:
                out.setdefault(name, []).append(value)
        return out

    def first_meta(self, names: tuple[str, ...]) -> str | None:
        for name in names:
            values = self.meta.get(name)
            if values:
                return values[0]
        return None

    @functools.cached_property
    def jsonld_scripts(self) -> list[Any]:
        """Non-empty JSON-LD <script> elements (sanitized copies keep empty ones)."""
        return [
            s
            for s in _SCRIPTS(self.sel.root)
            if s.get("type", "").strip().lower() == "application/ld+json" and (s.text or "").strip()
        ]

    @functools.cached_property
    def jsonld(self) -> list[dict[str, Any]]:
        """schema.org objects of the page, flattened out of @graph and lists."""
        extractor = JsonLdExtractor()
        items: list[Any] = []
        for script in self.jsonld_scripts:
            try:
                items.extend(extractor.extract_items(script))
            except Exception:  # noqa: BLE001 - broken JSON-LD is common, not fatal
                self._warn("JSON-LD could not be parsed")
        flat: list[dict[str, Any]] = []
        stack = list(items)
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [item["@graph"]])
                else:
                    flat.append(item)
        return flat

    @functools.cached_property
    def scholarly(self) -> dict[str, Any]:
        """The JSON-LD object describing the article itself, if any."""
        if not any("Article" in (s.text or "") or "Chapter" in (s.text or "") for s in self.jsonld_scripts):
            return {}  # breadcrumbs and site search boxes only: not worth parsing
        wanted = {"scholarlyarticle", "article", "medicalscholarlyarticle", "newsarticle", "report", "chapter"}
        for item in self.jsonld:
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower() in wanted for t in types):
                return item
        return {}

    def text_of(self, nodes: Any, exclude: str = "") -> str | None:
        """Visible text of lxml elements (or parsel selectors), whitespace
        folded; `exclude` is an XPath predicate of descendants to leave out
        (e.g. "self::span[@class='overlay']")."""
        if nodes is None:
            return None
        if not isinstance(nodes, (list, tuple)):
            nodes = [nodes]
        roots = [n.root if isinstance(n, Selector) else n for n in nodes]
        skip: set[Any] = set()
        if exclude:
            # The elements themselves, not their ids: lxml proxies live only while referenced.
            find = xpath(f".//*[{exclude}]")
            skip = {e for r in roots if not isinstance(r, str) for e in find(r)}
        parts: list[str] = []
        for root in roots:
            if isinstance(root, str):
                parts.append(root)
            else:
                _visible_text(root, parts, skip, tail=False)
        return join_text(["".join(parts)])

    @functools.cached_property
    def base_url(self) -> str:
        return str(self.response.url)

    def absolute(self, href: str | None) -> str | None:
        if not href:
            return None
        href = href.strip()
        if href.startswith(("javascript:", "#", "mailto:")):
            return None
        return urljoin(self.base_url, href)

    def sections_of(self, block: Any) -> list[AbstractSection]:
        """Abstract sections of an abstract block, for every platform: headed
        parts (`h2`-`h4` or `.sectionHeading` sub-headings, or a bold
        'Heading:' opening a paragraph) become sections ("Background",
        "Methods", ...); the block's own 'Abstract' title does not; keyword
        lists inside the block are left out."""
        sections: list[AbstractSection] = []
        heading: str | None = None
        for node in _ABSTRACT_PARTS(block):
            text = self.text_of(node)
            if not text:
                continue
            if node.tag != "p":
                if text.lower().rstrip(":") not in ("abstract", "summary"):
                    heading = text.rstrip(": ").strip() or None
                continue
            if "kwd-title" in class_words(node) or _IN_KEYWORDS(node):
                continue
            if text.lower().rstrip(":") in ("abstract", "summary"):
                continue  # the block's title repeated as a paragraph
            first = node[0] if len(node) and not (node.text or "").strip() else None
            lead = clean(" ".join(first.itertext())) if first is not None and first.tag in ("b", "strong") else None
            if lead and lead.endswith(":") and text.startswith(lead):
                sections.append(AbstractSection(heading=lead.rstrip(":").strip(), text=clean(text[len(lead):]) or ""))
                heading = None
                continue
            if sections and sections[-1].heading == heading and heading is not None:
                sections[-1].text = f"{sections[-1].text} {text}"
            elif sections and heading is None and sections[-1].heading is None:
                sections[-1].text = f"{sections[-1].text}\n\n{text}"
            else:
                sections.append(AbstractSection(heading=heading, text=text))
        return sections

    # --- status ---------------------------------------------------------------

    def has_article_markup(self) -> bool:
        """Platforms override: True when their article markup is present even
        without embedded metadata (a body-only copy)."""
        return False

    def has_article_metadata(self) -> bool:
        if any(name in self.meta for name in classify_mod.ARTICLE_META_NAMES):
            return True
        if "article" in (self.first_meta(("og:type",)) or "") and _FIRST_H1(self.sel.root):
            return True
        return bool(self.scholarly)

    @article_field(empty="not_article", gate=False)
    def status(self) -> str:
        return classify_mod.classify(
            self.sel,
            self.response.status or 200,
            is_article=self.has_article_markup() or self.has_article_metadata(),
        )

    @field
    def platform(self) -> str:
        return self.platform_name

    @article_field(empty="", gate=False)
    def url(self) -> str:
        canonical = next(
            (link.get("href") for link in _LINKS(self.sel.root) if (link.get("rel") or "").lower() == "canonical"),
            None,
        )
        for candidate in (canonical, self.first_meta(("og:url",))):
            if candidate and "TOKEN" not in candidate and candidate.startswith(("http", "/")):
                absolute = self.absolute(candidate)
                if absolute:
                    return absolute
        return self.base_url

    # --- bibliographic fields ---------------------------------------------------

    @article_field()
    def doi(self) -> str | None:
        for name in ("citation_doi", "prism.doi", "dc.identifier", "dc.identifier.doi", "bepress_citation_doi"):
            for value in self.meta.get(name, []):
                doi = parse_doi(value)
                if doi:
                    return doi
        for key in ("@id", "identifier", "sameAs", "url"):
            value = self.scholarly.get(key)
            if isinstance(value, dict):
                value = value.get("value") or value.get("@id")
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            doi = parse_doi(str(value)) if value else None
            if doi:
                return doi
        for candidate in (self.url, str(self.response.url)):
            if "/doi/" in candidate or "doi.org/" in candidate:
                doi = parse_doi(candidate)
                if doi:
                    return doi
        return None

    @article_field()
    def title(self) -> str | None:
        value = self.first_meta(_TITLE)
        if not value:
            value = clean(str(self.scholarly.get("headline") or self.scholarly.get("name") or "")) or None
        if not value:
            value = self.text_of(_FIRST_H1(self.sel.root))
        return _strip_markup(value)

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        authors = self._highwire_authors()
        if authors:
            return authors
        creators = self.meta.get("dc.creator") or self.meta.get("dc.contributor") or []
        if creators:
            return [_author_from_name(n) for n in creators]
        return self._jsonld_authors()

    def _highwire_authors(self) -> list[Author]:
        authors: list[Author] = []
        for name, content, _ in self.meta_pairs:
            value = clean(content)
            if not value:
                continue
            if name == "citation_author":
                authors.append(_author_from_name(value))
            elif authors and name == "citation_author_institution":
                authors[-1].affiliations.append(value)
            elif authors and name == "citation_author_orcid":
                authors[-1].orcid = parse_orcid(value)
        return authors

    def _jsonld_authors(self) -> list[Author]:
        raw = self.scholarly.get("author") or self.scholarly.get("creator") or []
        raw = raw if isinstance(raw, list) else [raw]
        authors = []
        for person in raw:
            if isinstance(person, str):
                authors.append(_author_from_name(person))
                continue
            if not isinstance(person, dict) or not person.get("name") and not person.get("familyName"):
                continue
            given, family = clean(person.get("givenName")), clean(person.get("familyName"))
            name = clean(person.get("name")) or " ".join(x for x in (given, family) if x)
            affs = person.get("affiliation") or []
            affs = affs if isinstance(affs, list) else [affs]
            aff_names = clean_list(a.get("name") if isinstance(a, dict) else str(a) for a in affs)
            orcid = parse_orcid(str(person.get("@id", "")) + " " + str(person.get("sameAs", "")))
            authors.append(Author(name=name, given=given, family=family, affiliations=aff_names, orcid=orcid))
        return authors

    @article_field()
    def journal(self) -> str | None:
        value = self.first_meta(_JOURNAL)
        if value:
            return value
        part = self.scholarly.get("isPartOf")
        while isinstance(part, dict):
            if str(part.get("@type", "")).lower() in {"periodical", "publicationvolume", "publicationissue"} and part.get("name"):
                if str(part.get("@type")).lower() == "periodical":
                    return clean(part["name"])
            part = part.get("isPartOf")
        return None

    @article_field()
    def publisher(self) -> str | None:
        value = self.first_meta(_PUBLISHER)
        if value:
            return value
        pub = self.scholarly.get("publisher")
        if isinstance(pub, dict):
            return clean(pub.get("name"))
        return clean(pub) if isinstance(pub, str) else None

    @article_field(empty=[])
    def issns(self) -> list[str]:
        found: list[str] = []
        for name in _ISSN:
            for value in self.meta.get(name, []):
                issn = parse_issn(value)
                if issn and issn not in found:
                    found.append(issn)
        if not found:
            for value in (self._ld_part("Periodical", "issn") or "").replace(",", " ").split():
                issn = parse_issn(value)
                if issn and issn not in found:
                    found.append(issn)
        return found

    def _ld_part(self, type_name: str, key: str) -> str | None:
        """A value of the article's isPartOf chain (issue -> volume -> periodical)."""
        part = self.scholarly.get("isPartOf")
        for _ in range(4):
            if not isinstance(part, dict):
                return None
            types = part.get("@type")
            types = types if isinstance(types, list) else [types]
            if type_name in types and part.get(key) is not None:
                value = part[key]
                return clean(str(value[0] if isinstance(value, list) and value else value))
            part = part.get("isPartOf")
        return None

    @article_field()
    def volume(self) -> str | None:
        return self.first_meta(_VOLUME) or self._ld_part("PublicationVolume", "volumeNumber")

    @article_field()
    def issue(self) -> str | None:
        return self.first_meta(_ISSUE) or self._ld_part("PublicationIssue", "issueNumber")

    @article_field()
    def first_page(self) -> str | None:
        return self.first_meta(_FIRST_PAGE) or clean(str(self.scholarly.get("pageStart") or "")) or None

    @article_field()
    def last_page(self) -> str | None:
        return self.first_meta(_LAST_PAGE) or clean(str(self.scholarly.get("pageEnd") or "")) or None

    @article_field()
    def published(self) -> str | None:
        for name in _PUBLISHED:
            for value in self.meta.get(name, []):
                date = parse_date(value)
                if date:
                    return date
        return parse_date(str(self.scholarly.get("datePublished") or "")) or None

    @article_field()
    def article_type(self) -> str | None:
        return self.first_meta(_ARTICLE_TYPE)

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        for name in ("citation_abstract", "dcterms.abstract"):
            value = self.first_meta((name,))
            if value:
                return [AbstractSection(heading=None, text=_strip_markup(value) or value)]
        ld = self.scholarly.get("abstract")
        if isinstance(ld, str) and clean(ld):
            return [AbstractSection(heading=None, text=_strip_markup(ld) or ld)]
        for name in ("dc.description", "description", "og:description"):
            value = self.first_meta((name,))
            # Descriptions are often cut short ("... the expression of which is recalled. It..."):
            # a truncated abstract is a wrong value, so it is not taken.
            if value and not value.rstrip().endswith(("...", "…")):
                return [AbstractSection(heading=None, text=_strip_markup(value) or value)]
        return []

    @article_field()
    def abstract(self) -> str | None:
        return render_abstract(self.abstract_sections)

    @article_field(empty=[])
    def keywords(self) -> list[str]:
        for name in _KEYWORDS:
            values = self.meta.get(name)
            if not values:
                continue
            words: list[str] = []
            for value in values:
                sep = ";" if ";" in value else ","
                words.extend(w for w in clean_list(value.split(sep)) if w not in words)
            return words
        return []

    # --- what the paywall shows ---------------------------------------------------

    @article_field(empty="unknown")
    def access(self) -> str:
        if self.offers:
            return "paywalled"
        free = self.scholarly.get("isAccessibleForFree")
        if free is True or str(free).lower() == "true":
            return "open"
        if free is False or str(free).lower() == "false":
            return "paywalled"
        return "unknown"

    @article_field(empty=[])
    def offers(self) -> list[Offer]:
        return []

    @article_field(empty=Metrics())
    def metrics(self) -> Metrics:
        return Metrics()

    @article_field(empty=[])
    def related(self) -> list[RelatedLink]:
        return []

    @article_field(empty={})
    def related_counts(self) -> dict[str, int]:
        return {}

    @article_field(empty=[])
    def related_pending(self) -> list[str]:
        return []

    def related_endpoints(self) -> dict[str, str]:
        """{list name: absolute URL} of related lists (or metrics widgets) the
        page says are loaded from another URL.  Not part of the record: the
        spider may fetch them, when robots.txt allows, and read them with
        `related_from_endpoint`."""
        return {}

    @classmethod
    def related_from_endpoint(cls, list_name: str, url: str, body: bytes) -> list[RelatedLink]:
        """The links of a related list fetched from `related_endpoints()`."""
        return []

    @field
    def warnings(self) -> list[str]:
        # Every other field first: their problems are what this reports.
        for name in get_fields_dict(self):
            if name != "warnings":
                getattr(self, name)
        return list(self._warnings())


_BLOCK_TAGS = frozenset(
    "p div li ul ol br h1 h2 h3 h4 h5 h6 tr td th table section article header footer dd dt".split()
)
_HIDDEN_TAGS = frozenset(("script", "style", "noscript", "template"))


def _visible_text(el: Any, out: list[str], skip: set[Any], tail: bool = True) -> None:
    """Text as a reader sees it: inline markup (<sub>, <i>) joins words
    ("CO<sub>2</sub>" is "CO2"), block elements separate them."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if el not in skip and tag not in _HIDDEN_TAGS:
        block = tag in _BLOCK_TAGS
        if block:
            out.append(" ")
        if el.text and tag:
            out.append(el.text)
        for child in el:
            _visible_text(child, out, skip)
        if block:
            out.append(" ")
    if tail and el.tail:
        out.append(el.tail)


def _parse_html(body: bytes, encoding: str | None) -> Any:
    encoding = (encoding or "utf-8").lower()
    parser = _HTML_PARSERS.get(encoding)
    try:
        if parser is None:
            parser = _HTML_PARSERS[encoding] = etree.HTMLParser(
                # No id hash: nothing here calls XPath id(), and building it costs ~5% of the parse.
                encoding=encoding, recover=True, huge_tree=True, collect_ids=False
            )
        return etree.fromstring(body, parser=parser) if body.strip() else None
    except (LookupError, ValueError, etree.LxmlError):
        return None  # the caller falls back to the decoded text


def render_abstract(sections: list[AbstractSection]) -> str | None:
    parts = [f"{s.heading}\n{s.text}" if s.heading else s.text for s in sections if s.text]
    return "\n\n".join(parts) or None


def _author_from_name(raw: str) -> Author:
    """'Malrieu, Jean-Paul' -> Author('Jean-Paul Malrieu', given, family)."""
    given, family = split_name(raw)
    name = f"{given} {family}" if given and family else clean(raw) or raw
    return Author(name=name, given=given, family=family)


def _strip_markup(value: str | None) -> str | None:
    """Meta contents and JSON-LD sometimes carry HTML (`<p>`, `<i>`): a small
    fragment, so BeautifulSoup reads it."""
    if not value or "<" not in value:
        return value
    from bs4 import BeautifulSoup

    return clean(BeautifulSoup(value, "html.parser").get_text(" "))


def record_from_dict(data: dict[str, Any]) -> ArticleRecord:
    return ArticleRecord.from_dict(data)


def jsonable(record: ArticleRecord) -> str:
    return json.dumps(attrs.asdict(record), ensure_ascii=False, indent=2)
