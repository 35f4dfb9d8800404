"""Composition root: settings in, a wired organisation service out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor

from organisation.application import OrganisationApplication
from organisation.kvk import KvkRegister, register_from_settings
from organisation.settings import OrganisationSettings
from organisation.state.tables import create_state_tables
from organisation.usecases.organisations import Organisations
from organisation.vat_check import VatChecker, vat_checker_from_settings


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


@dataclass
class OrganisationService:
    """The organisation service's parts, wired."""

    settings: OrganisationSettings
    app: OrganisationApplication
    database: SharedDatabase
    executor: StoreExecutor
    organisations: Organisations
    register: KvkRegister
    vat_checker: VatChecker


def bootstrap(
    settings: OrganisationSettings | None = None, clock: Callable[[], datetime] = utc_now
) -> OrganisationService:
    """Build the organisation service from settings (environment variables by default)."""
    settings = settings or OrganisationSettings()
    app = OrganisationApplication(store_environment(settings.database_url))
    database = SharedDatabase(app)
    create_state_tables(database.engine)
    return OrganisationService(
        settings=settings,
        app=app,
        database=database,
        executor=StoreExecutor("organisation", database),
        organisations=Organisations(app, database, clock),
        register=register_from_settings(settings),
        vat_checker=vat_checker_from_settings(settings),
    )
