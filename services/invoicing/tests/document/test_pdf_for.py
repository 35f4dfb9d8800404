"""The organisation's PDF options decide which PDF an invoice gets and what travels beside it.

Three invoices: one without attachments; one that carries its own PDF (the first PDF attachment is
the invoice's picture) plus a timesheet PDF, a CSV and a link; and one whose own PDF is damaged.
"""

from __future__ import annotations

import pytest
from invoicing.document import GeneratePdf, InvoiceDocument, pdf_for, read_document

from .conftest import pdf_pages
from .invoices import EmbeddedFile, Sample, attachment_pdf, build

OWN_PDF = attachment_pdf(1, "Eigen factuurbeeld")
TIMESHEET = attachment_pdf(2, "Urenstaat")
CSV = EmbeddedFile("Uren", b"dag;uren\nma;8\n", mime_code="text/csv", filename="uren.csv")
LINK = EmbeddedFile("Contract", None, mime_code=None, uri="https://example.invalid/contract")


def invoice(*attachments: EmbeddedFile) -> InvoiceDocument:
    return read_document(build(Sample(attachments=attachments)))


BARE = invoice()
CARRYING = invoice(
    EmbeddedFile("Factuurbeeld", OWN_PDF, filename="factuur.pdf"),
    EmbeddedFile("Urenstaat", TIMESHEET, filename="uren.pdf"),
    CSV,
    LINK,
)
DAMAGED = invoice(
    EmbeddedFile("Factuurbeeld", b"Testing PDF attachment", filename="test.pdf"),
    EmbeddedFile("Urenstaat", TIMESHEET, filename="uren.pdf"),
    CSV,
)
RENDERED = "Factuur F2024-0042"
OWN = "Eigen factuurbeeld page 1"
SHEET = ("Urenstaat page 1", "Urenstaat page 2")


@pytest.mark.parametrize(
    ("document", "generate", "merge", "source", "pages", "merged", "apart"),
    [
        # An invoice without attachments: rendered unless "never".
        (BARE, "always", True, "rendered", [RENDERED], 0, []),
        (BARE, "always", False, "rendered", [RENDERED], 0, []),
        (BARE, "if_missing", True, "rendered", [RENDERED], 0, []),
        (BARE, "if_missing", False, "rendered", [RENDERED], 0, []),
        (BARE, "never", True, "none", None, 0, []),
        (BARE, "never", False, "none", None, 0, []),
        # "always" renders; the invoice's own PDF then counts as one more attachment.
        (CARRYING, "always", True, "rendered", [RENDERED, OWN, *SHEET], 2, ["Uren", "Contract"]),
        (
            CARRYING,
            "always",
            False,
            "rendered",
            [RENDERED],
            0,
            ["Factuurbeeld", "Urenstaat", "Uren", "Contract"],
        ),
        # Otherwise the invoice's own PDF is its PDF.
        (CARRYING, "if_missing", True, "carried", [OWN, *SHEET], 1, ["Uren", "Contract"]),
        (CARRYING, "if_missing", False, "carried", [OWN], 0, ["Urenstaat", "Uren", "Contract"]),
        (CARRYING, "never", True, "carried", [OWN, *SHEET], 1, ["Uren", "Contract"]),
        (CARRYING, "never", False, "carried", [OWN], 0, ["Urenstaat", "Uren", "Contract"]),
        # A damaged own PDF is no picture of the invoice: it stays apart, as it came.
        (DAMAGED, "always", True, "rendered", [RENDERED, *SHEET], 1, ["Factuurbeeld", "Uren"]),
        (DAMAGED, "if_missing", True, "rendered", [RENDERED, *SHEET], 1, ["Factuurbeeld", "Uren"]),
        (
            DAMAGED,
            "if_missing",
            False,
            "rendered",
            [RENDERED],
            0,
            ["Factuurbeeld", "Urenstaat", "Uren"],
        ),
        (DAMAGED, "never", True, "none", None, 0, ["Factuurbeeld", "Urenstaat", "Uren"]),
        (DAMAGED, "never", False, "none", None, 0, ["Factuurbeeld", "Urenstaat", "Uren"]),
    ],
)
def test_the_pdf_options_choose_the_pdf_and_what_stays_apart(
    document: InvoiceDocument,
    generate: GeneratePdf,
    merge: bool,
    source: str,
    pages: list[str] | None,
    merged: int,
    apart: list[str],
) -> None:
    choice = pdf_for(document, generate, merge)

    assert choice.source == source
    assert choice.merged_attachments == merged
    assert [a.id for a in choice.separate_attachments] == apart
    if pages is None:
        assert choice.pdf is None
    else:
        assert choice.pdf is not None
        texts = pdf_pages(choice.pdf)
        assert len(texts) == len(pages)
        assert all(expected in text for expected, text in zip(pages, texts, strict=True))


def test_the_carried_pdf_is_handed_over_untouched_when_nothing_is_merged() -> None:
    assert pdf_for(CARRYING, "never", False).pdf == OWN_PDF


def test_the_rendering_speaks_the_language_asked_for() -> None:
    choice = pdf_for(BARE, "always", False, language="en")

    assert choice.pdf is not None
    assert "Invoice F2024-0042" in pdf_pages(choice.pdf)[0]
