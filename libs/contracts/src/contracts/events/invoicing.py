"""Facts the invoicing context publishes about invoices.

Events never carry the document: they carry a reference to it in the blob store (the NATS Object
Store bucket and object name) with its SHA-256, and the few facts a read model or a mail needs.
An outgoing invoice moves accepted -> sent -> delivered, or to delivery_failed with the reason; a
delivered invoice becomes an incoming one at the recipient (InvoiceReceived).
"""

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BoundedContext

DocumentType = Literal["Invoice", "CreditNote"]
"""A UBL 2.1 invoice or credit note (Peppol BIS Billing 3.0)."""

FailureReason = Literal["recipient-unknown", "recipient-not-receiving", "no-route"]
"""Why a delivery failed: neither this platform nor the network knows the participant id, the
recipient here does not receive, or no route outside this platform takes it (no transport, or
the access point refused it or could not be reached; the detail says which)."""


class DocumentRef(BaseModel):
    """Where a document rests in the blob store, and its fingerprint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str = Field(description="The JetStream Object Store bucket.")
    name: str = Field(description="The object's name in it.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the bytes, hex.")
    size: int = Field(ge=0, description="Size in bytes.")
    content_type: str = Field(default="application/xml", description="Its media type.")


class _AboutInvoice(BaseModel):
    invoice_id: UUID = Field(description="The invoice (one per organisation and direction).")
    organisation_id: UUID = Field(description="The organisation whose invoice it is.")
    environment_id: UUID = Field(description="The environment that organisation belongs to.")


class InvoiceSubmitted(IntegrationEvent, _AboutInvoice):
    """An organisation submitted a valid invoice; it is accepted and will be routed."""

    event_type: ClassVar[str] = "InvoiceSubmitted"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "invoicing"

    submitted_by: UUID | None = Field(description="The user who submitted it (None: by API key).")
    document_type: DocumentType = Field(description="Invoice or CreditNote.")
    invoice_number: str = Field(description="The invoice number (cbc:ID).")
    issue_date: date = Field(description="Its issue date.")
    currency: str = Field(description="Document currency code.")
    payable_amount: str = Field(description="The amount due, as a decimal string.")
    supplier_name: str = Field(description="The supplier's name.")
    customer_name: str = Field(description="The customer's name.")
    sender_participant_id: str = Field(description="The supplier's EndpointID, scheme:value.")
    recipient_participant_id: str = Field(description="The customer's EndpointID, scheme:value.")
    warnings: list[str] = Field(default_factory=list, description="Rule ids of warnings.")
    document: DocumentRef = Field(description="The UBL as submitted.")
    submitted_at: AwareDatetime = Field(description="When.")


class InvoiceRejected(IntegrationEvent):
    """A submitted document broke the rules (or was a duplicate); nothing was accepted."""

    event_type: ClassVar[str] = "InvoiceRejected"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "invoicing"

    submission_id: UUID = Field(description="The refused submission.")
    organisation_id: UUID = Field(description="The organisation that submitted it.")
    environment_id: UUID = Field(description="Its environment.")
    submitted_by: UUID | None = Field(description="The user who submitted it.")
    reason: Literal["invalid", "duplicate", "sender-mismatch"] = Field(description="Why.")
    rules: list[str] = Field(default_factory=list, description="Fatal rule ids, when invalid.")
    sha256: str = Field(description="SHA-256 of the refused bytes.")
    rejected_at: AwareDatetime = Field(description="When.")


class InvoiceSent(IntegrationEvent, _AboutInvoice):
    """The invoice left the sender on its route to the recipient: on this platform straight into
    the recipient's inbox (InvoiceDelivered follows), over the network into the hands of an
    access point (where it rests as sent; the invoice's timeline names the access point's
    reference for it)."""

    event_type: ClassVar[str] = "InvoiceSent"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "invoicing"

    submitted_by: UUID | None = Field(description="The user who submitted it.")
    invoice_number: str = Field(description="The invoice number.")
    recipient_participant_id: str = Field(description="Where it goes.")
    route: Literal["platform", "peppol"] = Field(description="This platform, or the network.")
    sent_at: AwareDatetime = Field(description="When.")


class InvoiceDelivered(IntegrationEvent, _AboutInvoice):
    """The recipient has the invoice in its inbox."""

    event_type: ClassVar[str] = "InvoiceDelivered"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "invoicing"

    submitted_by: UUID | None = Field(description="The user who submitted it.")
    invoice_number: str = Field(description="The invoice number.")
    recipient_participant_id: str = Field(description="Where it went.")
    recipient_invoice_id: UUID = Field(description="The incoming invoice at the recipient.")
    delivered_at: AwareDatetime = Field(description="When.")


class InvoiceDeliveryFailed(IntegrationEvent, _AboutInvoice):
    """The invoice could not be delivered; the reason says why."""

    event_type: ClassVar[str] = "InvoiceDeliveryFailed"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "invoicing"

    submitted_by: UUID | None = Field(description="The user who submitted it.")
    invoice_number: str = Field(description="The invoice number.")
    recipient_participant_id: str = Field(description="Where it should have gone.")
    reason: FailureReason = Field(description="Why, as a code.")
    detail: str = Field(description="Why, for a person.")
    failed_at: AwareDatetime = Field(description="When.")


class InvoiceReceived(IntegrationEvent, _AboutInvoice):
    """An invoice arrived in a receiving organisation's inbox."""

    event_type: ClassVar[str] = "InvoiceReceived"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "invoicing"

    document_type: DocumentType = Field(description="Invoice or CreditNote.")
    invoice_number: str = Field(description="The invoice number.")
    issue_date: date = Field(description="Its issue date.")
    currency: str = Field(description="Document currency code.")
    payable_amount: str = Field(description="The amount due, as a decimal string.")
    supplier_name: str = Field(description="Who sent it.")
    sender_participant_id: str = Field(description="The supplier's EndpointID.")
    recipient_participant_id: str = Field(description="The participant id it came in on.")
    document: DocumentRef = Field(description="The UBL as the sender submitted it.")
    received_at: AwareDatetime = Field(description="When.")


EVENTS: tuple[type[IntegrationEvent], ...] = (
    InvoiceSubmitted,
    InvoiceRejected,
    InvoiceSent,
    InvoiceDelivered,
    InvoiceDeliveryFailed,
    InvoiceReceived,
)

__all__ = [
    "EVENTS",
    "DocumentRef",
    "DocumentType",
    "FailureReason",
    "InvoiceDelivered",
    "InvoiceDeliveryFailed",
    "InvoiceReceived",
    "InvoiceRejected",
    "InvoiceSent",
    "InvoiceSubmitted",
]
