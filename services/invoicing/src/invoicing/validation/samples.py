"""Large documents for load: an official example grown to N lines, totals still adding up."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CENT = Decimal("0.01")


def invoice_with_lines(example: bytes, lines: int) -> bytes:
    """The example (an invoice with one VAT category, like the Peppol base example) with
    its lines repeated in turn up to `lines`, renumbered, and every total and the VAT
    breakdown recomputed, so the document stays valid."""
    root = etree.fromstring(example, etree.XMLParser(no_network=True, resolve_entities=False))
    originals = root.findall(f"{{{CAC}}}InvoiceLine")
    if not originals:
        raise ValueError("the example has no InvoiceLine to repeat")
    for line in originals:
        root.remove(line)
    line_total = Decimal(0)
    for number in range(1, lines + 1):
        line = copy.deepcopy(originals[(number - 1) % len(originals)])
        _child(line, CBC, "ID").text = str(number)
        line_total += Decimal(_child(line, CBC, "LineExtensionAmount").text or "0")
        root.append(line)
    _retotal(root, line_total)
    grown: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return grown


def _retotal(root: etree._Element, line_total: Decimal) -> None:
    subtotals = root.findall(f"{{{CAC}}}TaxTotal/{{{CAC}}}TaxSubtotal")
    if len(subtotals) != 1:
        raise ValueError("only an example with a single VAT category can be grown")
    totals = _child(root, CAC, "LegalMonetaryTotal")
    allowances = _amount(totals, "AllowanceTotalAmount")
    charges = _amount(totals, "ChargeTotalAmount")
    prepaid = _amount(totals, "PrepaidAmount")
    rounding = _amount(totals, "PayableRoundingAmount")
    taxable = line_total - allowances + charges
    rate = Decimal(_child(_child(subtotals[0], CAC, "TaxCategory"), CBC, "Percent").text or "0")
    tax = (taxable * rate / 100).quantize(CENT, ROUND_HALF_UP)
    _child(subtotals[0], CBC, "TaxableAmount").text = str(taxable)
    _child(subtotals[0], CBC, "TaxAmount").text = str(tax)
    _child(_child(root, CAC, "TaxTotal"), CBC, "TaxAmount").text = str(tax)
    _child(totals, CBC, "LineExtensionAmount").text = str(line_total)
    _child(totals, CBC, "TaxExclusiveAmount").text = str(taxable)
    _child(totals, CBC, "TaxInclusiveAmount").text = str(taxable + tax)
    _child(totals, CBC, "PayableAmount").text = str(taxable + tax - prepaid + rounding)


def _child(parent: etree._Element, namespace: str, name: str) -> etree._Element:
    found = parent.find(f"{{{namespace}}}{name}")
    if found is None:
        raise ValueError(f"the example has no {name} under {etree.QName(parent).localname}")
    return found


def _amount(totals: etree._Element, name: str) -> Decimal:
    found = totals.find(f"{{{CBC}}}{name}")
    return Decimal(found.text or "0") if found is not None else Decimal(0)
