"""Read a parsed UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0) into an InvoiceDocument."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from invoicing.document.model import (
    Attachment,
    DocumentHeading,
    DocumentKind,
    InvoiceDocument,
    InvoiceLine,
    Party,
    PaymentDetails,
    VatBreakdown,
)

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOTS: dict[str, DocumentKind] = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "Invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "CreditNote",
}
NS = {"cbc": CBC, "cac": CAC}
_XSD_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")


class DocumentUnreadable(ValueError):
    """A mandatory part of the document is missing or unreadable; `element` says where."""

    def __init__(self, element: str, problem: str = "is missing") -> None:
        super().__init__(f"{element} {problem}")
        self.element = element
        self.problem = problem

    def __reduce__(self) -> tuple[type[DocumentUnreadable], tuple[str, str]]:
        # Rebuilt from its two parts when it crosses from a validation worker.
        return (DocumentUnreadable, (self.element, self.problem))


class _Node:
    """An element with the path that leads to it, so every complaint can say where."""

    def __init__(self, element: etree._Element, path: str) -> None:
        self.element = element
        self.path = path

    def child(self, step: str) -> _Node | None:
        found = self.element.find(step, NS)
        return None if found is None else _Node(found, f"{self.path}/{step}")

    def children(self, step: str) -> list[_Node]:
        found = self.element.findall(step, NS)
        return [_Node(e, f"{self.path}/{step}[{i}]") for i, e in enumerate(found, start=1)]

    def required(self, step: str) -> _Node:
        node = self.child(step)
        if node is None:
            raise DocumentUnreadable(f"{self.path}/{step}")
        return node

    def text(self, step: str) -> str | None:
        """The element's text on one line (pretty-printed XML wraps long names), None if empty."""
        found = self.element.find(step, NS)
        value = " ".join((found.text or "").split()) if found is not None else ""
        return value or None

    def paragraph(self, step: str) -> str | None:
        """The element's text with its line breaks kept (notes say "line breaks are respected")."""
        found = self.element.find(step, NS)
        return _paragraph(found.text) if found is not None else None

    def required_text(self, step: str) -> str:
        value = self.text(step)
        if value is None:
            raise DocumentUnreadable(f"{self.path}/{step}")
        return value

    def attribute(self, step: str, name: str) -> str | None:
        found = self.element.find(step, NS)
        value = (found.get(name) or "").strip() if found is not None else ""
        return value or None

    def amount(self, step: str) -> Decimal | None:
        value = self.text(step)
        return None if value is None else _decimal(value, f"{self.path}/{step}")

    def required_amount(self, step: str) -> Decimal:
        return _decimal(self.required_text(step), f"{self.path}/{step}")

    def day(self, step: str) -> date | None:
        value = self.text(step)
        return None if value is None else _date(value, f"{self.path}/{step}")


def read_heading(root: etree._Element) -> DocumentHeading:
    """The heading of a UBL Invoice or CreditNote, read (and so checked) as read_document
    reads the whole; DocumentUnreadable names what is missing."""
    document = read_document(root)
    return DocumentHeading(
        kind=document.kind,
        number=document.number,
        issue_date=document.issue_date,
        currency=document.currency,
        payable_amount=document.payable_amount,
        supplier=document.supplier,
        customer=document.customer,
    )


def read_document(root: etree._Element) -> InvoiceDocument:
    """The content of a UBL Invoice or CreditNote; DocumentUnreadable names what is missing."""
    tag = root.tag if isinstance(root.tag, str) else ""
    kind = ROOTS.get(tag)
    if kind is None:
        name = etree.QName(tag).localname if tag else "(no element)"
        raise DocumentUnreadable(f"/{name}", "is not a UBL 2.1 Invoice or CreditNote")
    doc = _Node(root, f"/{kind}")
    line_step, quantity_step = (
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
        if kind == "Invoice"
        else ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    )
    line_nodes = doc.children(line_step)
    if not line_nodes:
        raise DocumentUnreadable(f"/{kind}/{line_step}")
    totals = doc.required("cac:LegalMonetaryTotal")
    currency = doc.required_text("cbc:DocumentCurrencyCode")
    tax_total, vat = _taxes(doc, currency)
    return InvoiceDocument(
        kind=kind,
        number=doc.required_text("cbc:ID"),
        issue_date=_date(doc.required_text("cbc:IssueDate"), f"/{kind}/cbc:IssueDate"),
        due_date=doc.day("cbc:DueDate") or doc.day("cac:PaymentMeans/cbc:PaymentDueDate"),
        currency=currency,
        buyer_reference=doc.text("cbc:BuyerReference"),
        order_reference=doc.text("cac:OrderReference/cbc:ID"),
        notes=[text for n in doc.children("cbc:Note") if (text := _paragraph(n.element.text))],
        supplier=_party(doc.required("cac:AccountingSupplierParty").required("cac:Party")),
        customer=_party(doc.required("cac:AccountingCustomerParty").required("cac:Party")),
        lines=[_line(node, quantity_step) for node in line_nodes],
        vat=vat,
        tax_total=tax_total,
        line_total=totals.required_amount("cbc:LineExtensionAmount"),
        tax_exclusive=totals.required_amount("cbc:TaxExclusiveAmount"),
        tax_inclusive=totals.required_amount("cbc:TaxInclusiveAmount"),
        allowance_total=totals.amount("cbc:AllowanceTotalAmount"),
        charge_total=totals.amount("cbc:ChargeTotalAmount"),
        prepaid=totals.amount("cbc:PrepaidAmount"),
        payable_amount=totals.required_amount("cbc:PayableAmount"),
        payment=_payment(doc),
        attachments=[
            _attachment(node)
            for node in doc.children("cac:AdditionalDocumentReference")
            if node.child("cac:Attachment") is not None
        ],
    )


