"""The organisation process: its event store, its outbox relay, readiness."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor
from servicekit.relay import OutboxRelay
from servicekit.worker import ServiceWorker

from organisation.application import OrganisationApplication
from organisation.settings import OrganisationSettings

CONTEXT = "organisation"


def _nothing_public_yet(_domain_event: Any) -> None:
    """No organisation event is part of the public contract yet."""
    return None


def build_worker(settings: OrganisationSettings | None = None) -> ServiceWorker:
    """Wire the organisation store, relay and readiness onto a service worker."""
    settings = settings or OrganisationSettings()
    app = OrganisationApplication(store_environment(settings.database_url))
    database = SharedDatabase(app)
    executor = StoreExecutor(CONTEXT, database)
    worker = ServiceWorker(CONTEXT, settings)

    def start_relay(js: JetStreamContext) -> None:
        relay = OutboxRelay(
            name=CONTEXT, app=app, executor=executor, js=js, to_envelope=_nothing_public_yet
        )
        worker.add_loop(relay.run, relay.stop)

    worker.on_connected(start_relay)

    async def store_answers() -> bool:
        return await executor.run(database.ping)

    worker.add_check("event_store", store_answers)
    return worker
