# cython: language_level=3, boundscheck=False, wraparound=False
"""The walks over every element of a page, compiled:

- the class index (`base.index_classes`), and Atypon's index of RDFa
  `property` words through the same walk;
- the <meta>, <script>, <link>, ... elements by tag (`ArticlePage._tagged`)
  and the meta tags' names and contents (`ArticlePage.meta_pairs`);
- an element's visible text (`ArticlePage.text_of`).

Why compiled: walking every element from Python builds an lxml proxy object
per element only to read an attribute or a text and drop it again, about
270 ns an element, a fifth of the extraction of a small page.  Here the
walks read libxml2's tree directly (lxml's public C API, the way lxml's
documentation offers for this) and build a proxy only for the elements they
return: the class index 4-5 times faster, extraction of the slowest
platform's page from 1.87x to about 1.55x lxml's parse alone.  Each gives
what the Python version (kept in `base`, used where the package was built
without a C compiler) gives: tests/test_compiled_walks.py compares both on
every page it has.

Only struct fields of libxml2's public tree are read, no libxml2 function is
called: lxml links libxml2 into itself, so there is nothing to link against.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy, strcmp, strlen

from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, elementFactory, import_lxml__etree

import_lxml__etree()


cdef inline tree.xmlAttr* _attribute(tree.xmlNode* node, const char* name) noexcept:
    """The element's attribute `name` in no namespace: what `get(name)` reads."""
    cdef tree.xmlAttr* attribute = node.properties
    while attribute is not NULL:
        if attribute.ns is NULL and strcmp(<const char*>attribute.name, name) == 0:
            return attribute
        attribute = attribute.next
    return NULL


cdef inline tree.xmlNode* _following(tree.xmlNode* node, tree.xmlNode* start) noexcept:
    """The node after `node` in document order without leaving `start`'s
    subtree (into an element's children first), or NULL at its end."""
    if node.type == tree.XML_ELEMENT_NODE and node.children is not NULL:
        return node.children
    while node is not start and node.next is NULL:
        node = node.parent
    return NULL if node is start else node.next


cdef object _value(_Element root, tree.xmlNode* node, const char* name, bytes key):
    """`get(key)` of the element `node` (in `root`'s document) for its
    attribute `name` (== key), without a proxy of the element."""
    cdef tree.xmlAttr* attribute = _attribute(node, name) if node.properties is not NULL else NULL
    cdef tree.xmlNode* text
    cdef const char* raw
    if attribute is NULL:
        return None
    text = attribute.children
    if text is NULL:
        return ""  # <div class> or class="": lxml reads ""
    if text.next is NULL and text.type == tree.XML_TEXT_NODE and text.content is not NULL:
        raw = <const char*>text.content
        return PyUnicode_DecodeUTF8(raw, strlen(raw), NULL)
    return elementFactory(root._doc, node).get(key)  # a value of several nodes (entity references)


def index_subtrees(roots, dict index, dict hits_of, read, bytes attribute_name=b"class"):
    """`index` (marker -> its elements, in page order) filled from the class
    attributes (or another `attribute_name`'s) of every element in the subtrees
    of `roots` (each root included), in order.  `hits_of` caches
    `read(value)`, the markers a value holds."""
    cdef const char* name = attribute_name
    cdef _Element root
    cdef tree.xmlNode* start
    cdef tree.xmlNode* node
    for root in roots:
        start = root._c_node
        node = start
        while node is not NULL:
            if node.type == tree.XML_ELEMENT_NODE:
                value = _value(root, node, name, attribute_name)
                if value is not None:
                    hits = hits_of.get(value)
                    if hits is None:
                        hits = hits_of[value] = read(value)
                    if hits:
                        element = elementFactory(root._doc, node)
                        for marker in hits:
                            found = index.get(marker)
                            if found is None:
                                index[marker] = [element]
                            else:
                                found.append(element)
            node = _following(node, start)
    return index


