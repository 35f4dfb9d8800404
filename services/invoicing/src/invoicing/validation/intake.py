"""Safe XML intake: refuse anything but a plain UBL Invoice or CreditNote before any rule runs.

No DTD at all (any DOCTYPE is refused before its internal subset is even read), no entities,
no network, no file reads, no XInclude. A first pass reads only the prolog and the root's
start tag (a parser target that stops there), so an attack in a DOCTYPE costs microseconds and
nothing behind it is ever resolved; the full parse then runs with every resolving feature off
as a second line of defence.
"""

from __future__ import annotations

from lxml import etree

from invoicing.validation.findings import DocumentType

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
UBL_ROOTS: dict[str, DocumentType] = {
    f"{{{INVOICE_NS}}}Invoice": "Invoice",
    f"{{{CREDIT_NOTE_NS}}}CreditNote": "CreditNote",
}
XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
PROLOG_CHUNK = 16 * 1024


class DocumentRefused(Exception):
    """The document was refused before validation: `status` (413 too large, 422 otherwise; a
    415 for a wrong media type is the HTTP layer's call, it sees the Content-Type), a named
    `reason` (too-large, dtd-forbidden, entity-forbidden, xinclude-forbidden,
    limit-exceeded, not-well-formed, not-ubl-invoice) and a `detail` sentence for the sender."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.status = status
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[DocumentRefused], tuple[int, str, str]]:
        # Rebuilt from its three parts when it crosses from a worker process.
        return (DocumentRefused, (self.status, self.reason, self.detail))


class _DoctypeSeen(Exception):
    def __init__(self, system_url: str | None) -> None:
        super().__init__(system_url)
        self.system_url = system_url


class _RootSeen(Exception):
    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.tag = tag


class _PrologGuard:
    """lxml parser target that stops at the DOCTYPE (before its internal subset is parsed)
    or at the root element's start tag, whichever comes first."""

    def doctype(self, name: str, public_id: str | None, system_url: str | None) -> None:
        raise _DoctypeSeen(system_url)

    def start(self, tag: str, attrib: object) -> None:
        raise _RootSeen(tag)

    def end(self, tag: str) -> None:  # never reached: start() stops the parse
        """Required by the target protocol."""

    def data(self, data: str) -> None:
        """Required by the target protocol."""

    def close(self) -> None:
        """Required by the target protocol."""


def _parser(**options: object) -> etree.XMLParser:
    # A parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        **options,
    )


def refuse_what_tries_something(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """The cheap part of parse_safely: too large, or a DOCTYPE (entities, external DTDs) in
    front of the root, read only up to the root's start tag. Callers run it before they wait
    for anything (a validator still warming up), so an attack is refused at once."""
    _check_size(data, max_bytes)
    _check_prolog(data)


def parse_safely(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse an untrusted UBL document, or raise DocumentRefused saying why not."""
    _check_size(data, max_bytes)
    root_tag = _check_prolog(data)
    try:
        root = etree.fromstring(data, _parser(remove_blank_text=False))
    except etree.XMLSyntaxError as error:
        # Broken XML is that first, whatever its root ("<Invoice" is no invoice without a
        # namespace either, but the sender's mistake is the missing ">").
        raise _syntax_refusal(error) from None
    if root_tag not in UBL_ROOTS:
        raise _not_ubl(root_tag)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _dtd_refusal(data, None)  # unreachable after the prolog pass; kept as a guard
    if next(root.iter(f"{{{XINCLUDE_NS}}}*"), None) is not None:
        raise DocumentRefused(
            422, "xinclude-forbidden", "XInclude elements are not accepted; send one document."
        )
    return root


def _check_size(data: bytes, max_bytes: int) -> None:
    if not data.strip():
        raise DocumentRefused(
            422,
            "not-well-formed",
            "The body is empty: send the UBL Invoice or CreditNote as XML.",
        )
    if len(data) > max_bytes:
        raise DocumentRefused(
            413, "too-large", f"The document is {len(data)} bytes; at most {max_bytes} are taken."
        )


def _check_prolog(data: bytes) -> str:
    """The root element's tag, having refused any DOCTYPE in front of it."""
    # Fed in chunks so the pass ends at the root's start tag; one fromstring() call would
    # still walk the whole buffer after the target stopped it.
    guard = _parser(target=_PrologGuard())
    try:
        for start in range(0, len(data), PROLOG_CHUNK):
            guard.feed(data[start : start + PROLOG_CHUNK])
        guard.close()
    except _DoctypeSeen as seen:
        raise _dtd_refusal(data, seen.system_url) from None
    except _RootSeen as seen:
        return seen.tag
    except etree.XMLSyntaxError as error:
        raise _syntax_refusal(error) from None
    raise DocumentRefused(422, "not-well-formed", "The document has no root element.")


def _mentions(data: bytes, text: str) -> bool:
    return any(text.encode(codec) in data for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def _dtd_refusal(data: bytes, system_url: str | None) -> DocumentRefused:
    if _mentions(data, "<!ENTITY"):
        return DocumentRefused(
            422,
            "entity-forbidden",
            "The document declares entities in a DOCTYPE; entities are not accepted "
            "(send plain UBL without a DOCTYPE).",
        )
    where = f" (external DTD {system_url!r}, not fetched)" if system_url else ""
    return DocumentRefused(
        422, "dtd-forbidden", f"The document has a DOCTYPE{where}; UBL documents carry none."
    )


def _syntax_refusal(error: etree.XMLSyntaxError) -> DocumentRefused:
    message = str(error.msg or error)
    if "Text node too long" in message:
        return DocumentRefused(
            413, "too-large", f"A text node (an embedded attachment?) is too long: {message}"
        )
    if "XML_PARSE_HUGE" in message:  # libxml2's other safety limits, e.g. nesting depth
        return DocumentRefused(422, "limit-exceeded", f"The document exceeds a limit: {message}")
    if "ntity" in message:  # "Entity 'x' not defined", "Detected an entity reference loop"
        return DocumentRefused(
            422, "entity-forbidden", f"The document uses an entity reference: {message}"
        )
    return DocumentRefused(
        422, "not-well-formed", f"The document is not well-formed XML: {message}"
    )


def _not_ubl(tag: str) -> DocumentRefused:
    return DocumentRefused(
        422,
        "not-ubl-invoice",
        f"The root element is {tag}; expected a UBL 2.1 Invoice ({{{INVOICE_NS}}}Invoice) "
        f"or CreditNote ({{{CREDIT_NOTE_NS}}}CreditNote).",
    )


def document_type_of(root: etree._Element) -> DocumentType:
    """Invoice or CreditNote, for a root that parse_safely accepted."""
    try:
        return UBL_ROOTS[root.tag]
    except KeyError:
        raise _not_ubl(str(root.tag)) from None
