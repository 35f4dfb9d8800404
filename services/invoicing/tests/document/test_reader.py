"""Reading a UBL invoice or credit note gives what a person sees on it, and names what is missing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from invoicing.document import DocumentUnreadable, InvoiceDocument, read_document
from lxml import etree

from .conftest import parse
from .invoices import EmbeddedFile, Line, Sample, build, remove, to_bytes


def test_an_invoice_reads_as_its_parties_lines_vat_totals_and_payment() -> None:
    document = read_document(parse(to_bytes(build())))

    assert document.kind == "Invoice"
    assert (document.number, document.issue_date, document.due_date) == (
        "F2024-0042",
        date(2024, 3, 1),
        date(2024, 3, 31),
    )
    assert (document.currency, document.buyer_reference, document.order_reference) == (
        "EUR",
        "PO-7781",
        "ORD-2024-17",
    )
    assert document.notes == ["Bedankt voor uw bestelling."]
    supplier = document.supplier
    assert supplier.name == "Bakkerij Één & Zonen B.V."
    assert (supplier.endpoint_scheme, supplier.endpoint_id) == ("0106", "12345678")
    assert (supplier.vat_id, supplier.company_id) == ("NL123456789B01", "12345678")
    assert (supplier.street, supplier.city, supplier.postal_code, supplier.country) == (
        "Damrak 1",
        "Amsterdam",
        "1012 LG",
        "NL",
    )
    assert (supplier.contact_name, supplier.contact_email) == ("J. de Vries", "factuur@example.nl")
    assert document.customer.name == "Café \u2019t Hoekje V.O.F."
    first, second = document.lines
    assert (first.id, first.name, first.description) == (
        "1",
        "Advieswerk maart",
        "Eénmalig, incl. reiskosten",
    )
    assert (first.quantity, first.unit_code, first.unit_price, first.line_amount) == (
        10,
        "HUR",
        Decimal("95.00"),
        Decimal("950.00"),
    )
    assert (first.vat_category, first.vat_percent) == ("S", 21)
    assert (second.quantity, second.unit_code, second.line_amount, second.vat_percent) == (
        24,
        "C62",
        Decimal("30.00"),
        9,
    )
    assert [(v.category, v.percent, v.taxable_amount, v.tax_amount) for v in document.vat] == [
        ("S", 21, Decimal("950.00"), Decimal("199.50")),
        ("S", 9, Decimal("30.00"), Decimal("2.70")),
    ]
    assert (document.line_total, document.tax_exclusive, document.tax_total) == (
        Decimal("980.00"),
        Decimal("980.00"),
        Decimal("202.20"),
    )
    assert (document.tax_inclusive, document.payable_amount) == (
        Decimal("1182.20"),
        Decimal("1182.20"),
    )
    assert (document.allowance_total, document.charge_total, document.prepaid) == (None, None, None)
    assert document.payment is not None
    assert (document.payment.means_code, document.payment.iban, document.payment.bic) == (
        "58",
        "NL91ABNA0417164300",
        "ABNANL2A",
    )
    assert (document.payment.account_name, document.payment.payment_id) == (
        "Bakkerij Één",
        "Factuur F2024-0042",
    )
    assert document.payment.terms == "Betaling binnen 30 dagen"
    assert document.attachments == []


def test_a_credit_note_reads_its_credited_quantities_and_the_due_date_from_payment_means() -> None:
    document = read_document(parse(to_bytes(build(Sample(kind="CreditNote", number="CN-7")))))

    assert (document.kind, document.number) == ("CreditNote", "CN-7")
    assert document.due_date == date(2024, 3, 31)
    assert [line.quantity for line in document.lines] == [10, 24]
    assert document.payable_amount == Decimal("1182.20")


def test_embedded_attachments_are_decoded_and_external_ones_are_only_referenced() -> None:
    pdf = b"%PDF-1.4 not really"
    sample = Sample(
        attachments=(
            EmbeddedFile("Factuur", pdf, filename="factuur.pdf", description="Factuurbeeld"),
            EmbeddedFile(
                "Urenstaat", b"uur;aantal\nma;8\n", mime_code="text/csv", filename="uren.csv"
            ),
            EmbeddedFile(
                "Contract", None, mime_code=None, uri="https://example.invalid/contract.pdf"
            ),
        )
    )
    document = read_document(parse(to_bytes(build(sample))))

    invoice_pdf, timesheet, contract = document.attachments
    assert (
        invoice_pdf.id,
        invoice_pdf.description,
        invoice_pdf.filename,
        invoice_pdf.mime_code,
    ) == ("Factuur", "Factuurbeeld", "factuur.pdf", "application/pdf")
    assert invoice_pdf.content == pdf
    assert (timesheet.mime_code, timesheet.content) == ("text/csv", b"uur;aantal\nma;8\n")
    assert (contract.content, contract.uri) == (None, "https://example.invalid/contract.pdf")


def test_references_without_an_attachment_are_not_attachments() -> None:
    root = build()
    reference = etree.SubElement(
        root,
        "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}AdditionalDocumentReference",
    )
    etree.SubElement(
        reference, "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID"
    ).text = "ABC123"

    assert read_document(root).attachments == []


def test_the_vat_in_the_tax_currency_does_not_replace_the_vat_in_the_document_currency() -> None:
    root = build()
    tax_total = root.find("{*}TaxTotal")
    assert tax_total is not None
    other = etree.Element(tax_total.tag)
    etree.SubElement(
        other,
        "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}TaxAmount",
        currencyID="SEK",
    ).text = "2300.00"
    root.insert(0, other)  # even when it comes first

    assert read_document(root).tax_total == Decimal("202.20")


def test_a_legal_name_split_over_lines_reads_as_one_line_and_notes_keep_their_line_breaks() -> None:
    sample = Sample(supplier_name="Bakkerij\n        Één", notes=("Regel één\n    Regel twee",))
    document = read_document(parse(to_bytes(build(sample))))

    assert document.supplier.name == "Bakkerij Één"
    assert document.notes == ["Regel één\nRegel twee"]


@pytest.mark.parametrize(
    ("path", "element"),
    [
        ("cbc:ID", "/Invoice/cbc:ID"),
        ("cbc:IssueDate", "/Invoice/cbc:IssueDate"),
        ("cbc:DocumentCurrencyCode", "/Invoice/cbc:DocumentCurrencyCode"),
        ("cac:AccountingSupplierParty", "/Invoice/cac:AccountingSupplierParty"),
        (
            "cac:LegalMonetaryTotal/cbc:PayableAmount",
            "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        ),
        (
            "cac:InvoiceLine/cbc:InvoicedQuantity",
            "/Invoice/cac:InvoiceLine[1]/cbc:InvoicedQuantity",
        ),
        ("cac:InvoiceLine/cac:Item/cbc:Name", "/Invoice/cac:InvoiceLine[1]/cac:Item/cbc:Name"),
        (
            "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount",
            "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[1]/cbc:TaxableAmount",
        ),
    ],
)
def test_a_missing_mandatory_part_is_named(path: str, element: str) -> None:
    with pytest.raises(DocumentUnreadable) as raised:
        read_document(remove(build(), path))

    assert raised.value.element == element
    assert str(raised.value) == f"{element} is missing"
    assert isinstance(raised.value, ValueError)


def test_a_party_without_any_name_is_named() -> None:
    root = remove(
        build(), "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
    )
    remove(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyName")

    with pytest.raises(
        DocumentUnreadable,
        match=r"/Invoice/cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName is missing",
    ):
        read_document(root)


def test_the_trading_name_stands_in_for_a_missing_legal_name() -> None:
    root = remove(
        build(), "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
    )

    assert read_document(root).supplier.name == "Bakkerij Één & Zonen B.V."


def test_a_document_without_lines_is_unreadable() -> None:
    with pytest.raises(DocumentUnreadable, match=r"^/CreditNote/cac:CreditNoteLine is missing$"):
        read_document(build(Sample(kind="CreditNote", lines=())))


def test_numbers_and_dates_that_are_not_are_named_with_their_value() -> None:
    root = build()
    payable = root.find("{*}LegalMonetaryTotal/{*}PayableAmount")
    issue_date = root.find("{*}IssueDate")
    assert payable is not None and issue_date is not None
    payable.text = "12,50"
    with pytest.raises(DocumentUnreadable, match=r"PayableAmount is not a number: '12,50'"):
        read_document(root)
    payable.text = "NaN"
    with pytest.raises(DocumentUnreadable, match=r"is not a number: 'NaN'"):
        read_document(root)
    payable.text = "12.50"
    issue_date.text = "01-03-2024"
    with pytest.raises(DocumentUnreadable, match=r"/Invoice/cbc:IssueDate is not a date"):
        read_document(root)
    issue_date.text = "2024-03-01+01:00"
    assert read_document(root).issue_date == date(2024, 3, 1)


def test_only_a_ubl_invoice_or_credit_note_is_read() -> None:
    with pytest.raises(
        DocumentUnreadable, match=r"^/Order is not a UBL 2.1 Invoice or CreditNote$"
    ):
        read_document(
            etree.fromstring(
                b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>"
            )
        )
    with pytest.raises(DocumentUnreadable, match=r"is not a UBL 2\.1 Invoice"):
        read_document(etree.fromstring(b"<Invoice/>"))  # the right name in no namespace


def test_the_document_survives_a_trip_through_json() -> None:
    sample = Sample(attachments=(EmbeddedFile("Bijlage", b"\x00\xff%PDF", filename="b.pdf"),))
    document = read_document(parse(to_bytes(build(sample))))

    assert InvoiceDocument.model_validate_json(document.model_dump_json()) == document


# Text an XML document can carry (no control characters or surrogates), with something in it.
xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=60,
).filter(lambda text: text.strip() != "")
amounts = st.decimals(min_value=Decimal("-99999.99"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(xml_text, min_size=1, max_size=8),
    quantities=st.lists(
        st.decimals(min_value=Decimal(-1000), max_value=Decimal(1000), places=3),
        min_size=8,
        max_size=8,
    ),
    price=amounts,
    supplier=xml_text,
    kind=st.sampled_from(["Invoice", "CreditNote"]),
)
def test_any_lines_and_names_read_back_as_written(
    names: list[str], quantities: list[Decimal], price: Decimal, supplier: str, kind: str
) -> None:
    lines = tuple(
        Line(name, quantity, price) for name, quantity in zip(names, quantities, strict=False)
    )
    sample = replace(Sample(), kind=kind, supplier_name=supplier, lines=lines)
    document = read_document(parse(to_bytes(build(sample))))

    assert document.kind == kind
    assert document.supplier.name == " ".join(supplier.split())
    assert [line.name for line in document.lines] == [" ".join(name.split()) for name in names]
    assert [line.quantity for line in document.lines] == [line.quantity for line in lines]
    assert [line.line_amount for line in document.lines] == [line.amount for line in lines]
    assert document.payable_amount == sample.payable
