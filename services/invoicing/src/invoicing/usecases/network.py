"""Sending over the network: the transport consumer's step, when invoices can leave this platform.

The delivery consumer delivers each submitted invoice whose recipient is here, and leaves the
others to this step, a second consumer of InvoiceSubmitted. It reads the document from the blob
store and hands it to the transport, outside any transaction, then records what came of it:
sent, with the access point's reference, or failed with the reason. While the access point
cannot be reached the consumer tries again, waiting longer each time; after the last attempt
the invoice fails, so the sender always hears an outcome and no invoice rests in a dead-letter
queue. A slow access point holds up only this consumer, never delivery here.

The two consumers look the recipient up each in their own time. A recipient that joined this
platform in between is delivered here by this step (delivery does nothing to an invoice that was
delivered, sent or failed already), so no invoice is left waiting.
"""

from __future__ import annotations

import uuid

import structlog
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.invoicing import InvoiceSubmitted
from servicekit.consumer import Effect
from servicekit.executor import StoreExecutor
from sqlalchemy.orm import Session

from invoicing.blobs import BlobMissing, Blobs
from invoicing.transport import Parcel, RecipientUnknown, Refused, Transport, Unreachable
from invoicing.usecases.invoices import Invoices, full_stop

log = structlog.get_logger(__name__)

FIRST_WAIT_SECONDS = 0.5


def waits(attempts: int, longest: float) -> tuple[float, ...]:
    """The waits between `attempts` deliveries: doubling from half a second, at most `longest`."""
    return tuple(min(FIRST_WAIT_SECONDS * 2**n, longest) for n in range(max(attempts - 1, 1)))


class Routing:
    """The transport consumer's prepare step (servicekit.consumer.Prepare)."""

    def __init__(
        self,
        invoices: Invoices,
        blobs: Blobs,
        transport: Transport,
        executor: StoreExecutor,
        attempts: int,
    ) -> None:
        self._invoices = invoices
        self._blobs = blobs
        self._transport = transport
        self._executor = executor
        self._attempts = attempts

    async def __call__(
        self, envelope: Envelope, event: IntegrationEvent, deliveries: int
    ) -> Effect:
        """Send an invoice for outside over the network; the effect that records the outcome
        (or, for one whose recipient is here after all, the delivery here)."""
        if not isinstance(event, InvoiceSubmitted):
            return _nothing
        invoice_id = uuid.UUID(str(event.invoice_id))
        outside = await self._executor.run(self._invoices.claim_for_network, invoice_id)
        if outside is None:
            return self._here(invoice_id)
        try:
            document = await self._blobs.read(outside.document)
            receipt = await self._transport.send(
                Parcel(
                    message_id=outside.message_id,
                    document_type=outside.document_type,
                    sender=outside.sender,
                    recipient=outside.recipient,
                    document=document,
                )
            )
        except RecipientUnknown as error:
            return self._failed(invoice_id, "recipient-unknown", str(error))
        except Refused as error:
            return self._failed(invoice_id, "no-route", str(error))
        except Exception as error:
            if deliveries < self._attempts:
                raise  # the consumer tries again after its next wait
            said = str(error) if isinstance(error, Unreachable | BlobMissing) else repr(error)
            log.error(
                "invoice not sent: the access point did not take it",
                invoice_id=str(invoice_id),
                attempts=deliveries,
                error=said,
            )
            return self._failed(
                invoice_id,
                "no-route",
                f"{full_stop(said)} Tried {deliveries} times; the access point did not take it.",
            )

        def sent(session: Session, _envelope: Envelope, _event: IntegrationEvent) -> None:
            self._invoices.sent_over_network(session, invoice_id, receipt.reference)

        return sent

    def _here(self, invoice_id: uuid.UUID) -> Effect:
        def deliver(session: Session, _envelope: Envelope, _event: IntegrationEvent) -> None:
            self._invoices.deliver(session, invoice_id, by_transport=True)

        return deliver

    def _failed(self, invoice_id: uuid.UUID, reason: str, detail: str) -> Effect:
        def failed(session: Session, _envelope: Envelope, _event: IntegrationEvent) -> None:
            self._invoices.undeliverable(session, invoice_id, reason, detail)

        return failed


def _nothing(_session: Session, _envelope: Envelope, _event: IntegrationEvent) -> None:
    """Nothing to record but that the event was seen."""
