"""The identity process: request/reply commands, the outbox relay, readiness."""

from __future__ import annotations

from contracts.commands.identity import RegisterUser, VerifyEmail
from nats.js import JetStreamContext
from servicekit.eventstore import SharedDatabase
from servicekit.relay import OutboxRelay
from servicekit.rpc import serve
from servicekit.worker import ServiceWorker

from identity.bootstrap import Identity, bootstrap
from identity.entrypoints.commands import IdentityCommands
from identity.integration.outbound import to_envelope

CONTEXT = "identity"


def build_worker(identity: Identity | None = None) -> ServiceWorker:
    """Wire identity's handlers and relay onto a service worker."""
    identity = identity or bootstrap()
    worker = ServiceWorker(CONTEXT, identity.settings)
    database = SharedDatabase(identity.app)
    relays: list[OutboxRelay] = []

    def saved() -> None:
        for relay in relays:
            relay.wake()

    commands = IdentityCommands(identity, saved)
    serve(worker.broker, RegisterUser, commands.register, queue=CONTEXT)
    serve(worker.broker, VerifyEmail, commands.verify_email, queue=CONTEXT)

    def start_relay(js: JetStreamContext) -> None:
        relay = OutboxRelay(
            name=CONTEXT,
            app=identity.app,
            executor=identity.executor,
            js=js,
            to_envelope=to_envelope,
        )
        relays.append(relay)
        worker.add_loop(relay.run, relay.stop)

    worker.on_connected(start_relay)

    async def store_answers() -> bool:
        return await identity.executor.run(database.ping)

    worker.add_check("event_store", store_answers)
    return worker
