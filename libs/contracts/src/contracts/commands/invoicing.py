"""Commands and queries of the invoicing service (API.md, Invoices).

A large document (up to 10 MB) never travels in a NATS message: the gateway puts the upload into
the blob store and names it here; invoicing reads it from there. A small one (at most
INLINE_DOCUMENT_BYTES, as almost every invoice is) travels inline, base64 in the command, which
saves the store two round trips; `upload` then still says its size and SHA-256, and invoicing
checks the bytes against them. Events never carry a document either way.
"""

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.commands.base import Command, ProblemType, Reply
from contracts.commands.caller import Caller
from contracts.events.invoicing import DocumentRef, DocumentType

InvoiceStatus = Literal["accepted", "sent", "delivered", "delivery_failed", "received"]
"""Outgoing: accepted -> sent -> delivered, or delivery_failed. Incoming: received."""

Direction = Literal["outgoing", "incoming"]

INLINE_DOCUMENT_BYTES = 256 * 1024
"""The largest document sent inline in a command (base64: a third more on the wire)."""

INLINE_DESCRIPTION = (
    "The document's bytes when it is small (at most 256 KiB), checked against `upload`'s size "
    "and SHA-256; then the blob store holds nothing. Absent: read it from the blob store."
)


class Finding(BaseModel):
    """One rule's finding about a document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = Field(description="The rule id, e.g. BR-CO-15, PEPPOL-EN16931-R003, NL-R-001.")
    severity: Literal["fatal", "warning"] = Field(description="fatal rejects; warning is kept.")
    message: str = Field(description="The rule's message.")
    location: str | None = Field(default=None, description="XPath of the node it is about.")


class ValidationResult(Reply):
    """What the official rules say about a document."""

    valid: bool = Field(description="No fatal finding.")
    document_type: DocumentType | None = Field(default=None, description="Invoice or CreditNote.")
    errors: list[Finding] = Field(description="Fatal findings.")
    warnings: list[Finding] = Field(description="Warnings.")


class ValidateDocument(Command):
    """Check a document by the official rules; nothing is stored."""

    subject: ClassVar[str] = "qry.invoicing.validate"
    reply_model: ClassVar[type[Reply]] = ValidationResult

    upload: DocumentRef = Field(description="The uploaded document in the blob store.")
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    inline: bytes | None = Field(
        default=None, max_length=INLINE_DOCUMENT_BYTES, description=INLINE_DESCRIPTION
    )


class SubmissionAccepted(Reply):
    """The invoice was accepted and will be routed."""

    id: UUID = Field(description="The invoice's id.")
    status: InvoiceStatus = Field(description="Its status now.")


class SubmitInvoice(Command):
    """Submit an invoice for an organisation; the same key and bytes answer the same."""

    subject: ClassVar[str] = "cmd.invoicing.submit"
    reply_model: ClassVar[type[Reply]] = SubmissionAccepted

    caller: Caller = Field(description="The user submitting it.")
    organisation_id: UUID = Field(description="The sending organisation.")
    idempotency_key: str | None = Field(
        default=None,
        max_length=200,
        description="The Idempotency-Key header; required (refused after the access checks).",
    )
    upload: DocumentRef = Field(description="The uploaded document in the blob store.")
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    inline: bytes | None = Field(
        default=None, max_length=INLINE_DOCUMENT_BYTES, description=INLINE_DESCRIPTION
    )


class Party(BaseModel):
    """A party of an invoice as the document names it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Its name.")
    participant_id: str | None = Field(description="Its EndpointID, scheme:value.")
    organisation_id: UUID | None = Field(
        default=None, description="The organisation on this platform, when it is the caller's."
    )


class TimelineEntry(BaseModel):
    """One step in an invoice's life."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime = Field(description="When.")
    event: str = Field(description="What happened (the event type).")
    detail: str = Field(description="What it means, for a person.")


class InvoiceSummary(BaseModel):
    """An invoice in a list."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID = Field(description="The invoice's id.")
    direction: Direction = Field(description="outgoing or incoming.")
    status: InvoiceStatus = Field(description="Its status.")
    document_type: DocumentType = Field(description="Invoice or CreditNote.")
    invoice_number: str = Field(description="The invoice number.")
    issue_date: date = Field(description="Its issue date.")
    sender: Party = Field(description="The supplier.")
    recipient: Party = Field(description="The customer.")
    currency: str = Field(description="Currency.")
    payable_amount: str = Field(description="The amount due, as a decimal string.")
    created_at: AwareDatetime = Field(description="When it was submitted or received.")


