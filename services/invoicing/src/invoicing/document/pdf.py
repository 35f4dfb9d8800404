"""The PDF of an invoice per the organisation's PDF options: rendered, carried, merged or apart."""

from __future__ import annotations

import io
from typing import Literal

import structlog
from pydantic import BaseModel, ConfigDict
from pypdf import PdfReader, PdfWriter

from invoicing.document.model import Attachment, InvoiceDocument
from invoicing.document.rendering import render_pdf
from invoicing.document.wording import Language

log = structlog.get_logger(__name__)

PDF_MIME = "application/pdf"
GeneratePdf = Literal["always", "never", "if_missing"]


class PdfChoice(BaseModel):
    """The invoice's PDF (if any), where it came from, and the attachments that stay apart."""

    model_config = ConfigDict(frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

    pdf: bytes | None
    source: Literal["rendered", "carried", "none"]
    merged_attachments: int
    separate_attachments: list[Attachment]


def merge_pdfs(first: bytes, others: list[bytes]) -> bytes:
    """`first` followed by every readable PDF of `others`; unreadable ones are skipped and logged.

    Raises ValueError when `first` itself cannot be read.
    """
    merged, _ = _merge(first, others)
    return merged


def pdf_for(
    document: InvoiceDocument,
    generate_pdf: GeneratePdf,
    merge_attachments: bool,
    language: str = "nl",
) -> PdfChoice:
    """The PDF to store or hand over for this invoice, per the organisation's PDF options.

    `generate_pdf`: "always" renders one; "never" uses the invoice's own PDF (its first embedded
    application/pdf attachment, when that opens as a PDF) or gives none; "if_missing" uses the
    invoice's own PDF and renders one only without it. With `merge_attachments` the other PDF
    attachments follow the invoice PDF in one file. `separate_attachments` holds every attachment
    that is not inside `pdf` (other files, external references, PDFs that could not be read or
    were not merged), so that nothing the sender attached gets lost.
    """
    attachments = document.attachments
    pdf_indexes = [i for i, a in enumerate(attachments) if _is_embedded_pdf(a)]
    carried = next(iter(pdf_indexes), None)
    if carried is not None and _rewritten(_content(attachments[carried])) is None:
        carried = None  # a damaged invoice PDF is no visual representation; it stays apart

    pdf: bytes | None
    if generate_pdf == "always" or (generate_pdf == "if_missing" and carried is None):
        pdf, source, used = render_pdf(document, _language(language)), "rendered", None
    elif carried is not None:
        pdf, source, used = _content(attachments[carried]), "carried", carried
    else:
        pdf, source, used = None, "none", None

    inside = {used} if used is not None else set()
    merged: list[int] = []
    if pdf is not None and merge_attachments:
        candidates = [i for i in pdf_indexes if i != used]
        pdf, merged = _merge(pdf, [_content(attachments[i]) for i in candidates])
        inside |= {candidates[position] for position in merged}
    return PdfChoice(
        pdf=pdf,
        source=source,
        merged_attachments=len(merged),
        separate_attachments=[a for i, a in enumerate(attachments) if i not in inside],
    )


def _merge(first: bytes, others: list[bytes]) -> tuple[bytes, list[int]]:
    """The merged PDF and the positions in `others` that made it in."""
    if not others:
        return first, []
    opened = _rewritten(first)
    if opened is None:
        raise ValueError("the first PDF cannot be read, so nothing can be merged onto it")
    writer = PdfWriter()
    writer.append(opened)
    merged: list[int] = []
    for position, other in enumerate(others):
        # Write each attachment on its own first: pypdf reads lazily, so a broken file may only
        # fail while being written, and it must not leave half its pages in the merged result.
        checked = _rewritten(other)
        if checked is None:
            log.warning("pdf_attachment_skipped", position=position, size=len(other))
            continue
        writer.append(checked)
        merged.append(position)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), merged


def _rewritten(content: bytes) -> PdfReader | None:
    """The PDF read back after pypdf wrote it once; None if it cannot be read or has no pages."""
    if not _looks_like_pdf(content):
        return None
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        if len(reader.pages) == 0:
            return None
        single = PdfWriter()
        single.append(reader)
        out = io.BytesIO()
        single.write(out)
        return PdfReader(io.BytesIO(out.getvalue()))
    except Exception as error:  # pypdf raises many kinds on damaged input; all mean "skip it"
        log.warning("pdf_unreadable", error=f"{type(error).__name__}: {error}")
        return None


def _looks_like_pdf(content: bytes) -> bool:
    # PDF readers accept the header anywhere in the first kilobyte.
    return b"%PDF-" in content[:1024]


def _is_embedded_pdf(attachment: Attachment) -> bool:
    mime = (attachment.mime_code or "").strip().lower()
    return mime == PDF_MIME and attachment.content is not None


def _content(attachment: Attachment) -> bytes:
    return attachment.content or b""


def _language(language: str) -> Language:
    return "en" if language.strip().lower().startswith("en") else "nl"
