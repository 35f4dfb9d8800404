"""The invoice as people read it: its content out of the UBL, and PDFs made from it."""

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
from invoicing.document.pdf import GeneratePdf, PdfChoice, merge_pdfs, pdf_for
from invoicing.document.reader import DocumentUnreadable, read_document, read_heading
from invoicing.document.rendering import render_pdf

__all__ = [
    "Attachment",
    "DocumentHeading",
    "DocumentKind",
    "DocumentUnreadable",
    "GeneratePdf",
    "InvoiceDocument",
    "InvoiceLine",
    "Party",
    "PaymentDetails",
    "PdfChoice",
    "VatBreakdown",
    "merge_pdfs",
    "pdf_for",
    "read_document",
    "read_heading",
    "render_pdf",
]
