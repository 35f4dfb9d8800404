"""Every official example invoice and credit note reads completely and renders to a readable PDF.

The examples live in the rules directory (../shared/einvoice, or EINVOICE_RULES_DIR); without it
these tests skip, saying so (or fail when REQUIRE_EINVOICE_RULES=1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from invoicing.document import pdf_for, read_document, render_pdf
from invoicing.document.wording import format_money

from .conftest import (
    missing_rules,
    official_example,
    official_examples,
    parse,
    pdf_page_count,
    pdf_pages,
    pdf_text,
)

EXAMPLES = official_examples()


@pytest.mark.parametrize("path", EXAMPLES or [None], ids=lambda p: p.name if p else "no-examples")
def test_an_official_example_reads_and_renders(path: Path | None) -> None:
    if path is None:
        missing_rules("no example invoices in the rules directory")
        return
    root = parse(path)
    document = read_document(root)

    assert document.kind == root.tag.split("}")[1]
    line_tag = "InvoiceLine" if document.kind == "Invoice" else "CreditNoteLine"
    assert len(document.lines) == len(root.findall(f"{{*}}{line_tag}"))
    # BR-CO-10: the sum of the line amounts is the line total; the reader lost no line.
    assert sum(line.line_amount for line in document.lines) == document.line_total
    assert document.supplier.name and document.customer.name
    text = pdf_text(render_pdf(document, "nl"))
    assert document.number in text
    assert format_money(document.payable_amount, document.currency, "nl") in text


def test_the_peppol_base_example_in_detail() -> None:
    document = read_document(
        parse(official_example("peppol-bis-3/rules/examples/base-example.xml"))
    )

    assert (document.kind, document.number, str(document.issue_date), str(document.due_date)) == (
        "Invoice",
        "Snippet1",
        "2017-11-13",
        "2017-12-01",
    )
    assert (document.supplier.name, document.supplier.vat_id, document.supplier.endpoint_id) == (
        "SupplierOfficialName Ltd",
        "GB1232434",
        "9482348239847239874",
    )
    assert (
        document.customer.name,
        document.customer.company_id,
        document.customer.contact_email,
    ) == ("Buyer Official Name", "39937423947", "lj@buyer.se")
    assert [
        (line.id, line.quantity, line.unit_code, line.line_amount) for line in document.lines
    ] == [("1", 7, "DAY", 2800), ("2", -3, "DAY", -1500)]
    assert (document.charge_total, document.tax_total, document.payable_amount) == (
        25,
        331.25,
        1656.25,
    )
    assert document.payment is not None and (document.payment.iban, document.payment.bic) == (
        "IBAN32423940",
        "BIC324098",
    )
    pages = pdf_pages(render_pdf(document, "nl"))
    assert len(pages) == 1
    for expected in (
        "Factuur Snippet1",
        "SupplierOfficialName Ltd",
        "Buyer Official Name",
        "Description of item",
        "Te betalen € 1.656,25",
        "IBAN IBAN32423940",
    ):
        assert expected in pages[0]


def test_the_peppol_credit_note_renders_as_a_credit_note() -> None:
    document = read_document(
        parse(official_example("peppol-bis-3/rules/examples/base-creditnote-correction.xml"))
    )

    assert document.kind == "CreditNote"
    assert "Creditnota Snippet1" in pdf_text(render_pdf(document, "nl"))


def test_the_max_content_invoice_keeps_its_csv_and_its_link_apart() -> None:
    document = read_document(
        parse(official_example("en16931/test/testfiles/Invoice-Max_content.xml"))
    )

    csv, link = document.attachments
    assert (csv.filename, csv.mime_code, csv.content) == (
        "testfilnamn.abc",
        "text/csv",
        b"\xd3]\xb7\xe3\x9e\xbb",
    )
    assert (link.content, link.uri) == (None, "http://www.example.com/index.html")
    assert document.notes == ["Document level Note\nLine break should be respected here."]
    choice = pdf_for(document, "if_missing", merge_attachments=True)
    assert (choice.source, choice.merged_attachments) == ("rendered", 0)
    assert choice.separate_attachments == [csv, link]


def test_an_example_whose_pdf_attachment_is_no_pdf_gets_a_rendering() -> None:
    document = read_document(parse(official_example("en16931/ubl/examples/ubl-tc434-example5.xml")))

    choice = pdf_for(document, "if_missing", merge_attachments=True)

    assert choice.source == "rendered"
    assert [a.filename for a in choice.separate_attachments] == ["EHF.pdf"]


def test_an_example_carrying_a_real_pdf_merges_onto_a_rendering() -> None:
    document = read_document(
        parse(
            official_example(
                "en16931/ubl/examples/FT G2G_TD01 con Allegato, Bonifico e Split Payment.xml"
            )
        )
    )
    carried = pdf_for(document, "never", merge_attachments=False)
    assert carried.source == "carried" and carried.pdf is not None
    carried_pages = pdf_page_count(carried.pdf)

    rendered = pdf_for(document, "always", merge_attachments=True)

    assert rendered.pdf is not None
    assert (rendered.source, rendered.merged_attachments) == ("rendered", 1)
    assert pdf_page_count(rendered.pdf) == 1 + carried_pages
