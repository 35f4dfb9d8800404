"""The organisation process: its commands and queries, its event store and outbox relay."""

from __future__ import annotations

from contracts.commands.organisations import (
    AddIdentifier,
    AddOrganisationByHand,
    AddOrganisationFromRegister,
    ChangeOrganisation,
    DecideActivation,
    GetOrganisation,
    ListOrganisations,
    ListPendingActivations,
    LookupParticipant,
    MoveOrganisation,
    RemoveIdentifier,
    RequestActivation,
    SearchRegister,
    SetPdfOptions,
    SetReceiving,
)
from servicekit.rpc import serve
from servicekit.worker import ServiceWorker

from organisation.bootstrap import OrganisationService, bootstrap
from organisation.entrypoints.handlers import OrganisationHandlers
from organisation.integration.outbound import to_envelope

CONTEXT = "organisation"


def build_worker(service: OrganisationService | None = None) -> ServiceWorker:
    """Wire the organisation handlers, store, relay and readiness onto a service worker."""
    service = service or bootstrap()
    worker = ServiceWorker(CONTEXT, service.settings)
    saved = worker.publish_from(service.app, service.executor, to_envelope)
    handlers = OrganisationHandlers(service, saved)
    serve(worker.broker, AddOrganisationFromRegister, handlers.add_from_register, queue=CONTEXT)
    serve(worker.broker, AddOrganisationByHand, handlers.add_by_hand, queue=CONTEXT)
    serve(worker.broker, GetOrganisation, handlers.organisation, queue=CONTEXT)
    serve(worker.broker, ListOrganisations, handlers.organisations, queue=CONTEXT)
    serve(worker.broker, ChangeOrganisation, handlers.change, queue=CONTEXT)
    serve(worker.broker, AddIdentifier, handlers.add_identifier, queue=CONTEXT)
    serve(worker.broker, RemoveIdentifier, handlers.remove_identifier, queue=CONTEXT)
    serve(worker.broker, RequestActivation, handlers.request_activation, queue=CONTEXT)
    serve(worker.broker, DecideActivation, handlers.decide_activation, queue=CONTEXT)
    serve(worker.broker, SetReceiving, handlers.set_receiving, queue=CONTEXT)
    serve(worker.broker, SetPdfOptions, handlers.set_pdf_options, queue=CONTEXT)
    serve(worker.broker, SearchRegister, handlers.search_register, queue=CONTEXT)
    serve(worker.broker, ListPendingActivations, handlers.pending, queue=CONTEXT)
    serve(worker.broker, MoveOrganisation, handlers.move, queue=CONTEXT)
    serve(worker.broker, LookupParticipant, handlers.participant, queue=CONTEXT)
    return worker