class InvoiceDetail(Reply):
    """One invoice with its timeline."""

    id: UUID = Field(description="The invoice's id.")
    organisation_id: UUID = Field(description="Whose invoice it is.")
    direction: Direction = Field(description="outgoing or incoming.")
    status: InvoiceStatus = Field(description="Its status.")
    document_type: DocumentType = Field(description="Invoice or CreditNote.")
    invoice_number: str = Field(description="The invoice number.")
    issue_date: date = Field(description="Its issue date.")
    sender: Party = Field(description="The supplier.")
    recipient: Party = Field(description="The customer.")
    currency: str = Field(description="Currency.")
    payable_amount: str = Field(description="The amount due, as a decimal string.")
    warnings: list[Finding] = Field(default_factory=list, description="Warnings at submission.")
    failure_reason: str | None = Field(default=None, description="Why delivery failed.")
    created_at: AwareDatetime = Field(description="When it was submitted or received.")
    timeline: list[TimelineEntry] = Field(description="Every step, oldest first.")


class InvoicePage(Reply):
    """A page of invoices, newest first."""

    invoices: list[InvoiceSummary] = Field(description="The invoices on this page.")
    total: int = Field(description="How many match the filters.")
    page: int = Field(description="This page (from 1).")
    per_page: int = Field(description="Page size.")


class ListInvoices(Command):
    """An organisation's invoices, filtered, newest first."""

    subject: ClassVar[str] = "qry.invoicing.invoices"
    reply_model: ClassVar[type[Reply]] = InvoicePage

    caller: Caller = Field(description="Who asks.")
    organisation_id: UUID = Field(description="The organisation.")
    direction: Direction | None = Field(default=None, description="Only this direction.")
    status: InvoiceStatus | None = Field(default=None, description="Only this status.")
    issued_from: date | None = Field(default=None, description="Issued on or after.")
    issued_until: date | None = Field(default=None, description="Issued on or before.")
    counterparty: str | None = Field(
        default=None, max_length=200, description="Part of the other party's name or its id."
    )
    number: str | None = Field(default=None, max_length=200, description="Part of the number.")
    page: int = Field(default=1, ge=1, le=100000, description="Page, from 1.")
    per_page: int = Field(default=25, ge=1, le=200, description="Page size.")


class GetInvoice(Command):
    """One invoice of an organisation, with its timeline."""

    subject: ClassVar[str] = "qry.invoicing.invoice"
    reply_model: ClassVar[type[Reply]] = InvoiceDetail

    caller: Caller = Field(description="Who asks.")
    organisation_id: UUID = Field(description="The organisation.")
    invoice_id: UUID = Field(description="The invoice.")


class StoredDocument(Reply):
    """Where to read a document: the blob store reference."""

    document: DocumentRef = Field(description="The reference.")
    filename: str = Field(description="A file name for downloads.")


class GetInvoiceDocument(Command):
    """The UBL of an invoice, as submitted."""

    subject: ClassVar[str] = "qry.invoicing.document"
    reply_model: ClassVar[type[Reply]] = StoredDocument

    caller: Caller = Field(description="Who asks.")
    organisation_id: UUID = Field(description="The organisation.")
    invoice_id: UUID = Field(description="The invoice.")


class GetInvoicePdf(Command):
    """The PDF of an invoice, per the organisation's PDF options (made once, then kept)."""

    subject: ClassVar[str] = "qry.invoicing.pdf"
    reply_model: ClassVar[type[Reply]] = StoredDocument

    caller: Caller = Field(description="Who asks.")
    organisation_id: UUID = Field(description="The organisation.")
    invoice_id: UUID = Field(description="The invoice.")


INVOICE_NOT_FOUND = ProblemType("urn:problem:not-found", "Not found", 404)
INVALID_INVOICE = ProblemType(
    "urn:problem:invoicing:invalid-document", "The document breaks the e-invoicing rules", 422
)
UNREADABLE_DOCUMENT = ProblemType(
    "urn:problem:invoicing:unreadable-document",
    "The document is not a readable UBL invoice or credit note",
    422,
)
SENDER_MISMATCH = ProblemType(
    "urn:problem:invoicing:sender-mismatch",
    "The supplier in the document is not this organisation",
    422,
)
IDEMPOTENCY_KEY_REUSED = ProblemType(
    "urn:problem:invoicing:idempotency-key-reused",
    "This Idempotency-Key was used for another document",
    422,
)
SENDER_NOT_ACTIVE = ProblemType(
    "urn:problem:invoicing:sender-not-active", "Only an active organisation may send", 409
)
DUPLICATE_INVOICE = ProblemType(
    "urn:problem:invoicing:duplicate-invoice", "This invoice was submitted before", 409
)
IDEMPOTENCY_KEY_MISSING = ProblemType(
    "urn:problem:invoicing:idempotency-key-missing", "The Idempotency-Key header is required", 400
)
NO_PDF = ProblemType("urn:problem:invoicing:no-pdf", "There is no PDF of this invoice", 404)
RULES_UNAVAILABLE = ProblemType(
    "urn:problem:invoicing:rules-unavailable", "The e-invoicing rules are not installed", 503
)
