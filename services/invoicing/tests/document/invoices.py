"""Small UBL invoices and credit notes built in code, so these tests never need the official files."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from fpdf import FPDF
from lxml import etree
from lxml.builder import ElementMaker

CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOT_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
NSMAP = {"cbc": CBC_NS, "cac": CAC_NS}
cbc = ElementMaker(namespace=CBC_NS, nsmap=NSMAP)
cac = ElementMaker(namespace=CAC_NS, nsmap=NSMAP)


@dataclass(frozen=True)
class Line:
    """An invoice line as a test wants it."""

    name: str
    quantity: Decimal
    price: Decimal
    unit: str = "HUR"
    vat_percent: Decimal = Decimal(21)
    description: str | None = None

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.price).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class EmbeddedFile:
    """An attachment: embedded bytes, or only an external URI."""

    id: str
    content: bytes | None = None
    mime_code: str | None = "application/pdf"
    filename: str | None = None
    description: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class Sample:
    """The facts of a small Dutch invoice between two organisations."""

    kind: str = "Invoice"
    number: str = "F2024-0042"
    issue_date: date = date(2024, 3, 1)
    due_date: date | None = date(2024, 3, 31)
    supplier_name: str = "Bakkerij Één & Zonen B.V."
    customer_name: str = "Café \u2019t Hoekje V.O.F."
    lines: tuple[Line, ...] = (
        Line(
            "Advieswerk maart",
            Decimal(10),
            Decimal("95.00"),
            description="Eénmalig, incl. reiskosten",
        ),
        Line("Croissants", Decimal(24), Decimal("1.25"), unit="C62", vat_percent=Decimal(9)),
    )
    attachments: tuple[EmbeddedFile, ...] = ()
    notes: tuple[str, ...] = ("Bedankt voor uw bestelling.",)
    iban: str | None = "NL91ABNA0417164300"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def line_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    def vat_groups(self) -> dict[Decimal, Decimal]:
        groups: dict[Decimal, Decimal] = {}
        for line in self.lines:
            groups[line.vat_percent] = groups.get(line.vat_percent, Decimal(0)) + line.amount
        return groups

    @property
    def tax_total(self) -> Decimal:
        return sum(
            (
                (base * rate / 100).quantize(Decimal("0.01"))
                for rate, base in self.vat_groups().items()
            ),
            Decimal(0),
        )

    @property
    def payable(self) -> Decimal:
        return self.line_total + self.tax_total


def money(value: Decimal, tag: str) -> etree._Element:
    return getattr(cbc, tag)(f"{value:.2f}", currencyID="EUR")


def party(name: str, endpoint: str, vat_id: str, kvk: str, city: str) -> etree._Element:
    return cac.Party(
        cbc.EndpointID(endpoint, schemeID="0106"),
        cac.PartyName(cbc.Name(name)),
        cac.PostalAddress(
            cbc.StreetName("Damrak 1"),
            cbc.CityName(city),
            cbc.PostalZone("1012 LG"),
            cac.Country(cbc.IdentificationCode("NL")),
        ),
        cac.PartyTaxScheme(cbc.CompanyID(vat_id), cac.TaxScheme(cbc.ID("VAT"))),
        cac.PartyLegalEntity(cbc.RegistrationName(name), cbc.CompanyID(kvk, schemeID="0106")),
        cac.Contact(cbc.Name("J. de Vries"), cbc.ElectronicMail("factuur@example.nl")),
    )


def tax_category(tag: str, percent: Decimal) -> etree._Element:
    return getattr(cac, tag)(cbc.ID("S"), cbc.Percent(str(percent)), cac.TaxScheme(cbc.ID("VAT")))


def build(sample: Sample = Sample()) -> etree._Element:
    """The sample as a UBL 2.1 Invoice or CreditNote element tree."""
    credit = sample.kind == "CreditNote"
    root = etree.Element(
        f"{{{ROOT_NS[sample.kind]}}}{sample.kind}", nsmap={None: ROOT_NS[sample.kind], **NSMAP}
    )
    root.append(
        cbc.CustomizationID(
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
        )
    )
    root.append(cbc.ProfileID("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"))
    root.append(cbc.ID(sample.number))
    root.append(cbc.IssueDate(sample.issue_date.isoformat()))
    if sample.due_date and not credit:
        root.append(cbc.DueDate(sample.due_date.isoformat()))
    root.append(cbc.CreditNoteTypeCode("381") if credit else cbc.InvoiceTypeCode("380"))
    for note in sample.notes:
        root.append(cbc.Note(note))
    root.append(cbc.DocumentCurrencyCode("EUR"))
    root.append(cbc.BuyerReference("PO-7781"))
    root.append(cac.OrderReference(cbc.ID("ORD-2024-17")))
    for file in sample.attachments:
        attachment = cac.Attachment()
        if file.content is not None:
            attributes = {
                k: v for k, v in (("mimeCode", file.mime_code), ("filename", file.filename)) if v
            }
            attachment.append(
                cbc.EmbeddedDocumentBinaryObject(
                    base64.b64encode(file.content).decode(), **attributes
                )
            )
        if file.uri is not None:
            attachment.append(cac.ExternalReference(cbc.URI(file.uri)))
        reference = cac.AdditionalDocumentReference(cbc.ID(file.id))
        if file.description:
            reference.append(cbc.DocumentDescription(file.description))
        reference.append(attachment)
        root.append(reference)
    root.append(
        cac.AccountingSupplierParty(
            party(sample.supplier_name, "12345678", "NL123456789B01", "12345678", "Amsterdam")
        )
    )
    root.append(
        cac.AccountingCustomerParty(
            party(sample.customer_name, "87654321", "NL987654321B01", "87654321", "Utrecht")
        )
    )
    means = cac.PaymentMeans(cbc.PaymentMeansCode("58"))
    if credit and sample.due_date:
        means.append(cbc.PaymentDueDate(sample.due_date.isoformat()))
    means.append(cbc.PaymentID(f"Factuur {sample.number}"))
    if sample.iban:
        means.append(
            cac.PayeeFinancialAccount(
                cbc.ID(sample.iban),
                cbc.Name("Bakkerij Één"),
                cac.FinancialInstitutionBranch(cbc.ID("ABNANL2A")),
            )
        )
    root.append(means)
    root.append(cac.PaymentTerms(cbc.Note("Betaling binnen 30 dagen")))
    tax_total = cac.TaxTotal(money(sample.tax_total, "TaxAmount"))
    for rate, base in sample.vat_groups().items():
        tax_total.append(
            cac.TaxSubtotal(
                money(base, "TaxableAmount"),
                money((base * rate / 100).quantize(Decimal("0.01")), "TaxAmount"),
                tax_category("TaxCategory", rate),
            )
        )
    root.append(tax_total)
    root.append(
        cac.LegalMonetaryTotal(
            money(sample.line_total, "LineExtensionAmount"),
            money(sample.line_total, "TaxExclusiveAmount"),
            money(sample.payable, "TaxInclusiveAmount"),
            money(sample.payable, "PayableAmount"),
        )
    )
    line_tag, quantity_tag = (
        ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    )
    for number, line in enumerate(sample.lines, start=1):
        item = cac.Item()
        if line.description:
            item.append(cbc.Description(line.description))
        item.append(cbc.Name(line.name))
        item.append(tax_category("ClassifiedTaxCategory", line.vat_percent))
        root.append(
            getattr(cac, line_tag)(
                cbc.ID(str(number)),
                getattr(cbc, quantity_tag)(str(line.quantity), unitCode=line.unit),
                money(line.amount, "LineExtensionAmount"),
                item,
                cac.Price(cbc.PriceAmount(str(line.price), currencyID="EUR")),
            )
        )
    return root


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def remove(root: etree._Element, path: str) -> etree._Element:
    """The tree without the first element at `path` (cbc:/cac: prefixes)."""
    found = root.find(path, NSMAP)
    assert found is not None, path
    found.getparent().remove(found)
    return root


def many_lines(count: int) -> tuple[Line, ...]:
    """`count` lines with varied names, some long enough to wrap."""
    return tuple(
        Line(
            f"Artikel {n:04d} \u2013 {'extra lange omschrijving ' * (n % 5)}".strip(),
            Decimal(n % 7 + 1),
            Decimal("12.50"),
            unit="C62",
        )
        for n in range(1, count + 1)
    )


def attachment_pdf(pages: int, label: str = "Bijlage") -> bytes:
    """A PDF as another program would attach it: `pages` pages saying "<label> page n"."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=14)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"{label} page {number}")
    return bytes(pdf.output())
