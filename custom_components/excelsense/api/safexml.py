"""A small XML reader for SOAP replies that refuses DTDs and entities.

A camera's reply is parsed with the standard library's expat into a light tree.
Any document type declaration is refused at its start, before expat reads an
entity from it (billion laughs, external entities), and expat reports an
undeclared entity reference as an error. Namespaces are resolved here, not by
expat, so that a reply with an undeclared prefix still parses: elements are
matched by their local name and the in-scope prefixes stay available for
QName values (fault codes, topics).
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING
from xml.parsers import expat
from xml.sax.saxutils import escape

from .exceptions import ExcelSenseResponseError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

# Far deeper than any SOAP reply; bounds the tree walks below.
MAX_DEPTH = 64
UTF8_BOM = b"\xef\xbb\xbf"
_XMLNS = "xmlns"
_DECLARED_ENCODING = re.compile(
    rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']"""
)


class XMLRefusedError(Exception):
    """Raised from an expat handler to stop parsing (caught in ``parse``)."""


class Node:
    """One element: local name, namespace URI, attributes, children, text."""

    __slots__ = (
        "attrs",
        "children",
        "declared",
        "local",
        "nsmap",
        "parts",
        "prefix",
        "qname",
        "qualified",
        "uri",
    )

    def __init__(
        self,
        qname: str,
        attrs: dict[str, str],
        nsmap: Mapping[str, str],
        declared: Mapping[str, str] | None = None,
    ) -> None:
        """Split the element's name and keep the prefixes in scope.

        ``declared``: the namespaces this element declares itself (prefix to
        URI, "" for the default), kept so that ``serialize`` writes them back.
        """
        prefix, _, local = qname.rpartition(":")
        self.qname = qname
        self.prefix = prefix
        self.local = local
        self.uri = nsmap.get(prefix)
        self.nsmap = nsmap
        self.declared = declared or {}
        # Attributes as written, and by local name: SOAP replies do not
        # qualify the ones we read.
        self.qualified = attrs
        self.attrs = {name.rpartition(":")[2]: value for name, value in attrs.items()}
        self.children: list[Node] = []
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        """The element's own character data, stripped."""
        return "".join(self.parts).strip()

    def child(self, local: str) -> Node | None:
        """The first child element with this local name."""
        for node in self.children:
            if node.local == local:
                return node
        return None

    def all(self, local: str) -> Iterator[Node]:
        """Every child element with this local name."""
        return (node for node in self.children if node.local == local)

    def path(self, *locals_: str) -> Node | None:
        """Follow first children by local name (``path("Time", "Hour")``)."""
        node: Node | None = self
        for local in locals_:
            if node is None:
                return None
            node = node.child(local)
        return node

    def path_text(self, *locals_: str) -> str | None:
        """The text at the end of ``path``, or None when an element is missing."""
        node = self.path(*locals_)
        return None if node is None else node.text

    def resolve(self, qname: str) -> tuple[str | None, str]:
        """A QName value's namespace URI (None when unbound) and local name."""
        prefix, _, local = qname.strip().rpartition(":")
        return self.nsmap.get(prefix), local

    def serialize(self, mark: tuple[str, str, str] | None = None) -> str:
        """The element as XML, as it was written, every namespace in scope declared.

        Names keep their prefixes, so qualified attributes and QName values
        (``tns:Topic``) keep their meaning. ``mark`` is one more attribute on
        the element: its namespace URI, local name and value.
        """
        namespaces = dict(self.nsmap)
        marked = ""
        attributes = self.qualified
        if mark is not None:
            uri, local, value = mark
            # The camera may have marked it already: the mark is not written twice.
            attributes = {
                key: text
                for key, text in attributes.items()
                if ":" not in key or self.resolve(key) != (uri, local)
            }
            prefix = next((p for p, u in namespaces.items() if u == uri and p), None)
            if prefix is None:
                prefix = next(
                    f"m{n}"
                    for n in range(len(namespaces) + 1)
                    if f"m{n}" not in namespaces
                )
                namespaces[prefix] = uri
            marked = f' {prefix}:{local}="{_attribute(value)}"'
        return self._serialize(namespaces, attributes, marked)

    def _serialize(
        self, namespaces: Mapping[str, str], attributes: Mapping[str, str], marked: str
    ) -> str:
        attrs = "".join(
            f' {_xmlns(prefix)}="{_attribute(uri)}"'
            for prefix, uri in namespaces.items()
        )
        written: dict[str, str] = {}
        for key, value in attributes.items():
            # A prefix left out must not make two attributes of one name.
            written.setdefault(self._bound(key), value)
        attrs += marked + "".join(
            f' {key}="{_attribute(value)}"' for key, value in written.items()
        )
        inner = escape("".join(self.parts), _IN_TEXT) + "".join(
            node._serialize(node.declared, node.qualified, "")  # noqa: SLF001 - same class
            for node in self.children
        )
        name = self._bound(self.qname)
        if not inner:
            return f"<{name}{attrs}/>"
        return f"<{name}{attrs}>{inner}</{name}>"

    def _bound(self, qname: str) -> str:
        """``qname`` as written, or its local name when its prefix is unbound."""
        prefix, _, local = qname.rpartition(":")
        return qname if not prefix or prefix in self.nsmap or prefix == "xml" else local


