"""The invoicing process: its commands and queries, the delivery, its read model of
organisations, its event store and outbox relay."""

from __future__ import annotations

import asyncio
import uuid

from contracts.commands.invoicing import (
    GetInvoice,
    GetInvoiceDocument,
    GetInvoicePdf,
    ListInvoices,
    SubmitInvoice,
    ValidateDocument,
)
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.invoicing import InvoiceSubmitted
from servicekit.consumer import EventConsumer
from servicekit.rpc import serve
from servicekit.worker import ServiceWorker
from sqlalchemy.orm import Session

from invoicing.bootstrap import InvoicingService, bootstrap
from invoicing.entrypoints.handlers import InvoicingHandlers
from invoicing.integration.outbound import to_envelope
from invoicing.projections import organisation_batches
from invoicing.projections import organisations as organisation_events
from invoicing.transport import HAND_OVERS_AT_ONCE
from invoicing.usecases.network import Routing, waits

CONTEXT = "invoicing"
DELIVERY_CONSUMER = "invoicing-delivery"
TRANSPORT_CONSUMER = "invoicing-transport"
RECORDING_ATTEMPTS = 5


def build_worker(service: InvoicingService | None = None) -> ServiceWorker:
    """Wire the invoicing handlers, consumers, store, relay and readiness onto a worker."""
    service = service or bootstrap()
    worker = ServiceWorker(CONTEXT, service.settings)
    saved = worker.publish_from(service.app, service.executor, to_envelope)
    handlers = InvoicingHandlers(service, saved)
    serve(worker.broker, ValidateDocument, handlers.validate, queue=CONTEXT)
    serve(worker.broker, SubmitInvoice, handlers.submit, queue=CONTEXT)
    serve(worker.broker, ListInvoices, handlers.invoices, queue=CONTEXT)
    serve(worker.broker, GetInvoice, handlers.invoice, queue=CONTEXT)
    serve(worker.broker, GetInvoiceDocument, handlers.document, queue=CONTEXT)
    serve(worker.broker, GetInvoicePdf, handlers.pdf, queue=CONTEXT)
    worker.on_connected(service.blobs.attach)

    async def load_rules(_js: object) -> None:
        # Compiling takes seconds: in the background, so the service is ready meanwhile.
        if service.settings.validation_warm_start:
            service.rules.start_loading()

    worker.on_connected(load_rules)

    worker.consume(
        EventConsumer(
            durable=organisation_events.CONSUMER,
            subject=organisation_events.SUBJECT,
            database=service.database,
            executor=service.executor,
            effect=organisation_events.apply_organisation_event,
            ack_wait_seconds=service.settings.consumer_ack_wait_seconds,
        )
    )

    # Its read model of organisations can be rebuilt from the stream (/ops, servicekit.rebuild).
    worker.read_model(organisation_batches.READ_MODEL, service.database, service.executor)

    def deliver(session: Session, envelope: Envelope, event: IntegrationEvent) -> None:
        if isinstance(event, InvoiceSubmitted):
            service.invoices.deliver(session, uuid.UUID(str(event.invoice_id)))

    settings = service.settings
    worker.consume(
        EventConsumer(
            durable=DELIVERY_CONSUMER,
            subject=InvoiceSubmitted.nats_subject(),
            database=service.database,
            executor=service.executor,
            effect=deliver,
            ack_wait_seconds=settings.consumer_ack_wait_seconds,
            on_applied=saved,
        )
    )
    if service.transport is not None:
        transport = service.transport
        stopping = asyncio.Event()

        async def close_transport_when_stopping() -> None:
            await stopping.wait()
            await transport.close()

        worker.add_loop(close_transport_when_stopping, stopping.set)
        # Invoices for participants outside this platform, sent over the network: in a
        # consumer of their own, so a slow access point never holds up delivery here.
        attempts = settings.invoicing_transport_attempts
        worker.consume(
            EventConsumer(
                durable=TRANSPORT_CONSUMER,
                subject=InvoiceSubmitted.nats_subject(),
                database=service.database,
                executor=service.executor,
                prepare=Routing(
                    service.invoices, service.blobs, transport, service.executor, attempts
                ),
                # After the last hand-over the invoice fails; the deliveries beyond are for
                # recording that outcome (the store answering again).
                max_deliver=attempts + RECORDING_ATTEMPTS,
                backoff=waits(attempts, settings.invoicing_transport_retry_max_seconds),
                # As many hand-overs at once as the transport has connections, each at most
                # its timeout: the messages of a batch never wait for a connection.
                batch=HAND_OVERS_AT_ONCE,
                ack_wait_seconds=max(
                    settings.consumer_ack_wait_seconds,
                    settings.invoicing_access_point_timeout_seconds + 30,
                ),
                on_applied=saved,
            )
        )
    return worker