def _party(party: _Node) -> Party:
    # The legal name (BT-27/BT-44) is what the law asks for; the trading name stands in without it.
    name = party.text("cac:PartyLegalEntity/cbc:RegistrationName") or party.text(
        "cac:PartyName/cbc:Name"
    )
    if name is None:
        raise DocumentUnreadable(f"{party.path}/cac:PartyLegalEntity/cbc:RegistrationName")
    vat_ids = [
        scheme.text("cbc:CompanyID")
        for scheme in party.children("cac:PartyTaxScheme")
        if scheme.text("cac:TaxScheme/cbc:ID") == "VAT"
    ]
    return Party(
        name=name,
        endpoint_scheme=party.attribute("cbc:EndpointID", "schemeID"),
        endpoint_id=party.text("cbc:EndpointID"),
        vat_id=next((v for v in vat_ids if v), None),
        company_id=party.text("cac:PartyLegalEntity/cbc:CompanyID"),
        street=party.text("cac:PostalAddress/cbc:StreetName"),
        additional_street=party.text("cac:PostalAddress/cbc:AdditionalStreetName"),
        city=party.text("cac:PostalAddress/cbc:CityName"),
        postal_code=party.text("cac:PostalAddress/cbc:PostalZone"),
        country=party.text("cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
        contact_name=party.text("cac:Contact/cbc:Name"),
        contact_phone=party.text("cac:Contact/cbc:Telephone"),
        contact_email=party.text("cac:Contact/cbc:ElectronicMail"),
    )


def _line(line: _Node, quantity_step: str) -> InvoiceLine:
    item = line.required("cac:Item")
    return InvoiceLine(
        id=line.required_text("cbc:ID"),
        name=item.required_text("cbc:Name"),
        description=item.text("cbc:Description"),
        quantity=line.required_amount(quantity_step),
        unit_code=line.attribute(quantity_step, "unitCode"),
        unit_price=line.amount("cac:Price/cbc:PriceAmount"),
        line_amount=line.required_amount("cbc:LineExtensionAmount"),
        vat_category=item.text("cac:ClassifiedTaxCategory/cbc:ID"),
        vat_percent=item.amount("cac:ClassifiedTaxCategory/cbc:Percent"),
    )


def _taxes(doc: _Node, currency: str) -> tuple[Decimal | None, list[VatBreakdown]]:
    # A second TaxTotal may state the VAT in the tax currency (BT-111); ours is the document's.
    tax_totals = doc.children("cac:TaxTotal")
    own = [t for t in tax_totals if t.attribute("cbc:TaxAmount", "currencyID") in (currency, None)]
    chosen = own[0] if own else (tax_totals[0] if tax_totals else None)
    vat = [_vat(sub) for total in tax_totals for sub in total.children("cac:TaxSubtotal")]
    return (chosen.amount("cbc:TaxAmount") if chosen else None), vat


def _vat(subtotal: _Node) -> VatBreakdown:
    category = subtotal.required("cac:TaxCategory")
    return VatBreakdown(
        category=category.required_text("cbc:ID"),
        percent=category.amount("cbc:Percent"),
        taxable_amount=subtotal.required_amount("cbc:TaxableAmount"),
        tax_amount=subtotal.required_amount("cbc:TaxAmount"),
        exemption_reason=category.text("cbc:TaxExemptionReason")
        or category.text("cbc:TaxExemptionReasonCode"),
    )


def _payment(doc: _Node) -> PaymentDetails | None:
    means = doc.children("cac:PaymentMeans")
    # Several means may be offered (BG-16 repeats); the first with an account is the one to show.
    chosen = next(
        (m for m in means if m.child("cac:PayeeFinancialAccount") is not None),
        means[0] if means else None,
    )
    terms = doc.paragraph("cac:PaymentTerms/cbc:Note")
    if chosen is None and terms is None:
        return None
    if chosen is None:
        return PaymentDetails(terms=terms)
    return PaymentDetails(
        means_code=chosen.text("cbc:PaymentMeansCode"),
        iban=chosen.text("cac:PayeeFinancialAccount/cbc:ID"),
        bic=chosen.text("cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"),
        account_name=chosen.text("cac:PayeeFinancialAccount/cbc:Name"),
        payment_id=chosen.text("cbc:PaymentID")
        or next((p for m in means if (p := m.text("cbc:PaymentID"))), None),
        terms=terms,
    )


def _attachment(reference: _Node) -> Attachment:
    embedded = reference.child("cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
    content = None
    if embedded is not None:
        content = _base64(embedded.element.text or "")
    return Attachment(
        id=reference.text("cbc:ID"),
        description=reference.text("cbc:DocumentDescription"),
        filename=embedded.element.get("filename") if embedded is not None else None,
        mime_code=embedded.element.get("mimeCode") if embedded is not None else None,
        content=content,
        uri=reference.text("cac:Attachment/cac:ExternalReference/cbc:URI"),
    )


def _base64(text: str) -> bytes | None:
    # The XSD has already vetted base64Binary; anything still broken is shown as "no content"
    # rather than making the whole invoice unreadable for want of one attachment.
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _paragraph(text: str | None) -> str | None:
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    return "\n".join(lines).strip("\n") or None


def _decimal(value: str, where: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise DocumentUnreadable(where, f"is not a number: {value!r}") from None
    if not number.is_finite():
        raise DocumentUnreadable(where, f"is not a number: {value!r}")
    return number


def _date(value: str, where: str) -> date:
    # xsd:date may carry a time zone ("2024-03-01Z", "2024-03-01+01:00"); the day is what counts.
    match = _XSD_DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise DocumentUnreadable(where, f"is not a date (YYYY-MM-DD): {value!r}") from None