def _xmlns(prefix: str) -> str:
    return f"{_XMLNS}:{prefix}" if prefix else _XMLNS


# Written as references so that a reader gets them back, not spaces (XML 1.0
# 3.3.3 normalises white space in attribute values, 2.11 line ends in text).
_IN_ATTRIBUTE = {'"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_IN_TEXT = {"\r": "&#13;"}


def _attribute(value: str) -> str:
    return escape(value, _IN_ATTRIBUTE)


class _Builder:
    """Expat handlers that build the tree and refuse what we never read."""

    def __init__(self, max_elements: int) -> None:
        self.root: Node | None = None
        self.stack: list[Node] = []
        self.count = 0
        self.max_elements = max_elements

    def start(self, qname: str, attrs: dict[str, str]) -> None:
        self.count += 1
        if self.count > self.max_elements or len(self.stack) >= MAX_DEPTH:
            msg = "too many or too deeply nested elements"
            raise XMLRefusedError(msg)
        parent = self.stack[-1] if self.stack else None
        nsmap: Mapping[str, str] = parent.nsmap if parent is not None else {}
        declared = {
            name: value
            for name, value in attrs.items()
            if name == _XMLNS or name.startswith("xmlns:")
        }
        if declared:
            scoped = dict(nsmap)
            for name, value in declared.items():
                scoped[name.partition(":")[2]] = value
            nsmap = scoped
            attrs = {k: v for k, v in attrs.items() if k not in declared}
        node = Node(
            qname,
            attrs,
            nsmap,
            {name.partition(":")[2]: value for name, value in declared.items()},
        )
        if parent is None:
            self.root = node
        else:
            parent.children.append(node)
        self.stack.append(node)

    def end(self, _qname: str) -> None:
        self.stack.pop()

    def data(self, text: str) -> None:
        # Expat reports character data inside the root element only.
        self.stack[-1].parts.append(text)


def _refuse(*_args: object) -> None:
    msg = "document type declarations and entities are refused"
    raise XMLRefusedError(msg)


def _refuse_external(
    _context: str, _base: str | None, _system_id: str | None, _public_id: str | None
) -> int:
    msg = "external entities are refused"
    raise XMLRefusedError(msg)


def parse(body: bytes, what: str, max_elements: int = 20_000) -> Node:
    """The reply's root element; anything but plain, well-formed XML is refused.

    Bytes expat does not read are decoded here and read once more: an
    encoding it does not know (GB2312, GBK, Shift_JIS, which some firmware
    declares), or bytes not in the encoding declared (a camera name in GBK in
    a reply declared UTF-8). As far as they decode: what is read from a reply
    (names, topics, values) is ASCII.
    """
    # Some firmware writes a line break before the XML declaration, which
    # XML does not allow; nothing is lost by leaving it out.
    data = without_leading_space(body)
    try:
        try:
            return _parse(data, max_elements)
        except (expat.ExpatError, ValueError, LookupError) as err:
            first = err
        try:
            return _parse(_decoded(data), max_elements)
        except (expat.ExpatError, ValueError, LookupError):
            pass
    except XMLRefusedError as err:
        msg = f"Reply to {what} refused: {err}"
        raise ExcelSenseResponseError(None, msg) from None
    if isinstance(first, expat.ExpatError):
        reason = expat.ErrorString(first.code)
    else:
        reason = "an encoding that cannot be read"
    msg = f"Reply to {what} is not well-formed XML ({reason})"
    raise ExcelSenseResponseError(None, msg) from None


def _decoded(data: bytes) -> str:
    """The reply as text, in the encoding it declares when Python knows it.

    Else UTF-8, with bytes that cannot be decoded replaced.
    """
    data = data.removeprefix(UTF8_BOM)
    declared = _DECLARED_ENCODING.match(data)
    if declared is not None:
        with contextlib.suppress(LookupError, UnicodeDecodeError):
            return data.decode(declared.group(1).decode("ascii"))
    return data.decode("utf-8", errors="replace")


def _parse(data: bytes | str, max_elements: int) -> Node:
    """Parse with expat (text is read as given, whatever it declares)."""
    builder = _Builder(max_elements)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.Parse(data, True)  # noqa: FBT003 - expat's positional "final"
    if builder.root is None:  # pragma: no cover - expat refuses an empty document
        msg = "no XML element"
        raise XMLRefusedError(msg)
    return builder.root


def without_leading_space(body: bytes) -> bytes:
    """``body`` without white space before its first markup (after a UTF-8 BOM)."""
    if body.startswith(UTF8_BOM):
        return UTF8_BOM + body[len(UTF8_BOM) :].lstrip(b" \t\r\n")
    return body.lstrip(b" \t\r\n")
