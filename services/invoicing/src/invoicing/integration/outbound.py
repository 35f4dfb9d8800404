"""The one place invoicing's domain events become public integration events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.invoicing import (
    DocumentRef,
    InvoiceDelivered,
    InvoiceDeliveryFailed,
    InvoiceReceived,
    InvoiceRejected,
    InvoiceSent,
    InvoiceSubmitted,
)
from servicekit.outbound import Outbound, from_integration_event

SOURCE = "/services/invoicing"


def _submitted(e: Any) -> IntegrationEvent:
    return InvoiceSubmitted(
        invoice_id=e.originator_id,
        organisation_id=e.organisation_id,
        environment_id=e.environment_id,
        submitted_by=e.submitted_by,
        document_type=e.document_type,
        invoice_number=e.invoice_number,
        issue_date=e.issue_date,
        currency=e.currency,
        payable_amount=e.payable_amount,
        supplier_name=e.supplier_name,
        customer_name=e.customer_name,
        sender_participant_id=e.sender_participant_id,
        recipient_participant_id=e.recipient_participant_id,
        warnings=sorted({w["rule"] for w in e.warnings}),
        document=DocumentRef(**e.document),
        submitted_at=e.submitted_at,
    )


def _rejected(e: Any) -> IntegrationEvent:
    return InvoiceRejected(
        submission_id=e.originator_id,
        organisation_id=e.organisation_id,
        environment_id=e.environment_id,
        submitted_by=e.submitted_by,
        reason=e.reason,
        rules=list(e.rules),
        sha256=e.sha256,
        rejected_at=e.rejected_at,
    )


def _sent(e: Any) -> IntegrationEvent:
    return InvoiceSent(
        invoice_id=e.originator_id,
        organisation_id=_organisation(e),
        environment_id=e.environment_id,
        submitted_by=e.submitted_by,
        invoice_number=e.invoice_number,
        recipient_participant_id=e.recipient_participant_id,
        route=e.route,
        sent_at=e.sent_at,
    )


def _delivered(e: Any) -> IntegrationEvent:
    return InvoiceDelivered(
        invoice_id=e.originator_id,
        organisation_id=_organisation(e),
        environment_id=e.environment_id,
        submitted_by=e.submitted_by,
        invoice_number=e.invoice_number,
        recipient_participant_id=e.recipient_participant_id,
        recipient_invoice_id=e.recipient_invoice_id,
        delivered_at=e.delivered_at,
    )


def _failed(e: Any) -> IntegrationEvent:
    return InvoiceDeliveryFailed(
        invoice_id=e.originator_id,
        organisation_id=_organisation(e),
        environment_id=e.environment_id,
        submitted_by=e.submitted_by,
        invoice_number=e.invoice_number,
        recipient_participant_id=e.recipient_participant_id,
        reason=e.reason,
        detail=e.detail,
        failed_at=e.failed_at,
    )


def _received(e: Any) -> IntegrationEvent:
    return InvoiceReceived(
        invoice_id=e.originator_id,
        organisation_id=e.organisation_id,
        environment_id=e.environment_id,
        document_type=e.document_type,
        invoice_number=e.invoice_number,
        issue_date=e.issue_date,
        currency=e.currency,
        payable_amount=e.payable_amount,
        supplier_name=e.supplier_name,
        sender_participant_id=e.sender_participant_id,
        recipient_participant_id=e.recipient_participant_id,
        document=DocumentRef(**e.document),
        received_at=e.received_at,
    )


def _organisation(e: Any) -> Any:
    return e.organisation_id


_PUBLIC: dict[str, Callable[[Any], IntegrationEvent]] = {
    "Invoice.Submitted": _submitted,
    "RejectedSubmission.Rejected": _rejected,
    "Invoice.Sent": _sent,
    "Invoice.Delivered": _delivered,
    "Invoice.DeliveryFailed": _failed,
    "IncomingInvoice.Received": _received,
}


OUTBOUND = Outbound(
    SOURCE,
    _PUBLIC,
    environment=from_integration_event("environment_id"),
    organisation=from_integration_event("organisation_id"),
)
to_integration_event = OUTBOUND.to_integration_event
to_envelope = OUTBOUND.to_envelope