def elements_by_tag(roots, tuple tags):
    """tag -> the elements of that tag under `roots` (each root included),
    in page order: `root.iter(*tags)` of every root, into lists by tag,
    without a proxy per element on the way."""
    cdef list names = [tag.encode() for tag in tags]
    cdef list lists = [[] for _ in tags]
    cdef const char* c_names[16]
    cdef Py_ssize_t count = len(names)
    cdef Py_ssize_t i
    cdef _Element root
    cdef tree.xmlNode* start
    cdef tree.xmlNode* node
    cdef const char* node_name
    if count > 16:
        raise ValueError("at most 16 tags")
    for i in range(count):
        c_names[i] = <bytes>names[i]
    for root in roots:
        start = root._c_node
        node = start
        while node is not NULL:
            if node.type == tree.XML_ELEMENT_NODE:
                if node.ns is NULL:
                    node_name = <const char*>node.name
                    for i in range(count):
                        if node_name[0] == c_names[i][0] and strcmp(node_name, c_names[i]) == 0:
                            (<list>lists[i]).append(elementFactory(root._doc, node))
                            break
            node = _following(node, start)
    return dict(zip(tags, lists))


def meta_pairs(metas):
    """(lower-cased name or property or itemprop, content, scheme) of each
    <meta> that has a name and a content, in order; `citation_reference*`
    tags left out (`ArticlePage.meta_pairs`)."""
    cdef list pairs = []
    cdef _Element meta
    cdef tree.xmlNode* node
    for meta in metas:
        node = meta._c_node
        name = (_value(meta, node, b"name", b"name") or _value(meta, node, b"property", b"property")
                or _value(meta, node, b"itemprop", b"itemprop"))
        if not name or name.startswith("citation_reference"):
            continue
        content = _value(meta, node, b"content", b"content")
        if content is not None:
            pairs.append((name.strip().lower(), content, _value(meta, node, b"scheme", b"scheme") or ""))
    return pairs


cdef struct _Buffer:
    char* data
    size_t length
    size_t size


cdef int _append(_Buffer* buffer, const char* text) except -1:
    cdef size_t n = strlen(text)
    cdef size_t size
    cdef char* data
    if buffer.length + n > buffer.size:
        size = buffer.size * 2 if buffer.size * 2 > buffer.length + n else buffer.length + n + 256
        data = <char*>realloc(buffer.data, size)
        if data is NULL:
            raise MemoryError()
        buffer.data = data
        buffer.size = size
    memcpy(buffer.data + buffer.length, text, n)
    buffer.length += n
    return 0


cdef bint _named(tree.xmlNode* node, tuple names) noexcept:
    """Whether the element's tag is one of `names` (bytes, lower case, as
    HTML's parser writes tags)."""
    cdef const char* tag = <const char*>node.name
    cdef bytes name
    if node.ns is not NULL:
        return False
    for name in names:
        if tag[0] == (<const char*>name)[0] and strcmp(tag, <const char*>name) == 0:
            return True
    return False


def visible_text(_Element element, tuple hidden, tuple block, tuple skipped=()):
    """The element's visible text, not folded: what `base._visible_text`
    gathers without the element's tail.  Text inside a `hidden` element
    (script, style) or a `skipped` descendant is left out (the text after
    it is not); a `block` element's text is set apart by spaces.  None for
    a hidden element, or a node that is not an element (a comment)."""
    cdef tree.xmlNode* start = element._c_node
    cdef tree.xmlNode* parent = start
    cdef tree.xmlNode* node
    cdef _Buffer buffer
    if start.type != tree.XML_ELEMENT_NODE or _named(start, hidden):
        return None
    buffer.data = NULL
    buffer.length = 0
    buffer.size = 0
    try:
        if _named(start, block):
            _append(&buffer, b" ")
        node = start.children
        while True:
            if node is NULL:  # the end of `parent`'s children
                if _named(parent, block):
                    _append(&buffer, b" ")
                if parent is start:
                    break
                node = parent.next
                parent = parent.parent
            elif node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE:
                if node.content is not NULL:
                    _append(&buffer, <const char*>node.content)
                node = node.next
            elif node.type == tree.XML_ELEMENT_NODE and not _named(node, hidden) and not _named(node, skipped):
                if _named(node, block):
                    _append(&buffer, b" ")
                if node.children is not NULL:
                    parent = node
                    node = node.children
                else:
                    if _named(node, block):
                        _append(&buffer, b" ")
                    node = node.next
            else:  # hidden or skipped, a comment, a processing instruction: only what follows counts
                node = node.next
        return PyUnicode_DecodeUTF8(buffer.data, buffer.length, NULL) if buffer.length else ""
    finally:
        free(buffer.data)
