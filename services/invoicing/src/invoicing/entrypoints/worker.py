"""The invoicing process: its event store, its outbox relay, readiness."""

from __future__ import annotations

from typing import Any

from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor
from servicekit.worker import ServiceWorker

from invoicing.application import InvoicingApplication
from invoicing.settings import InvoicingSettings

CONTEXT = "invoicing"


def _nothing_public_yet(_domain_event: Any) -> None:
    """No invoicing event is part of the public contract yet."""
    return None


def build_worker(settings: InvoicingSettings | None = None) -> ServiceWorker:
    """Wire the invoicing store, relay and readiness onto a service worker."""
    settings = settings or InvoicingSettings()
    app = InvoicingApplication(store_environment(settings.database_url))
    worker = ServiceWorker(CONTEXT, settings)
    worker.publish_from(app, StoreExecutor(CONTEXT, SharedDatabase(app)), _nothing_public_yet)
    return worker
