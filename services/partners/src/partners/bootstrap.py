"""Composition root: settings in, a wired partners service out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor
from servicekit.tables import create_bookkeeping_tables
from sqlalchemy import event

from partners.application import PartnersApplication
from partners.delivery.dispatcher import Dispatcher
from partners.delivery.log import DeliveryLog
from partners.integration.inbound import DeliveriesFromEvents
from partners.secrets_book import SecretBook
from partners.settings import PartnersSettings
from partners.tables import create_tables
from partners.usecases.webhooks import Webhooks


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    # WAL: the dispatcher's queue reads do not wait for the consumer's and recorder's writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


@dataclass
class Partners:
    """The partners service's parts, wired."""

    settings: PartnersSettings
    app: PartnersApplication
    database: SharedDatabase
    executor: StoreExecutor
    secrets: SecretBook
    webhooks: Webhooks
    deliveries: DeliveryLog
    inbound: DeliveriesFromEvents
    dispatcher: Dispatcher


def bootstrap(
    settings: PartnersSettings | None = None, clock: Callable[[], datetime] = utc_now
) -> Partners:
    """Build the partners service from settings (environment variables by default)."""
    settings = settings or PartnersSettings()
    app = PartnersApplication(store_environment(settings.database_url))
    database = SharedDatabase(app)
    if database.engine.dialect.name == "sqlite":
        event.listen(database.engine, "connect", _sqlite_wal)
        database.engine.dispose()
    create_tables(database.engine)
    create_bookkeeping_tables(database.engine)
    executor = StoreExecutor("partners", database)
    secrets = SecretBook(settings.partners_private_key)
    deliveries = DeliveryLog(app, database, clock)
    return Partners(
        settings=settings,
        app=app,
        database=database,
        executor=executor,
        secrets=secrets,
        webhooks=Webhooks(app, database, secrets, clock),
        deliveries=deliveries,
        inbound=DeliveriesFromEvents(clock),
        dispatcher=Dispatcher(settings, deliveries, executor, secrets, clock),
    )
