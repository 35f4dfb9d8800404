"""Whatever lines an invoice has, it renders; and more lines never mean fewer pages."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from invoicing.document import InvoiceDocument, InvoiceLine, Party, render_pdf
from pypdf import PdfReader

words = st.text(min_size=0, max_size=120)  # any Unicode, control characters included
numbers = st.decimals(
    min_value=Decimal("-1e9"),
    max_value=Decimal("1e9"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
lines = st.builds(
    InvoiceLine,
    id=st.text(min_size=1, max_size=12),
    name=words,
    description=st.none() | st.text(max_size=600),
    quantity=numbers,
    unit_code=st.none() | st.sampled_from(["C62", "HUR", "DAY", "KGM", "XYZ", "ZZ"]),
    unit_price=st.none() | numbers,
    line_amount=numbers,
    vat_category=st.none() | st.sampled_from(["S", "Z", "E", "AE"]),
    vat_percent=st.none() | st.decimals(min_value=0, max_value=100, places=2),
)


def document_with(invoice_lines: list[InvoiceLine]) -> InvoiceDocument:
    return InvoiceDocument(
        kind="Invoice",
        number="P-1",
        issue_date=date(2024, 1, 31),
        currency="EUR",
        supplier=Party(name="Leverancier B.V."),
        customer=Party(name="Klant"),
        lines=invoice_lines,
        line_total=Decimal(0),
        tax_exclusive=Decimal(0),
        tax_inclusive=Decimal(0),
        payable_amount=Decimal(0),
    )


def page_count(document: InvoiceDocument) -> int:
    return len(PdfReader(io.BytesIO(render_pdf(document))).pages)


@settings(max_examples=40, deadline=None)
@given(
    invoice_lines=st.lists(lines, min_size=1, max_size=80),
    cut=st.integers(min_value=0, max_value=80),
)
def test_any_lines_render_and_more_lines_never_take_fewer_pages(
    invoice_lines: list[InvoiceLine], cut: int
) -> None:
    fewer = document_with(invoice_lines[:cut])
    more = document_with(invoice_lines)

    assert page_count(fewer) <= page_count(more)


@settings(max_examples=5, deadline=None)
@given(line=lines, counts=st.tuples(st.integers(1, 40), st.integers(150, 400)))
def test_the_page_count_grows_with_the_number_of_lines(
    line: InvoiceLine, counts: tuple[int, int]
) -> None:
    few, many = counts

    assert page_count(document_with([line] * few)) < page_count(document_with([line] * many))
