"""The generic article page: everything a landing page says in embedded
metadata (Highwire `citation_*`, Dublin Core `dc.*`, PRISM, Open Graph,
schema.org JSON-LD), and the plumbing every platform's page object shares.

A platform page object subclasses `ArticlePage` and overrides the fields its
markup shows better than the metadata does (prices, metrics, related lists).
Every field is a pure function of the response; no field ever raises: a field
that fails is empty and says why in `warnings`.
"""

from __future__ import annotations

import codecs
import copy
import functools
import inspect
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urljoin, urlsplit
from typing import Any, TypeVar

import attrs
from lxml import etree
from lxml import html as lxml_html
from extruct.jsonld import JsonLdExtractor
from parsel import Selector
from web_poet import WebPage, field
from web_poet.fields import get_fields_dict
from w3lib.encoding import html_body_declared_encoding

from spiders.items import (
    AbstractSection,
    ArticleRecord,
    Author,
    Metrics,
    Offer,
    RelatedLink,
)
try:  # the walks over every element, compiled when the package was built (setup.py)
    from spiders.pages._walk import elements_by_tag, index_subtrees, meta_pairs as compiled_meta_pairs, visible_text
except ImportError:  # built without a C compiler: the same walks, in Python
    elements_by_tag = index_subtrees = compiled_meta_pairs = visible_text = None
