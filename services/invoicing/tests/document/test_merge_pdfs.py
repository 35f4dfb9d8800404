"""Merging puts the attachments' pages after the invoice's; a damaged attachment is left out, not fatal."""

from __future__ import annotations

import io

import pytest
from invoicing.document import merge_pdfs, read_document, render_pdf
from pypdf import PdfReader, PdfWriter
from structlog.testing import capture_logs

from .conftest import pdf_pages
from .invoices import attachment_pdf, build


def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_merged_pdf_has_the_invoice_pages_then_each_attachment_in_order() -> None:
    invoice = render_pdf(read_document(build()))
    merged = merge_pdfs(invoice, [attachment_pdf(2, "Urenstaat"), attachment_pdf(3, "Pakbon")])

    pages = pdf_pages(merged)
    assert len(pages) == 1 + 2 + 3
    assert "Factuur F2024-0042" in pages[0]
    assert ["Urenstaat page 1" in pages[1], "Urenstaat page 2" in pages[2]] == [True, True]
    assert all(f"Pakbon page {n}" in pages[2 + n] for n in (1, 2, 3))


def test_a_damaged_attachment_is_skipped_and_logged() -> None:
    invoice = render_pdf(read_document(build()))
    truncated = attachment_pdf(2)[:300]
    with capture_logs() as logs:
        merged = merge_pdfs(
            invoice, [b"Testing PDF attachment", truncated, attachment_pdf(1, "Goed")]
        )

    pages = pdf_pages(merged)
    assert len(pages) == 2
    assert "Goed page 1" in pages[1]
    skipped = [entry for entry in logs if entry["event"] == "pdf_attachment_skipped"]
    assert [entry["position"] for entry in skipped] == [0, 1]


def test_a_password_protected_attachment_is_skipped_but_an_owner_locked_one_is_merged() -> None:
    invoice = render_pdf(read_document(build()))
    locked = encrypted(attachment_pdf(2, "Geheim"), user_password="secret")
    owner_only = encrypted(attachment_pdf(1, "Open"), user_password="")

    pages = pdf_pages(merge_pdfs(invoice, [locked, owner_only]))

    assert len(pages) == 2
    assert "Open page 1" in pages[1]


def test_nothing_to_merge_gives_the_first_pdf_as_it_was() -> None:
    invoice = render_pdf(read_document(build()))

    assert merge_pdfs(invoice, []) == invoice


def test_an_unreadable_first_pdf_is_an_error() -> None:
    with pytest.raises(ValueError, match="first PDF cannot be read"):
        merge_pdfs(b"not a pdf", [attachment_pdf(1)])
