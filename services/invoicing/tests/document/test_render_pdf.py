"""The rendered PDF shows a person the whole invoice, in Dutch or English, however long it is."""

from __future__ import annotations

import io
from decimal import Decimal

from invoicing.document import read_document, render_pdf
from invoicing.document.layout import printable
from invoicing.document.wording import format_money
from pypdf import PdfReader

from .conftest import pdf_pages, pdf_text
from .invoices import EmbeddedFile, Line, Sample, build, many_lines


def test_a_dutch_rendering_shows_title_parties_lines_vat_totals_and_payment() -> None:
    sample = Sample(
        attachments=(
            EmbeddedFile("Urenstaat", b"uur;aantal", mime_code="text/csv", filename="uren.csv"),
        )
    )
    text = pdf_text(render_pdf(read_document(build(sample)), "nl"))

    assert "Factuur F2024-0042" in text
    assert "Factuurdatum 1 maart 2024" in text
    assert "Vervaldatum 31 maart 2024" in text
    assert "Uw referentie PO-7781" in text
    assert "Bakkerij Één & Zonen B.V." in text
    assert "Café \u2019t Hoekje V.O.F." in text
    assert "Btw-nummer: NL123456789B01" in text
    assert "KvK/registratienr.: 12345678" in text
    assert "Damrak 1" in text and "1012 LG Amsterdam" in text
    assert "Advieswerk maart" in text and "Eénmalig, incl. reiskosten" in text
    assert "Omschrijving" in text and "Bedrag (EUR)" in text
    assert "950,00" in text and "95,00" in text and "21%" in text
    assert "Standaardtarief" in text and "€ 199,50" in text
    assert "Totaal excl. btw € 980,00" in text
    assert "Te betalen € 1.182,20" in text
    assert "IBAN NL91ABNA0417164300" in text
    assert "BIC ABNANL2A" in text
    assert "Betalingskenmerk Factuur F2024-0042" in text
    assert "Betaling binnen 30 dagen" in text
    assert "Bedankt voor uw bestelling." in text
    assert "uren.csv" in text and "text/csv" in text
    assert "pagina 1 van 1" in text


def test_an_english_rendering_of_a_credit_note() -> None:
    document = read_document(build(Sample(kind="CreditNote", number="CN-7")))
    text = pdf_text(render_pdf(document, "en"))

    assert "Credit note CN-7" in text
    assert "Issue date 1 March 2024" in text
    assert "Description" in text and "Amount (EUR)" in text
    assert "Amount to be credited €1,182.20" in text
    assert "IBAN NL91ABNA0417164300" in text
    assert "page 1 of 1" in text


def test_the_pdf_says_what_it_is_in_its_properties() -> None:
    info = PdfReader(io.BytesIO(render_pdf(read_document(build()), "nl"))).metadata

    assert info is not None
    assert info.title == "Factuur F2024-0042"
    assert info.author == "Bakkerij Één & Zonen B.V."


def test_a_thousand_lines_run_over_many_pages_each_with_the_table_header() -> None:
    document = read_document(build(Sample(lines=many_lines(1000))))
    pages = pdf_pages(render_pdf(document, "nl"))

    assert len(pages) >= 12
    table_pages = [page for page in pages if "Artikel" in page]
    assert len(table_pages) >= 12
    assert all("Omschrijving" in page and "Bedrag (EUR)" in page for page in table_pages)
    assert "Artikel 0001" in pages[0]
    assert "Artikel 1000" in "".join(pages[-3:])
    assert all(f"pagina {n} van {len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert f"Te betalen {format_money(document.payable_amount, 'EUR', 'nl')}" in "".join(pages[-3:])


def test_rendering_is_repeatable_byte_for_byte() -> None:
    document = read_document(build())

    assert render_pdf(document) == render_pdf(document)


def test_text_beyond_western_european_letters_still_renders() -> None:
    sample = Sample(supplier_name="Łódź Ŝpeciaal 北京 Ελλάδα", customer_name="Ĳsselmeer B.V.")
    text = pdf_text(render_pdf(read_document(build(sample)), "nl"))

    assert "Lódz Speciaal ?? ??????" in text
    assert "IJsselmeer B.V." in text


def test_printable_keeps_what_the_fonts_have_and_replaces_the_rest() -> None:
    assert printable("€ 1.234,56 \u2013 café ëï “quoted”") == "€ 1.234,56 \u2013 café ëï “quoted”"
    assert printable("a\tb\x00c\u200bd") == "a bcd"
    assert printable("Øresund Œuvre") == "Øresund Œuvre"


def test_money_is_written_the_way_each_language_writes_it() -> None:
    assert format_money(Decimal("1656.25"), "EUR", "nl") == "€ 1.656,25"
    assert format_money(Decimal("1656.25"), "EUR", "en") == "€1,656.25"
    assert format_money(Decimal("-1500"), "EUR", "nl") == "€ -1.500,00"
    assert format_money(Decimal("-1500"), "EUR", "en") == "-€1,500.00"
    assert format_money(Decimal("12500"), "SEK", "nl") == "SEK 12.500,00"
    assert format_money(Decimal("12500"), "SEK", "en") == "SEK 12,500.00"
    assert format_money(Decimal("0.0125"), "EUR", "nl") == "€ 0,0125"


def test_a_line_longer_than_a_page_continues_on_the_next() -> None:
    story = " ".join(f"zin{n}" for n in range(4000))
    document = read_document(
        build(Sample(lines=(Line("Lang verhaal", Decimal(1), Decimal(1), description=story),)))
    )

    pages = pdf_pages(render_pdf(document, "nl"))

    assert len(pages) >= 3
    assert "zin0 " in pages[0] and "zin3999" in "".join(pages)
    assert all("Omschrijving" in page for page in pages if "zin" in page)