from spiders.pages import classify as classify_mod
from spiders.pages.text import (
    clean,
    clean_list,
    join_text,
    parse_count,
    parse_date,
    parse_doi,
    parse_issn,
    parse_orcid,
    split_name,
    split_pages,
    strip_list_joint,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

_MISSING = object()


class cached_property(functools.cached_property):  # noqa: N801 - a drop-in for functools'
    """`functools.cached_property` without the lock Python 3.11 takes on each
    first read: one RLock per property, shared by every instance (3.12
    dropped it for that reason).  A page object is read by one thread, and
    its readings are pure, so a race could only compute a value twice.  A
    first read costs half as much without it (0.26 against 0.53 us), and an
    extraction makes 15-25 of them."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        cache = instance.__dict__
        value = cache.get(self.attrname, _MISSING)
        if value is _MISSING:
            value = cache[self.attrname] = self.func(instance)
        return value


# Lower-cased meta names per field, best first.
_TITLE = ("citation_title", "dc.title", "prism.title", "og:title", "twitter:title")
_JOURNAL = ("citation_journal_title", "prism.publicationname", "citation_conference_title")
_PUBLISHER = ("citation_publisher", "dc.publisher", "prism.publisher")
_ISSN = ("citation_issn", "citation_eissn", "prism.issn", "prism.eissn", "dc.source.issn", "dc.source.issn_online")
_VOLUME = ("citation_volume", "prism.volume", "dc.source.volume")
_ISSUE = ("citation_issue", "prism.number", "prism.issueidentifier", "dc.source.issue")
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
# OJS writes the section in DC.Type.articleType and the DCMI type ("Text.Serial.Journal") in DC.Type.
_ARTICLE_TYPE = ("citation_article_type", "dc.type.articletype", "dc.type", "prism.section")
_DCMI_TYPES = frozenset(
    "text image dataset collection event interactiveresource movingimage physicalobject service"
    " software sound stillimage".split()
    # HAL's DC.type "journal": what the article appeared in, not a kind of article.
    + ["journal"]
)
# One word with a capital inside it after a small letter: two names run together.
_RUN_TOGETHER = re.compile(r"\S*[a-z][A-Z]\S*")
_HIGHWIRE_AUTHOR = frozenset(("citation_author", "citation_author_institution", "citation_author_orcid"))
# citation_keyword (singular) is written by Silverchair sites (JAMA Network) and some OJS themes.
_KEYWORDS = ("citation_keywords", "citation_keyword", "dc.subject", "keywords")


# Elements read by tag (`_tagged`); predicates are filtered in Python.
_TAGGED = ("meta", "script", "link", "h1", "footer", "base")
_ALL_IDS = etree.XPath("/descendant::*/@id", regexp=False)
_BY_ID = etree.XPath("id($id)", regexp=False)
_HAS_SPACE = re.compile(r"\s")
# Literatum's page type in pbContext: "Article/Chapter View" on article pages.
_PB_PAGE_TYPE = re.compile(r"(?:^|;)\s*page:string:([^;]+)")
_PB_ARTICLE_PAGE = re.compile(r"article|chapter", re.IGNORECASE)
_HTML_PARSERS: dict[tuple[str, bool], etree.HTMLParser] = {}
_ABSTRACT_BLOCK_TAGS = frozenset(("div", "section", "article", "blockquote", "td"))
_NOT_THE_ABSTRACT = frozenset((
    "highlights", "graphical abstract", "author summary", "lay summary", "plain language summary",
    "significance", "significance statement", "key points", "digest", "editor's summary", "teaser",
))
# Links `absolute` resolves without urljoin: printable ASCII, no query,
# fragment, params, brackets (IPv6 hosts) or whitespace.
_PLAIN_URL = re.compile(r"https?://[^\x00-\x20/?#;\[\]\x7f-\U0010ffff]+(?:/[^\x00-\x20?#;\x7f-\U0010ffff]*)?\Z")
# A link that names its scheme ("https:") or its host ("//cdn.example.org/x").
_ABSOLUTE_HREF = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")
_PLAIN_PATH = re.compile(r"/(?!/)[^\x00-\x20?#;\x7f-\U0010ffff]*\Z")
_HAS_BLOCK_MARKUP = re.compile(r"<(p|h[1-6]|div|section|br|b|strong)\b", re.IGNORECASE)
_CC_BY = re.compile(r"creativecommons\.org/licenses/by|Creative Commons Attribution", re.IGNORECASE)
# What an abstract block's own heading says, in the languages of the
# abstracts publishers show: a title, not a section ("Background").
ABSTRACT_TITLES = frozenset((
    "abstract", "summary", "résumé", "resumen", "resumo", "riassunto", "zusammenfassung", "samenvatting",
    "sammanfattning", "streszczenie", "аннотация", "摘要",
))
_HEADING_TAG = re.compile(r"h[1-6]\Z")
_PAGE_DASH = re.compile(r"[-–—]")
_LONG_WORD = re.compile(r"[^\W\d_]{5,}")
_ABSTRACT_LABEL = re.compile(r"^\s*(abstract|summary)\s*[.:]\s+", re.IGNORECASE)
# "ISSN 1234-5678", "eISSN: ...", and a second ISSN the same label covers:
# "ISSN 1539-0756 (online), 0034-6861 (print)".  The label is matched from
# its literal, upper-case "ISSN", which re finds fast (a footer's text can be
# 13 kB: 0.3 ms with a case-blind scan); what stands before it is checked
# apart (`_issn_label_starts`).
_ISSN_SHAPE = re.compile(r"\d{4}\s*-\s*\d{3}[\dXx]")
_LABELLED_ISSNS = re.compile(
    r"ISSN\b:?\s*(\d{4}\s*-\s*\d{3}[\dXx](?:\s*\((?i:online|print|electronic|web)\))?"
    r"(?:\s*(?:,|;|and|/)\s*\d{4}\s*-\s*\d{3}[\dXx](?=\s*\((?i:online|print|electronic|web)\)))?)"
)


def _issn_label_starts(text: str, at: int) -> bool:
    """Whether "ISSN" at `at` begins a label: after a non-word character,
    or after an "e" / "E" that does ("eISSN")."""
    before = text[at - 1:at]
    if before in ("e", "E"):
        at -= 1
        before = text[at - 1:at]
    return not before or not (before.isalnum() or before == "_")


_ABSTRACT_PARTS = etree.XPath(
    "descendant::*[self::h2 or self::h3 or self::h4 or self::p"
    " or self::div[contains(concat(' ', normalize-space(@class), ' '), ' sectionHeading ')]"
    # Atypon's "core" template: <div role="paragraph"> instead of <p>.
    " or self::div[@role='paragraph'][not(.//p)]]",
    regexp=False,
)


def _keyword_box(element: Any) -> bool:
    """A keyword list's container: class `abstractKeywords` (Atypon), or any
    class containing "keyword"."""
    value = element.get("class")
    # "eyword": both spellings in one test, before in_class splits the value.
    return value is not None and "eyword" in value and ("keyword" in value or in_class(element, "abstractKeywords"))


def _under_keyword_box(node: Any, stop: Any) -> bool:
    """A keyword box among the ancestors of `node` below `stop`."""
    for ancestor in node.iterancestors():
        if ancestor is stop:
            return False
        if _keyword_box(ancestor):
            return True
    return False


# Class attribute value -> the markers it holds, per marker set.  A site's
# templates repeat the same class strings on every page; bounded by
# starting over when full.
_CLASS_HITS: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {}
_CLASS_HITS_LIMIT = 50_000


# The class index's entry for blocks whose class says abstract ("abstract",
# "article-abstract", "item abstract"): the HTML abstract's candidates, found
# in the same walk.  The space keeps it apart from any class word.
ABSTRACT_CLASSES = " abstract"


def _says_abstract(value: str) -> bool:
    """A class attribute that names an abstract block: "abstract",
    "article-abstract", "article_abstract", "hlFld-Abstract"; not a view's
    widget instance ("widget-instance-ArticleMainView_Abstract",
    Silverchair's boxes of the abstract page: header, citation, links)."""
    if "bstract" not in value:
        return False
    return any(
        w.lower() == "abstract"
        or w.lower().endswith(("-abstract", "_abstract")) and not _VIEW_INSTANCE.search(w)
        for w in value.split()
    )


def _abstract_marker(value: str) -> tuple[str, ...]:
    """The class index's entry for a class attribute that names an abstract block, or none."""
    return (ABSTRACT_CLASSES,) if _says_abstract(value) else ()


# "ArticleMainView_Abstract": a capitalized CamelCase name before "_Abstract"
# (Atypon's field name "hlFld_Abstract" is no view's).
_VIEW_INSTANCE = re.compile(r"(?:^|[_-])[A-Z][a-z]+[A-Z][A-Za-z]*_Abstract$")


def _class_hits(key: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    hits = _CLASS_HITS.get(key)
    if hits is None or len(hits) > _CLASS_HITS_LIMIT:
        hits = _CLASS_HITS[key] = {}
    return hits


def index_classes(
    index: dict[str, list[Any]], roots: Iterable[Any], key: tuple[str, ...], read: Callable[[str], tuple[str, ...]],
    attribute: str = "class",
) -> dict[str, list[Any]]:
    """`index` (marker -> its elements, in page order) filled from the class
    attributes (or another `attribute`'s) of every element under `roots`
    (each root included, in order; `document_tops` for the whole page).
    Splitting every class attribute cost about as much as the walk (3,600
    attributes on an ACM page), and a site's templates repeat the same class
    strings on every page: `read` (the markers a value holds) runs once per
    distinct value, and its answers are kept across pages under `key` (the
    page class's markers, and how it matches them).

    The walk is compiled (`spiders/pages/_walk.pyx`) where the package was
    built with it, and the same walk in Python otherwise."""
    hits_of = _class_hits((attribute, *key))
    name = attribute.encode()  # bytes: a str key is encoded again on every `get` (15 % of it)
    if index_subtrees is not None:
        return index_subtrees(roots, index, hits_of, read, name)
    return _index_in_python(index, (e for root in roots for e in root.iter(etree.Element)), hits_of, read, name)


def _index_in_python(
    index: dict[str, list[Any]], elements: Iterable[Any], hits_of: dict[str, tuple[str, ...]],
    read: Callable[[str], tuple[str, ...]], attribute: bytes = b"class",
) -> dict[str, list[Any]]:
    """Why `element.get("class")` on every element: an XPath `//@class`
    returns "smart" strings, each of which builds a proxy of its element;
    proxies of every element plus `get` cost 15-40 % less (MIT Press: 266
    against 335 µs; eLife: 405 against 465 µs), and plain-string XPath loses
    the elements."""
    for element in elements:
        value = element.get(attribute)
        if value is None:
            continue
        hits = hits_of.get(value)
        if hits is None:
            hits = hits_of[value] = read(value)
        if hits:
            for name in hits:
                found = index.get(name)
                if found is None:
                    index[name] = [element]
                else:
                    found.append(element)
    return index


def document_tops(root: Any) -> list[Any]:
    """The document's top-level nodes, `root` among them: broken pages can
    have a second <html> after the root element."""
    first = root
    while first.getprevious() is not None:
        first = first.getprevious()
    return [first, *first.itersiblings()]


def document_elements(root: Any, *tags: str) -> Iterable[Any]:
    """Every element of the document (of these tags) in page order: what
    `//*` (`//tag`) selects, without XPath's cost per node for a predicate."""
    tags = tags or (etree.Element,)
    if root.getprevious() is None and root.getnext() is None:
        return root.iter(*tags)
    return itertools.chain.from_iterable(top.iter(*tags) for top in document_tops(root))


@functools.lru_cache(maxsize=512)
def xpath(expression: str, *, plain: bool = False) -> etree.XPath:
    """A compiled XPath, reused across pages: `xpath(".//li")(element)`.
    `plain`: attribute values and texts come back as plain `str` instead of
    lxml's "smart" strings, each of which builds a proxy of its element.
    No query here uses EXSLT's `re:` functions, which lxml otherwise
    registers on every call: a third of a small query's cost."""
    return etree.XPath(descendant_steps(expression), smart_strings=not plain, regexp=False)


_POSITIONAL = re.compile(r"\[\s*(?:\d|last\(|position\()")
_ABBREVIATED_DESCENDANT = re.compile(r"//(?!@)")


def descendant_steps(expression: str) -> str:
    """The same query with `//x` written `/descendant::x`.  `//` stands for
    `/descendant-or-self::node()/`, and libxml2 then visits every node, text
    nodes included, to ask for its children: `/descendant::` selects the same
    elements (only elements have element children) in about half the time.
    An expression with a positional predicate (`[1]`, `last()`, `position()`)
    is left as written: there `x[1]` counts among siblings, `descendant::x[1]`
    in the whole subtree.  String literals are left alone."""
    if _POSITIONAL.search(expression):
        return expression
    parts = re.split(r"('[^']*'|\"[^\"]*\")", expression)
    return "".join(p if p[:1] in ("'", '"') else _ABBREVIATED_DESCENDANT.sub("/descendant::", p) for p in parts)


# The text nodes under an element, as plain strings: what `itertext()` yields.
_TEXT_NODES = xpath(".//text()", plain=True)
# ORCID links' targets under an element (an author's card or line).
ORCID_HREFS = xpath(".//a[contains(@href, 'orcid.org')]/@href", plain=True)


def has_class(name: str) -> str:
    """XPath predicate: the class attribute holds this word."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def class_words(element: Any) -> list[str]:
    return (element.get("class") or "").split()


_TO_SPACE = str.maketrans("\t\r\n", "   ")


def in_class(element: Any, name: str) -> bool:
    """The test `has_class(name)` makes in XPath, in Python: XPath folds only
    space, tab, CR and LF (`class_words` splits on any whitespace)."""
    value = element.get("class")
    # The substring test settles most elements without splitting.
    return value is not None and name in value and name in value.translate(_TO_SPACE).split(" ")


def read_once(page: Any, key: str, read: Callable[[Any], T]) -> T:
    """`read(page)`, kept on the page under `key`: for readings that several
    page objects' `matches_markup` ask of the same (generic) page."""
    state = page.__dict__
    if key not in state:
        state[key] = read(page)
    return state[key]


@functools.cache
def marker_set(cls: type) -> frozenset[str]:
    """The class markers of a page class, for membership tests."""
    return frozenset(cls.class_markers)


@functools.cache
def _input_names(cls: type) -> frozenset[str]:
    return frozenset(a.name for a in attrs.fields(cls))


@functools.cache
def field_reader(cls: type, name: str) -> Callable[[Any], Any] | None:
    """The function behind field `name` of page class `cls`: what web-poet's
    descriptor calls, without its output processors and input validation,
    which no page object here defines (tests/test_page_fields.py checks).
    None when the field has processors: read it through the descriptor."""
    info = get_fields_dict(cls).get(name)
    if info is None or info.out is not None or _has_processors(cls):
        return None
    return getattr(inspect.getattr_static(cls, name, None), "original_method", None)


def article_field(empty: Any = None, *, gate: bool = True) -> Callable[[Callable[..., T]], Any]:
    """A record field that is empty unless the page is an article, and that
    turns an unexpected error into a warning instead of losing the record."""

    def decorate(method: Callable[..., T]) -> Any:
        # Cached per definition, not per name: a subclass's field calls the
        # base class's field of the same name through super().
        key = object()
        name = method.__name__

        @functools.wraps(method)
        def wrapper(self: ArticlePage) -> Any:
            state = self.__dict__
            cache = state.get("_field_cache")
            if cache is None:
                cache = state["_field_cache"] = {}
            elif key in cache:
                return cache[key]
            # The status, once known, is read from the instance: every field asks.
            if gate and (state.get("_status") or self.status) != "article":
                value = copy.deepcopy(empty)
            else:
                try:
                    value = method(self)
                except Exception as exc:  # noqa: BLE001 - one field must not cost the record
                    logger.debug("field %s failed on %s", method.__name__, self.response.url, exc_info=True)
                    self._warn(f"{method.__name__}: could not be read ({type(exc).__name__}: {exc})")
                    value = copy.deepcopy(empty)
            cache[key] = value
            if field_reader(type(self), name) is wrapper:
                # The page's own definition: later reads of `page.<name>` find
                # the value here before web-poet's descriptor, whose processor
                # and validation hooks (unused here) cost more than the read.
                state[name] = value
            return value

        descriptor = field(wrapper)
        descriptor.__class__ = _direct_field(type(descriptor))
        return descriptor

    return decorate


@functools.cache
def _has_processors(cls: type) -> bool:
    return hasattr(cls, "Processors")


def _direct_field(descriptor_class: type) -> type:
    """web-poet's field descriptor, reading the field's function directly
    when the page class has no processors: `super().volume` in a subclass's
    field, or one field reading another before `to_record` has, goes through
    the descriptor a dozen times a page, and its per-read processor and
    validation hooks (unused here) cost more than the read."""

    class DirectField(descriptor_class):  # type: ignore[misc,valid-type]
        def __get__(self, instance: Any, owner: type | None = None) -> Any:
            if instance is None or _has_processors(owner or type(instance)):
                return super().__get__(instance, owner)
            return self.original_method(instance)

    return DirectField


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
    # Ids the page object looks up by name (`by_id`).  When the body spells
    # one, the parser keeps libxml2's id table, which costs ~5% of the parse,
    # where indexing every id attribute afterwards costs ~10%; most pages of
    # a platform spell none, and `by_id` then answers from the body's bytes.
    id_lookups: tuple[str, ...] = ()
    # Class markers of the boxes where the page prints its own DOI link (`_shown_doi`).
    doi_boxes: tuple[str, ...] = ()

    # --- shared plumbing ----------------------------------------------------

    @cached_property
    def sel(self) -> Selector:
        """The parsed page.  Bytes go to lxml with the encoding the response
        declares (BOM, HTTP header, meta charset, else sniffed), instead of
        being decoded to text and encoded again (nor copied: the body is bytes)."""
        body = self.response.body
        collect_ids = spells_ids(type(self), body)
        encoding = self._encoding()
        root = _parse_html(body.replace(b"\x00", b"") if b"\x00" in body else body, encoding, collect_ids)
        if root is None:
            return self.response.selector
        self.__dict__["_ids_collected"] = collect_ids
        self.__dict__["_ids_spelled"] = collect_ids
        self.__dict__["_ascii_body"] = _ascii_compatible(encoding or "utf-8")
        return Selector(root=root, type="html")

    def _encoding(self) -> str | None:
        """The declared encoding (given, BOM, HTTP header, early meta charset).
        Undeclared: valid UTF-8 bytes are UTF-8 — what sniffing concludes too,
        without decoding the whole body twice; anything else is sniffed (w3lib)."""
        response = self.response
        declared = (
            response._encoding
            or response.body.bom_encoding()
            or response.headers.declared_encoding()
            or meta_declared_encoding(response.body)
        )
        if declared:
            return declared
        return "utf-8" if is_utf8(response.body) else response.encoding

    @cached_property
    def _class_index(self) -> dict[str, list[Any]]:
        """Class marker -> its elements, for the markers the page has."""
        markers = marker_set(type(self))

        def read(value: str) -> tuple[str, ...]:
            return tuple(t for t in value.split() if t in markers) + _abstract_marker(value)

        # One walk; predicates on `//*` cost several times more in libxml2,
        # and so would one query per class name.
        return index_classes({ABSTRACT_CLASSES: []}, document_tops(self.sel.root), self.class_markers, read)

    def by_class(self, name: str) -> list[Any]:
        """lxml elements whose class attribute holds the word `name`, in page order."""
        found = self._class_index.get(name)
        if found is not None:
            return list(found)
        if name not in marker_set(type(self)):
            raise KeyError(f"{name!r} is not in {type(self).__name__}.class_markers")
        return []

    def by_class_in(self, containers: list[Any], name: str, *, children: bool = False) -> dict[Any, list[Any]]:
        """Elements of class `name` (a class marker) grouped by the nearest of
        `containers` that holds them (`children`: as a direct child), in page
        order; containers holding none are absent.  What a `.//*[class]` XPath
        per container finds, from the class index: each such query walks its
        container again, with a class test per element that costs more than
        the walk."""
        if not containers:
            return {}
        holders = set(containers)  # one lxml proxy per node while referenced: identity holds
        found: dict[Any, list[Any]] = {}
        for element in self.by_class(name):
            ancestors = (element.getparent(),) if children else element.iterancestors()
            for ancestor in ancestors:
                if ancestor in holders:
                    found.setdefault(ancestor, []).append(element)
                    break
        return found

    @cached_property
    def _id_index(self) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for attr in _ALL_IDS(self.sel.root):
            index.setdefault(str(attr), attr.getparent())
        return index

    def by_id(self, element_id: str) -> Any:
        """The element with this id (the first one), or None: from the
        parser's id table when it kept one (`id_lookups`), else from an
        index of all ids built in one walk on the first call.  One of
        `id_lookups` is absent without either when the body's bytes spell
        none of them and its encoding writes ASCII as ASCII."""
        root = self.sel.root
        state = self.__dict__
        if state.get("_ids_spelled") is False and state.get("_ascii_body") and element_id in type(self).id_lookups:
            return None  # the body spells none of them (`sel`, `pages.page_for`)
        # XPath id() splits its argument at whitespace: such ids go to the walk.
        if self.__dict__.get("_ids_collected") and element_id and not _HAS_SPACE.search(element_id):
            found = _BY_ID(root, id=element_id)
            return found[0] if found else None
        return self._id_index.get(element_id)

    def _warnings(self) -> list[str]:
        return self.__dict__.get("_warning_list", [])

    def _warn(self, message: str) -> None:
        warnings = self.__dict__.setdefault("_warning_list", [])
        if message not in warnings:
            warnings.append(message)

    def exact_count(self, what: str, raw: str | None) -> int | None:
        """A metric as the page prints it: an exact number, else None, with a
        warning when a number was shown that is not exact ("17k", "1.2M")."""
        value = parse_count(raw)
        if value is None and raw:
            self._warn(f"metrics: {what} {raw!r} is not an exact number")
        return value

    def badge_altmetric(self) -> int | None:
        """The score of the first Altmetric badge (`.altmetric-embed`) that shows one."""
        for embed in self.by_class("altmetric-embed"):
            score = altmetric_score(embed)
            if score is not None:
                return score
        return None

    def _validate_input(self) -> None:
        """web-poet asks this before every field read, through a method it
        caches per page (an lru_cache holding the page: a reference cycle,
        so a read page would wait for the garbage collector with its tree).
        It runs `validate_input`, which no page object here defines
        (tests/test_page_fields.py checks)."""
        return None

    def release(self) -> None:
        """Drop what the page holds (its parsed tree, indexes, caches) now,
        while the page object itself may live on (a spider callback's local,
        a traceback): the tree is 1-3 MB for a large page.  Reading a field
        afterwards parses again."""
        inputs = _input_names(type(self))  # the response: what the page was made from
        for name in [n for n in self.__dict__ if n not in inputs]:
            del self.__dict__[name]

    @cached_property
    def _tagged(self) -> dict[str, list[Any]]:
        """<meta>, <script>, <link>, <h1>, <footer> and <base> elements in page order, from one
        walk: each `//meta`-style XPath walks the whole tree again, which on
        a 6,000-element page costs more than reading all six lists."""
        if elements_by_tag is not None:
            return elements_by_tag(document_tops(self.sel.root), _TAGGED)
        found: dict[str, list[Any]] = {tag: [] for tag in _TAGGED}
        for element in document_elements(self.sel.root, *_TAGGED):
            found[element.tag].append(element)
        return found

    def by_tag(self, tag: str) -> list[Any]:
        """The page's <meta>, <script>, <link>, <h1>, <footer> or <base> elements, in page order."""
        return list(self._tagged[tag])

    @cached_property
    def meta_pairs(self) -> list[tuple[str, str, str]]:
        """(lower-cased name or property, content, scheme) in page order."""
        if compiled_meta_pairs is not None:
            return compiled_meta_pairs(self._tagged["meta"])
        pairs = []
        for m in self._tagged["meta"]:
            # m.get(): m.attrib would build a proxy object per tag.
            name = m.get("name") or m.get("property") or m.get("itemprop")
            # Reference lists (hundreds of citation_reference tags on IOP, PLOS,
            # Springer pages) describe other works: nothing here reads them,
            # and their content is not even asked for.
            if not name or name.startswith("citation_reference"):
                continue
            content = m.get("content")
            if content is not None:
                pairs.append((name.strip().lower(), content, m.get("scheme", "")))
        return pairs

    @cached_property
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

    @cached_property
    def jsonld_scripts(self) -> list[Any]:
        """Non-empty JSON-LD <script> elements (sanitized copies keep empty ones)."""
        return [
            s
            for s in self._tagged["script"]
            if s.get("type", "").strip().lower() == "application/ld+json" and (s.text or "").strip()
        ]

    @cached_property
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

    @cached_property
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
            if not exclude and isinstance(nodes, etree._Element):
                return _element_text(nodes)
            nodes = [nodes]
        roots = [n.root if isinstance(n, Selector) else n for n in nodes]
        tags = _excluded_tags(exclude) if exclude else ()
        if visible_text is not None and (not exclude or tags and len(roots) == 1):
            # Compiled; it leaves the excluded tags out itself (below the root, as `.//*` does).
            skipped = _encoded_tags(tags)
            parts = [r if isinstance(r, str) else visible_text(r, _HIDDEN, _BLOCK, skipped) or "" for r in roots]
            return join_text(["".join(parts)])
        skip: set[Any] = set()
        if tags:  # "self::sup or self::a": lxml's tag filter, without an XPath run
            # The elements themselves, not their ids: lxml proxies live only while referenced.
            skip = {e for r in roots if not isinstance(r, str) for e in r.iterdescendants(tags)}
        elif exclude:
            find = xpath(f".//*[{exclude}]")
            skip = {e for r in roots if not isinstance(r, str) for e in find(r)}
        parts = []
        for root in roots:
            if isinstance(root, str):
                parts.append(root)
            else:
                _visible_text(root, parts, skip, tail=False)
        return join_text(["".join(parts)])

    @cached_property
    def base_url(self) -> str:
        """Where relative links point from: the page's address, or the first
        `<base href>` resolved against it (HTML's document base URL).  A
        page that states no address of its own at a DOI resolver's keeps the
        resolver's: `absolute` then leaves its relative links unresolved."""
        address = self.page_address
        declared = next((b.get("href").strip() for b in self._tagged["base"] if b.get("href") is not None), "")
        # A relative <base href> under an unknown address stays unknown.
        if declared and (_ABSOLUTE_HREF.match(declared) or not _is_doi_resolver(address)):
            try:
                joined = urljoin(address, declared)
            except ValueError:
                return address
            if joined.startswith(("http://", "https://")):
                return joined
        return address

    @cached_property
    def _canonical_href(self) -> str | None:
        """The href of the page's `<link rel="canonical">`, as written."""
        return next(
            (link.get("href") for link in self._tagged["link"] if (link.get("rel") or "").lower() == "canonical"),
            None,
        )

    @cached_property
    def page_address(self) -> str:
        """The page's own address: the fetched URL, or the address the page
        states (canonical link, og:url, Highwire's abstract or full-text
        address) when the fetch went through a DOI resolver
        ("https://dx.doi.org/10.1162/...") and no redirect was recorded."""
        url = str(self.response.url)
        if _is_doi_resolver(url):
            own = ("og:url", "citation_abstract_html_url", "citation_fulltext_html_url")
            for candidate in (self._canonical_href, *(self.first_meta((name,)) for name in own)):
                candidate = (candidate or "").strip()
                if candidate.startswith("http") and "TOKEN" not in candidate and "doi.org/" not in candidate:
                    return candidate
        return url

    def absolute(self, href: str | None) -> str | None:
        if not names_a_page(href):
            return None
        href = href.strip()
        if self._base_unknown and not _ABSOLUTE_HREF.match(href):
            # "/doi/abs/10.1021/x" under "https://doi.org/10.1021/y" is no
            # address of the publisher's: a link without its site is not made up.
            return None
        # urljoin costs ~5 µs and a page resolves dozens of links.  Two
        # common shapes have a known result: an http(s) URL with no query,
        # fragment, params or odd characters is returned as it is, and such
        # a root-relative path without dot segments goes under the base's
        # scheme and host.  Anything else goes through urljoin.
        origin = self._base_origin
        if origin is not None:
            if _PLAIN_URL.match(href):
                return href
            if origin[1] and origin[0] in ("http", "https") and _PLAIN_PATH.match(href) and "/." not in href:
                return f"{origin[0]}://{origin[1]}{href}"
        return urljoin(self.base_url, href)

    @cached_property
    def _base_unknown(self) -> bool:
        """The page was read at a DOI resolver's address and states no address
        of its own: where its relative links point is not known."""
        return _is_doi_resolver(self.base_url)

    @cached_property
    def _base_origin(self) -> tuple[str, str] | None:
        """(scheme, host) of `base_url`; None when urljoin would reject it."""
        try:
            parts = urlsplit(self.base_url)
        except ValueError:
            return None
        return parts.scheme, parts.netloc

    def sections_of(self, block: Any) -> list[AbstractSection]:
        """Abstract sections of an abstract block, for every platform: headed
        parts (`h2`-`h4` or `.sectionHeading` sub-headings, or a bold
        'Heading:' opening a paragraph) become sections ("Background",
        "Methods", ...); the block's own 'Abstract' title does not; keyword
        lists inside the block are left out."""
        sections: list[AbstractSection] = []
        heading: str | None = None
        # Keyword lists: a paragraph under a keyword box is not abstract text.
        # The block's own ancestors are read once, not again for each paragraph.
        in_keywords = _keyword_box(block) or any(_keyword_box(a) for a in block.iterancestors())
        for node in _ABSTRACT_PARTS(block):
            text = self.text_of(node)
            if not text:
                continue
            if node.tag != "p" and node.get("role") != "paragraph":
                if text.lower().rstrip(":") not in ABSTRACT_TITLES:
                    heading = text.rstrip(": ").strip() or None
                continue
            if "kwd-title" in class_words(node) or in_keywords or _under_keyword_box(node, block):
                continue
            if text.lower().rstrip(":") in ABSTRACT_TITLES:
                continue  # the block's title repeated as a paragraph
            first = node[0] if len(node) and not (node.text or "").strip() else None
            lead = clean(" ".join(first.itertext())) if first is not None and first.tag in ("b", "strong") else None
            # "<b>Methods:</b> ...", and "<strong>Objective.</strong> ..." when the bold
            # word is a usual structured-abstract heading.
            if lead and text.startswith(lead) and (lead.endswith(":") or is_abstract_heading(lead)):
                sections.append(AbstractSection(heading=lead.rstrip(":.").strip(), text=clean(text[len(lead):]) or ""))
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
        if "article" in (self.first_meta(("og:type",)) or "") and self._tagged["h1"]:
            return True
        return bool(self.scholarly)

    def names_another_page_type(self) -> bool:
        """The site's own page-type marker says this is no article page:
        Literatum's pbContext ("page:string:Table of Contents" on an issue's
        contents, which carries og:type "article" and an <h1> all the same)."""
        for context in self.meta.get("pbcontext", []):
            found = _PB_PAGE_TYPE.search(context)
            if found and not _PB_ARTICLE_PAGE.search(found.group(1)):
                return True
        return False

    @article_field(empty="not_article", gate=False)
    def status(self) -> str:
        status = classify_mod.classify(
            self.sel,
            self.response.status or 200,
            is_article=not self.names_another_page_type()
            and (self.has_article_markup() or self.has_article_metadata()),
        )
        self.__dict__["_status"] = status
        return status

    @field
    def platform(self) -> str:
        return self.platform_name

    @article_field(empty="", gate=False)
    def url(self) -> str:
        for candidate in (self._canonical_href, self.first_meta(("og:url",))):
            if candidate and "TOKEN" not in candidate and candidate.startswith(("http", "/")):
                absolute = self.absolute(candidate)
                if absolute:
                    return absolute
        return self.page_address

    # --- bibliographic fields ---------------------------------------------------

    @article_field()
    def doi(self) -> str | None:
        # What the page prints comes before its address: an address may spell
        # the DOI in another case (Emerald's lower-case "/doi/10.1108/qea-...").
        return self._embedded_doi() or self._shown_doi() or self._address_doi()

    def _shown_doi(self) -> str | None:
        """The DOI link the page prints, in the first box of each of
        `doi_boxes` ("DOI: <a href="https://doi.org/...">"), for a page whose
        embedded metadata names no DOI (a body-only copy)."""
        return doi_link_in(box for name in self.doi_boxes for box in self.by_class(name)[:1])

    def _embedded_doi(self) -> str | None:
        """The DOI the embedded metadata (meta tags, JSON-LD) names."""
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
        return None

    def _address_doi(self) -> str | None:
        """The DOI in the page's address ("/doi/10.1080/...", "doi.org/10...")."""
        for candidate in (self.url, str(self.response.url)):
            doi = doi_in_link(candidate)
            if doi:
                return doi
        return None

    @article_field()
    def title(self) -> str | None:
        value = self.first_meta(_TITLE)
        subtitle = self.first_meta(("dc.title.subtitle",))
        if value and subtitle and self.first_meta(("dc.title",)) == value and subtitle.casefold() not in value.casefold():
            # Atypon's dc.Title + dc.Title.Subtitle: "Lusail" + "a system for querying linked data at scale".
            value = f"{value.rstrip(':')}: {subtitle}"
        if value and not self.first_meta(_TITLE[:3]):
            # og:title / twitter:title often end with the site or the journal:
            # "Title | JSTOR", "Title | Proceedings of the 2023 CHI Conference...".
            for site in (self.first_meta(("og:site_name",)), self.first_meta(_JOURNAL)):
                if site and value.endswith(f" | {site}"):
                    value = value[: -len(site) - 3].strip() or value
        if not value:
            value = clean(str(self.scholarly.get("headline") or self.scholarly.get("name") or "")) or None
        if not value:
            value = self.text_of(self._tagged["h1"][:1])
        return _strip_markup(value)

    @article_field(empty=[])
    def authors(self) -> list[Author]:
        authors = self._highwire_authors()
        if authors:
            return authors
        creators = (
            self.meta.get("dc.creator")
            or self.meta.get("dc.creator.personalname")
            or self.meta.get("dc.contributor")
            or [n for v in self.meta.get("citation_authors", []) for n in clean_list(v.split(";"))]
        )
        # ACM's template writes "AbdelazizIbrahim" for "Abdelaziz, Ibrahim": a
        # name run together cannot be split without guessing, so it is not taken.
        creators = [n for n in creators if not _RUN_TOGETHER.fullmatch(n)]
        if creators:
            return [_author_from_name(n) for n in creators]
        return self._jsonld_authors()

    def _highwire_authors(self) -> list[Author]:
        authors: list[Author] = []
        for name, content, _ in self.meta_pairs:
            if name not in _HIGHWIRE_AUTHOR:
                continue
            value = clean(content)
            if not value:
                continue
            if name == "citation_author":
                authors.append(_author_from_name(value))
            elif authors and name == "citation_author_institution":
                # Some sites copy the printed list's joints ("..., Canada, and").
                value = clean(strip_list_joint(value))
                if value:
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
        return self._printed("journal")

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
        for name, content, scheme in self.meta_pairs:
            if name == "dc.identifier" and scheme.strip().lower() == "issn":
                issn = parse_issn(content)
                if issn and issn not in found:
                    found.append(issn)
        if not found:
            for value in (self._ld_part("Periodical", "issn") or "").replace(",", " ").split():
                issn = parse_issn(value)
                if issn and issn not in found:
                    found.append(issn)
        return found or list(self._footer_issns)

    @cached_property
    def _footer_issns(self) -> list[str]:
        """The journal's ISSNs as a site's footer prints them ("ISSN:
        1387-2877", "Online ISSN 1091-6490", "<i>Science</i> ISSN 0036-8075",
        APS's "ISSN 1539-0756 (online), 0034-6861 (print)").  A footer naming
        more than a print and an online ISSN lists several journals: it says
        nothing about this one."""
        found: list[str] = []
        for footer in self._tagged["footer"]:
            # Most footers name no ISSN: libxml2's text serialization says so
            # ten times faster than joining the text nodes in Python.
            if "ISSN" not in etree.tostring(footer, method="text", encoding=str, with_tail=False):
                continue
            if any(a.tag in ("article", "li") for a in footer.iterancestors()):
                continue  # a card's footer, about another article
            text = " ".join(_TEXT_NODES(footer))  # = footer.itertext(), at less than half the cost on a site footer
            for m in _LABELLED_ISSNS.finditer(text):
                if not _issn_label_starts(text, m.start()):
                    continue
                for value in _ISSN_SHAPE.findall(m.group(1)):
                    issn = parse_issn(value)
                    if issn and issn not in found:
                        found.append(issn)
        return found if len(found) <= 2 else []

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
        return (
            self.first_meta(_VOLUME) or self._ld_part("PublicationVolume", "volumeNumber") or self._printed("volume")
        )

    @article_field()
    def issue(self) -> str | None:
        return self.first_meta(_ISSUE) or self._ld_part("PublicationIssue", "issueNumber") or self._printed("issue")

    @article_field()
    def first_page(self) -> str | None:
        return self._embedded_pages[0] or self._printed("first")

    @article_field()
    def last_page(self) -> str | None:
        first, last = self._embedded_pages
        # A printed range's end comes only with its start, never beside an embedded first page.
        return last if first or last else self._printed("last")

    @cached_property
    def _embedded_pages(self) -> tuple[str | None, str | None]:
        first = self._meta_first_page[0] or clean(str(self.scholarly.get("pageStart") or "")) or None
        last = (
            self.first_meta(_LAST_PAGE) or self._meta_first_page[1]
            or clean(str(self.scholarly.get("pageEnd") or "")) or None
        )
        return first, last

    def _printed(self, key: str) -> str | None:
        """What the page prints of its own citation, for a field its embedded
        metadata lacks (a body-only copy): `key` is journal, volume, issue,
        first or last.  A platform whose citation is one line reads it whole
        (`_citation`); one whose values lie apart reads the asked one only
        (Springer, Wiley): many pages lack one field's metadata (an early-view
        article's volume), and reading the others, a journal name behind a
        script or a walk, would be for nothing.  The generic page reads none."""
        return self._citation.get(key)

    @cached_property
    def _citation(self) -> dict[str, str | None]:
        """The printed citation, read in one go, that `_printed` answers from."""
        return {}

    @cached_property
    def _meta_first_page(self) -> tuple[str | None, str | None]:
        """(first, last) of the first-page metadata, which some sites fill
        with the whole range (HAL: citation_firstpage "444-445")."""
        value = self.first_meta(_FIRST_PAGE)
        if value and _PAGE_DASH.search(value.strip("-–— ")):
            first, last = split_pages(value)
            if first:
                return first, last
        return value, None

    @article_field()
    def published(self) -> str | None:
        for name in _PUBLISHED:
            for value in self.meta.get(name, []):
                date = parse_date(value)
                if date:
                    return date
        return parse_date(str(self.scholarly.get("datePublished") or "")) or self._shown_published()

    def _shown_published(self) -> str | None:
        """The publication date the page prints, for a page whose metadata
        gives none (a body-only copy): a platform's labelled date ("Published
        15 April 2019").  The generic page reads none: an unlabelled date
        could be any date."""
        return None

    @article_field()
    def article_type(self) -> str | None:
        for name in _ARTICLE_TYPE:
            for value in self.meta.get(name, []):
                # "Text", "Text.Serial.Journal": the DCMI resource type, not the article's.
                if value.lower().split(".")[0] not in _DCMI_TYPES:
                    return value
        return None

    @article_field(empty=[])
    def abstract_sections(self) -> list[AbstractSection]:
        """The embedded abstract, unless the page's own abstract block shows
        what the metadata flattens (headed sections) or the metadata has no
        whole abstract (missing, or cut short)."""
        from_meta = self._meta_abstract_sections()
        if any(s.heading for s in from_meta):
            return from_meta
        from_html = self._html_abstract_sections()
        if from_html and (any(s.heading for s in from_html) or not from_meta):
            return from_html
        return from_meta or self._description_sections()

    def _meta_abstract_sections(self) -> list[AbstractSection]:
        candidates = [self.first_meta((name,)) for name in ("citation_abstract", "dcterms.abstract")]
        ld = self.scholarly.get("abstract")
        if isinstance(ld, list):
            ld = " ".join(str(x) for x in ld if isinstance(x, str))
        if isinstance(ld, dict):
            ld = ld.get("text") or ld.get("description")
        candidates.append(ld if isinstance(ld, str) else None)
        candidates.append(self.first_meta(("dc.description",)))
        return self._sections_of_candidates(candidates)

    def _description_sections(self) -> list[AbstractSection]:
        """The page's description (`description`, `og:description`), when no
        abstract metadata and no abstract block exist: sites put their own
        blurb there ("Founded in 1920, the NBER is...") or the citation
        ("T. Le Scao, A. Rush. Proceedings of..."), so it counts only when it
        shares a word of the title's (five letters or more): what an abstract
        does and such boilerplate does not."""
        title_words = set(_LONG_WORD.findall((self.title or "").lower()))
        candidates = [
            value for value in (self.first_meta((name,)) for name in ("description", "og:description"))
            if value and title_words & set(_LONG_WORD.findall(value.lower()))
        ]
        return self._sections_of_candidates(candidates)

    def _sections_of_candidates(self, candidates: list[str | None]) -> list[AbstractSection]:
        """The sections of the first candidate that is a whole abstract."""
        for value in candidates:
            if not value or not clean(value):
                continue
            sections = self._sections_of_markup(value) if _HAS_BLOCK_MARKUP.search(value) else []
            if not sections:
                text = _undoubled(_strip_markup(value) or value)
                if _cites(text, self.title):
                    continue  # "Hochreiter S, ...; Long Short-Term Memory. Neural Comput 1997; 9 (8)..."
                # Descriptions are often cut short ("... the expression of which is
                # recalled. It...", "... responsible for seve"): a truncated
                # abstract is a wrong value, so it is not taken.
                if is_truncated(text):
                    continue
                sections = split_labelled_sections(_ABSTRACT_LABEL.sub("", text, count=1))
            if sections:
                return sections
        return []

    def _abstract_class_blocks(self) -> list[Any]:
        """Elements whose class says abstract, in page order: noted by the
        class index's walk, or by a walk of their own where a page object
        indexes classes its own way."""
        noted = self._class_index.get(ABSTRACT_CLASSES)
        if noted is not None:
            return noted
        found = index_classes({}, document_tops(self.sel.root), ("(abstract blocks)",), _abstract_marker)
        return found.get(ABSTRACT_CLASSES, [])

    def _sections_of_markup(self, value: str) -> list[AbstractSection]:
        """citation_abstract with HTML in it ("<h3>Background</h3><p>...</p>")."""
        try:
            block = lxml_html.fragment_fromstring(value, create_parent="div")
        except (etree.LxmlError, ValueError):
            return []
        sections = self.sections_of(block)
        if len(sections) == 1 and sections[0].heading is None:
            sections = split_labelled_sections(sections[0].text)
        return sections if all(not is_truncated(s.text) for s in sections[-1:]) else []

    def _html_abstract_sections(self) -> list[AbstractSection]:
        """The page's own abstract block: the first `div`/`section` whose class
        says abstract ("abstract", "article-abstract", "item abstract") and
        that holds an abstract's worth of text.  Run only when the metadata is
        not enough."""
        for block in self._abstract_class_blocks():
            if block.tag not in _ABSTRACT_BLOCK_TAGS:
                continue
            if next(block.iterancestors("li"), None) is not None:
                continue  # a list item's: a reference's or a recommended article's abstract
            sections = self.sections_of(block) or self._unparagraphed_sections(block)
            if sections and (sections[0].heading or "").lower() in _NOT_THE_ABSTRACT:
                continue  # "Highlights", "Graphical abstract", "Author summary": beside the abstract
            if len(sections) == 1 and sections[0].heading is None:
                sections = split_labelled_sections(sections[0].text)
            if any(_cites(s.text, self.title) for s in sections):
                continue  # a box around the article's header or citation (Silverchair's "..._Abstract" widgets)
            if sum(len(s.text) for s in sections) >= 80:
                return sections
        return []

    def _unparagraphed_sections(self, block: Any) -> list[AbstractSection]:
        """A block whose text is in no paragraph (ACL Anthology: `<h5>Abstract</h5>
        <span>...</span>`): its text, without a heading that names the block."""
        parts = [block.text or ""]
        for child in block:
            if not (isinstance(child.tag, str) and _HEADING_TAG.match(child.tag)
                    and (self.text_of(child) or "").lower().rstrip(":") in ABSTRACT_TITLES):
                parts.append(self.text_of(child) or "")
            parts.append(child.tail or "")
        text = clean(" ".join(parts))
        return split_labelled_sections(text) if text else []

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
        # Google Scholar's flag for full text anyone can read (it has no content).
        if any(name == "citation_fulltext_world_readable" for name, _, _ in self.meta_pairs):
            return "open"
        # A Creative Commons Attribution licence on the article (not CC0, which
        # some sites put on their metadata) means anyone may read it.
        licences = [v for name in ("dc.rights", "dcterms.license", "dc.license", "dcterms.rights") for v in self.meta.get(name, [])]
        licences += [link.get("href") or "" for link in self._tagged["link"] if (link.get("rel") or "").lower() == "license"]
        if any(_CC_BY.search(value) for value in licences):
            return "open"
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

    @classmethod
    def metrics_from_endpoint(cls, url: str, body: bytes) -> tuple[Metrics, list[str]]:
        """(metrics, warnings) of the metrics widget named by `related_endpoints()`
        under "metrics": the figures a visitor sees once the page has loaded."""
        return Metrics(), []

    @field
    def warnings(self) -> list[str]:
        # Every other field first: their problems are what this reports
        # (`to_record` has read them already).
        if not self.__dict__.get("_fields_read"):
            for name in get_fields_dict(self):
                if name != "warnings":
                    getattr(self, name)
        return list(self._warnings())


_BLOCK_TAGS = frozenset(
    "p div li ul ol br h1 h2 h3 h4 h5 h6 tr td th table section article header footer dd dt".split()
)
_HIDDEN_TAGS = frozenset(("script", "style", "noscript", "template"))
# The same, as the compiled walk reads them.
_BLOCK = tuple(t.encode() for t in sorted(_BLOCK_TAGS))
_HIDDEN = tuple(t.encode() for t in sorted(_HIDDEN_TAGS))


@functools.lru_cache(maxsize=256)
def _encoded_tags(tags: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(t.encode() for t in tags)


_TAG_TESTS = re.compile(r"self::[a-z][a-z0-9]*(?: or self::[a-z][a-z0-9]*)*")


@functools.lru_cache(maxsize=256)
def _excluded_tags(exclude: str) -> tuple[str, ...]:
    """The tags of an `exclude` that only names tags ("self::sup or self::a"), else ()."""
    if not _TAG_TESTS.fullmatch(exclude):
        return ()
    return tuple(part.strip()[len("self::"):] for part in exclude.split(" or "))


def _element_text(el: Any) -> str | None:
    """`text_of` one element, without its tail: what `_visible_text` gives.
    A leaf (a title, a name, a link: most calls) is its own text."""
    if visible_text is not None:
        return clean(visible_text(el, _HIDDEN, _BLOCK))
    tag = el.tag
    if not isinstance(tag, str) or tag in _HIDDEN_TAGS:
        return None  # a comment's or a script's own text is not visible
    if not len(el):
        return clean(el.text)
    parts: list[str] = []
    _visible_text(el, parts, _NO_SKIP, tail=False)
    return clean("".join(parts))


_NO_SKIP: frozenset[Any] = frozenset()


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


_AFTER_TAG_NAME = (b" ", b"\t", b"\n", b"\r", b"\f", b"/")


def meta_declared_encoding(body: bytes) -> str | None:
    """What w3lib's scan of the first 4 KB finds (a meta charset, or an XML
    declaration), with a shortcut: its regex costs ~30 us over 4 KB, and
    pages declare in one early tag.  A page that spells neither "charset"
    nor "<?xml" declares nothing; when the first to spell one is a <meta>
    with only closed comments, and no <body>, before it, that tag alone is
    read.  Anything else gets the whole scan."""
    chunk = body[:4096]
    low = chunk.lower()
    at = low.find(b"charset")
    xml = low.find(b"<?xml", 0, at if at >= 0 else len(low))
    if xml >= 0:
        at = xml
    elif at < 0:
        return None
    tag, end = low.rfind(b"<", 0, at), low.find(b">", at)
    is_meta = low.startswith(b"<meta", tag) and low[tag + 5:tag + 6] in _AFTER_TAG_NAME
    if tag >= 0 and end >= 0 and is_meta and low.find(b">", tag, at) < 0 and low.find(b"<body", 0, tag) < 0:
        opened = low.rfind(b"<!--", 0, tag)
        if opened < 0 or 0 <= low.find(b"-->", opened + 4) < tag - 2:
            found = html_body_declared_encoding(chunk[tag:end + 1])
            if found:
                return found
    return html_body_declared_encoding(chunk)


def spells_ids(cls: type, body: bytes) -> bool:
    """Whether the body's bytes spell one of the ids `cls` looks up (`id_lookups`)."""
    return any(i in body for i in _encoded_ids(cls))


@functools.cache
def _encoded_ids(cls: type) -> tuple[bytes, ...]:
    """The bytes `sel` looks for; a non-ASCII id is b"", found in any body:
    its bytes depend on the encoding, so the parser always keeps the table."""
    return tuple(i.encode() if i.isascii() else b"" for i in cls.id_lookups)


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


@functools.cache
def _ascii_compatible(encoding: str) -> bool:
    """True when this encoding writes printable ASCII as the same bytes (UTF-8,
    Latin-1, Windows-125x, Shift JIS...), so that an ASCII string absent
    from a body's bytes is absent from its text; not UTF-16 or UTF-7."""
    try:
        return _PRINTABLE_ASCII.decode("ascii").encode(encoding) == _PRINTABLE_ASCII
    except (LookupError, UnicodeError):
        return False


def is_utf8(body: bytes, chunk: int = 4096) -> bool:
    """Whether the bytes decode as UTF-8: what `body.decode("utf-8")` tells
    without building the whole text (0.15 ms for a 450 kB page).  Markup and
    scripts are mostly ASCII: a chunk that is all ASCII is valid by itself
    when no multi-byte sequence is pending, and is skipped."""
    if body.isascii():
        return True
    decoder = _UTF8()
    try:
        for start in range(0, len(body), chunk):
            part = body[start:start + chunk]
            if part.isascii() and not decoder.getstate()[0]:
                continue
            decoder.decode(part)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_UTF8 = codecs.getincrementaldecoder("utf-8")


def _parse_html(body: bytes, encoding: str | None, collect_ids: bool = False) -> Any:
    encoding = (encoding or "utf-8").lower()
    parser = _HTML_PARSERS.get((encoding, collect_ids))
    try:
        if parser is None:
            parser = _HTML_PARSERS[encoding, collect_ids] = etree.HTMLParser(
                # The id table costs ~5% of the parse: kept only for pages that use it.
                encoding=encoding, recover=True, huge_tree=True, collect_ids=collect_ids
            )
        # isspace() stops at the first other byte; strip() would copy the body.
        return etree.fromstring(body, parser=parser) if body and not body.isspace() else None
    except (LookupError, ValueError, etree.LxmlError):
        return None  # the caller falls back to the decoded text


def render_abstract(sections: list[AbstractSection]) -> str | None:
    parts = [f"{s.heading}\n{s.text}" if s.heading else s.text for s in sections if s.text]
    return "\n\n".join(parts) or None


_SENTENCE_END = ('.', '!', '?', ')', ']', '"', "'", '\u201d', '\u2019', '\u00bb')


_CITATION_PARTS = re.compile(r"\bdoi\b|\bVol\.\s*\d|\(\d{4}\)|\b\d{4}\s*;\s*\d|\bpp?\.\s*\d", re.IGNORECASE)


def _cites(text: str, title: str | None) -> bool:
    """Whether a description is the article's citation, not its abstract:
    it holds the whole title and a citation's parts (a year in parentheses,
    "Vol. 9", "1997; 9 (8)", "pp. 1", "doi:").  T&F and Silverchair sites
    put the citation in their description tags."""
    return bool(title) and len(title) >= 12 and title.casefold() in text.casefold() and bool(_CITATION_PARTS.search(text))


def _undoubled(text: str) -> str:
    """A text that is the same text twice ("X.  X.", a template's slip seen
    in nature.com's dc.description), once."""
    text = clean(text) or ""
    half = len(text) // 2
    if len(text) % 2 == 1 and text[half] == " " and text[:half] == text[half + 1:]:
        return text[:half]
    return text


def is_truncated(text: str | None) -> bool:
    """True when a description looks cut short: an ellipsis, or no sentence end
    ("... responsible for seve").  A whole abstract ends a sentence."""
    text = (text or "").rstrip()
    if not text:
        return True
    return text.endswith(("...", "\u2026")) or not text.endswith(_SENTENCE_END)


# Headings of structured abstracts, as publishers print them inline in one
# paragraph ("Background/Objectives: ... Methods: ...").
_INLINE_LABELS = (
    r"Background(?:/Objectives?|/Aims?)?|Objectives?|Aims?(?: and [Oo]bjectives?)?|Purpose|Introduction|Context"
    r"|Importance|Significance|Methods?|Materials and [Mm]ethods|Methods and [Mm]aterials|Design/methodology/approach"
    r"|Design(?:, [Ss]etting,? and [Pp]articipants)?|Setting|Participants|Patients|Interventions?|Exposures?"
    r"|Main [Oo]utcomes? and [Mm]easures?|Main [Oo]utcome [Mm]easures?|Measurements|Results|Findings"
    r"|Conclusions?(?: and [Rr]elevance)?|Interpretation|Limitations|Discussion|Originality/value"
    r"|Practical implications|Research limitations/implications|Social implications|Trial [Rr]egistration"
    r"|Approach|Main results|Key [Ff]indings|Case [Pp]resentation"
)
_INLINE_LABEL = re.compile(rf"(?:^|(?<=[.!?)\]]\s))({_INLINE_LABELS})\s*:\s+")


def split_labelled_sections(text: str | None) -> list[AbstractSection]:
    """A structured abstract printed as one paragraph, "Background: ... Methods:
    ... Results: ... Conclusions: ...", as one section per heading.  Only when
    the text opens with a known heading and has at least two: otherwise one
    section without heading."""
    whole = (text or "").strip()
    text = clean(text)
    if not text:
        return []
    # Most abstracts do not open with a heading: one anchored match decides.
    marks = list(_INLINE_LABEL.finditer(text)) if _INLINE_LABEL.match(text) else []
    if len(marks) < 2 or marks[0].start() != 0:
        return [AbstractSection(heading=None, text=whole)]  # paragraph breaks kept
    sections = []
    for mark, following in zip(marks, marks[1:] + [None]):
        body = clean(text[mark.end(): following.start() if following else None])
        if not body:
            return [AbstractSection(heading=None, text=whole)]
        sections.append(AbstractSection(heading=mark.group(1), text=body))
    return sections


_HEADING_ONLY = re.compile(rf"(?:{_INLINE_LABELS})")


def is_abstract_heading(text: str | None) -> bool:
    """True for the usual headings of structured abstracts ("Background",
    "Methods", "Conclusions and Relevance"), with or without a colon."""
    return bool(_HEADING_ONLY.fullmatch((clean(text) or "").rstrip(":. ")))


_ALTMETRIC_ALT = re.compile(r"altmetric (?:attention )?score of (\d+)", re.IGNORECASE)
_ALTMETRIC_URL = re.compile(r"[?&]score=(\d+)(?:&|$)")


def altmetric_score(embed: Any) -> int | None:
    """The score an Altmetric badge shows, from what its script rendered: the
    image's alt text ("Article has an altmetric score of 7") or the badge
    URL ("badges.altmetric.com/?size=128&score=16").  None when the badge is
    an empty placeholder (the score is then unknown, not 0)."""
    for img in embed.iter("img"):
        m = _ALTMETRIC_ALT.search(img.get("alt") or "") or _ALTMETRIC_URL.search(img.get("src") or "")
        if m:
            return int(m.group(1))
    for a in embed.iter("a"):
        m = _ALTMETRIC_URL.search(a.get("style") or "")
        if m:
            return int(m.group(1))
    return None


_TRACKING_PARAMS = frozenset((
    "src", "searchresult", "rskey", "via", "casa_token", "fromPage", "ref", "origin", "af",
    "icid", "fromPaywallRec",
))


_DOI_VIEW_SUFFIX = re.compile(
    r"(?:/(?:abstract|abs|full|pdf|epdf|pdfdirect|summary|references|citedby|suppinfo|figures|html))+/?$"
)


def names_a_page(href: str | None) -> bool:
    """Whether a link's href leads to another page: not empty, not a script,
    an anchor on this page, or an e-mail address.  Whether or not `absolute`
    can resolve it (see `ArticlePage.base_url`)."""
    href = (href or "").strip()
    return bool(href) and not href.startswith(("javascript:", "#", "mailto:"))


def _is_doi_resolver(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "doi.org" or host.endswith(".doi.org")


def doi_in_link(url: str | None) -> str | None:
    """The DOI a link names: "https://doi.org/10.1007/x", "/doi/10.1080/x",
    "/doi/full/10.1080/x?src=recsys" (percent-escapes undone); else None.
    Read from the link as written, it stays known where `absolute` cannot
    resolve the link (a page read at a DOI resolver's address)."""
    if not url:
        return None
    parts = urlsplit(url)
    path = unquote(parts.path)
    if "/doi/" in path:
        tail = re.sub(r"^(abs|full|pdf|epdf|pdfplus|reader|book)/", "", path.split("/doi/", 1)[1])
        # Some addresses end in the view: Wiley's older "/doi/10.1002/hbm.22146/abstract",
        # Emerald's "/doi/10.1108/qea-07-2024-0055/full/html".  A DOI's own suffix is kept.
        prefix, _, suffix = tail.partition("/")
        return parse_doi(f"{prefix}/{_DOI_VIEW_SUFFIX.sub('', suffix) or suffix}")
    if parts.netloc.endswith("doi.org"):
        return parse_doi(path.lstrip("/"))
    return None


def doi_link_in(boxes: Iterable[Any]) -> str | None:
    """The DOI of the first DOI link (doi.org, or a "/doi/" address) in these
    elements, each one included: where a page prints its own DOI."""
    for box in boxes:
        for link in box.iter("a"):
            doi = doi_in_link(link.get("href"))
            if doi:
                return doi
    return None


def add_section_text(sections: list[AbstractSection], heading: str | None, text: str) -> None:
    """Append a paragraph: to the last section when it has the same heading
    (a space inside a headed section, a blank line between unheaded
    paragraphs), else as a new section."""
    if sections and sections[-1].heading == heading:
        joiner = " " if heading is not None else "\n\n"
        sections[-1].text = f"{sections[-1].text}{joiner}{text}"
    else:
        sections.append(AbstractSection(heading=heading, text=text))


def without_tracking(url: str | None) -> str | None:
    """A related-article URL without the query parameters that only say how
    it was reached ("?searchresult=1", "?src=recsys", "utm_*")."""
    if not url or "?" not in url:
        return url
    parts = urlsplit(url)
    if "/doi/" in parts.path:  # an article's /doi/ address needs no query at all
        return parts._replace(query="", fragment="").geturl()
    kept = [
        q for q in parts.query.split("&")
        if q and q.split("=", 1)[0] not in _TRACKING_PARAMS and not q.startswith("utm_")
    ]
    return parts._replace(query="&".join(kept)).geturl()


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
