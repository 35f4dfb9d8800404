"""Invoices: an outgoing one from submission to delivery, an incoming one at its recipient.

An outgoing invoice is accepted -> sent -> delivered, or delivery_failed with the reason; one
sent over the network to an access point rests as sent (nothing tells us more yet). A
delivered invoice becomes an incoming invoice of the recipient, whose id derives from the
outgoing one's, so delivering twice can never make two. A refused submission leaves a
RejectedSubmission, so the refusal is a fact others can see too.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate

_INCOMING = uuid.UUID("5b0e1c8e-6d0a-4f5e-9c57-1f6b3c1d2a90")


def incoming_id_for(outgoing_id: uuid.UUID) -> uuid.UUID:
    """The id of the incoming invoice a delivery of this outgoing invoice makes."""
    return uuid.uuid5(_INCOMING, str(outgoing_id))


class AlreadyDecided(Exception):
    """The invoice has left the state this step needs (a delivery seen twice, say)."""


class Invoice(CorrelatedAggregate):
    """An outgoing invoice of one organisation."""

    @event("Submitted")
    def __init__(
        self,
        organisation_id: uuid.UUID,
        environment_id: uuid.UUID,
        submitted_by: uuid.UUID | None,
        document_type: str,
        invoice_number: str,
        issue_date: date,
        currency: str,
        payable_amount: str,
        supplier_name: str,
        customer_name: str,
        sender_participant_id: str,
        recipient_participant_id: str,
        warnings: list[dict[str, Any]],
        document: dict[str, Any],
        submitted_at: datetime,
    ) -> None:
        self.organisation_id = organisation_id
        self.submitted_by = submitted_by
        self.document_type = document_type
        self.invoice_number = invoice_number
        self.issue_date = issue_date
        self.currency = currency
        self.payable_amount = payable_amount
        self.supplier_name = supplier_name
        self.sender_participant_id = sender_participant_id
        self.recipient_participant_id = recipient_participant_id
        self.document = document
        self.status = "accepted"

    def send(
        self, route: str, environment_id: uuid.UUID, at: datetime, receipt: str | None = None
    ) -> None:
        """Hand it to its route: this platform, or an access point (whose reference for it is
        the receipt)."""
        if self.status != "accepted":
            raise AlreadyDecided(f"invoice {self.id} is {self.status}")
        self._sent(
            organisation_id=self.organisation_id,
            route=route,
            environment_id=environment_id,
            submitted_by=self.submitted_by,
            invoice_number=self.invoice_number,
            recipient_participant_id=self.recipient_participant_id,
            sent_at=at,
            receipt=receipt,
        )

    @event("Sent")
    def _sent(
        self,
        organisation_id: uuid.UUID,
        route: str,
        environment_id: uuid.UUID,
        submitted_by: uuid.UUID | None,
        invoice_number: str,
        recipient_participant_id: str,
        sent_at: datetime,
        receipt: str | None = None,  # absent from the events of before the network route
    ) -> None:
        self.status = "sent"

    def deliver(
        self, recipient_invoice_id: uuid.UUID, environment_id: uuid.UUID, at: datetime
    ) -> None:
        """The recipient has it."""
        if self.status != "sent":
            raise AlreadyDecided(f"invoice {self.id} is {self.status}")
        self._delivered(
            organisation_id=self.organisation_id,
            recipient_invoice_id=recipient_invoice_id,
            environment_id=environment_id,
            submitted_by=self.submitted_by,
            invoice_number=self.invoice_number,
            recipient_participant_id=self.recipient_participant_id,
            delivered_at=at,
        )

    @event("Delivered")
    def _delivered(
        self,
        organisation_id: uuid.UUID,
        recipient_invoice_id: uuid.UUID,
        environment_id: uuid.UUID,
        submitted_by: uuid.UUID | None,
        invoice_number: str,
        recipient_participant_id: str,
        delivered_at: datetime,
    ) -> None:
        self.status = "delivered"

    def fail(self, reason: str, detail: str, environment_id: uuid.UUID, at: datetime) -> None:
        """It could not be delivered, for this reason."""
        if self.status not in ("accepted", "sent"):
            raise AlreadyDecided(f"invoice {self.id} is {self.status}")
        self._delivery_failed(
            organisation_id=self.organisation_id,
            reason=reason,
            detail=detail,
            environment_id=environment_id,
            submitted_by=self.submitted_by,
            invoice_number=self.invoice_number,
            recipient_participant_id=self.recipient_participant_id,
            failed_at=at,
        )

    @event("DeliveryFailed")
    def _delivery_failed(
        self,
        organisation_id: uuid.UUID,
        reason: str,
        detail: str,
        environment_id: uuid.UUID,
        submitted_by: uuid.UUID | None,
        invoice_number: str,
        recipient_participant_id: str,
        failed_at: datetime,
    ) -> None:
        self.status = "delivery_failed"


class IncomingInvoice(CorrelatedAggregate):
    """An invoice in a receiving organisation's inbox."""

    @event("Received")
    def __init__(
        self,
        id: uuid.UUID,
        organisation_id: uuid.UUID,
        environment_id: uuid.UUID,
        outgoing_invoice_id: uuid.UUID,
        document_type: str,
        invoice_number: str,
        issue_date: date,
        currency: str,
        payable_amount: str,
        supplier_name: str,
        sender_participant_id: str,
        recipient_participant_id: str,
        document: dict[str, Any],
        received_at: datetime,
    ) -> None:
        self.organisation_id = organisation_id
        self.outgoing_invoice_id = outgoing_invoice_id
        self.document = document
        self.status = "received"


class RejectedSubmission(CorrelatedAggregate):
    """A submission the rules or the checks refused."""

    @event("Rejected")
    def __init__(
        self,
        organisation_id: uuid.UUID,
        environment_id: uuid.UUID,
        submitted_by: uuid.UUID | None,
        reason: str,
        rules: list[str],
        sha256: str,
        rejected_at: datetime,
    ) -> None:
        self.organisation_id = organisation_id
        self.reason = reason
