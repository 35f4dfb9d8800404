"""UBL 2.1 XSD validation with lxml, reported as UBL-XSD findings."""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from invoicing.validation.findings import SCHEMA_RULE, Finding
from invoicing.validation.schematron import LOCATION_PREFIXES


class UblSchemas:
    """The Invoice and CreditNote schemas, loaded once per thread that uses them.

    An lxml XMLSchema keeps the error log of its last run on the object and validates with
    the GIL released, so one instance shared by threads could mix two documents' errors.
    """

    def __init__(self, paths: dict[str, Path]) -> None:
        self._paths = paths
        self._local = threading.local()
        self._for_this_thread()  # load (and fail) now, not on the first document

    def _for_this_thread(self) -> dict[str, etree.XMLSchema]:
        schemas: dict[str, etree.XMLSchema] | None = getattr(self._local, "schemas", None)
        if schemas is None:
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            schemas = {
                document_type: etree.XMLSchema(etree.parse(str(path), parser))
                for document_type, path in self._paths.items()
            }
            self._local.schemas = schemas
        return schemas

    def schema(self, document_type: str) -> etree.XMLSchema:
        """This thread's XMLSchema of Invoice or CreditNote."""
        return self._for_this_thread()[document_type]

    def check(self, root: etree._Element, document_type: str) -> list[Finding]:
        """Every XSD error of the document, as fatal UBL-XSD findings."""
        schema = self.schema(document_type)
        if schema.validate(root):
            return []
        return [
            Finding(
                rule=SCHEMA_RULE,
                severity="fatal",
                message=_readable(error.message),
                location=_location(root, error.path),
            )
            for error in schema.error_log
        ]


def _readable(message: str) -> str:
    for uri, prefix in LOCATION_PREFIXES.items():
        message = message.replace(f"{{{uri}}}", f"{prefix}:")
    return message


def _location(root: etree._Element, path: str | None) -> str | None:
    """libxml2's path uses the document's own prefixes and /* for the default namespace;
    find the node and write its location the way the Schematron findings do."""
    if not path:
        return None
    namespaces = {p: uri for e in root.iter() for p, uri in e.nsmap.items() if p}
    try:
        nodes = root.getroottree().xpath(path, namespaces=namespaces)
    except etree.XPathError:
        return path
    if isinstance(nodes, list) and len(nodes) == 1 and isinstance(nodes[0], etree._Element):
        return location_of(nodes[0])
    return path


def location_of(element: etree._Element) -> str:
    """/ubl:Invoice/cac:InvoiceLine[2]/cbc:ID: UBL prefixes, a position only among namesakes."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        qname = etree.QName(node)
        prefix = LOCATION_PREFIXES.get(qname.namespace or "")
        name = (
            f"{prefix}:{qname.localname}"
            if prefix
            else (qname.localname if not qname.namespace else f"*:{qname.localname}")
        )
        parent = node.getparent()
        if parent is not None:
            namesakes = [s for s in parent if s.tag == node.tag]
            if len(namesakes) > 1:
                name += f"[{namesakes.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))
