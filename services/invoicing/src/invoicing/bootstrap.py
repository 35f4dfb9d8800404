"""Composition root: settings in, a wired invoicing service out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor

from invoicing.application import InvoicingApplication
from invoicing.blobs import Blobs
from invoicing.settings import InvoicingSettings
from invoicing.state.tables import create_state_tables
from invoicing.usecases.invoices import Invoices
from invoicing.validation import Validator, load_validator, rules_dir_from

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


@dataclass
class InvoicingService:
    """The invoicing service's parts, wired."""

    settings: InvoicingSettings
    app: InvoicingApplication
    database: SharedDatabase
    executor: StoreExecutor
    invoices: Invoices
    blobs: Blobs
    validator: Validator | None
    rules_problem: str | None


def bootstrap(
    settings: InvoicingSettings | None = None, clock: Callable[[], datetime] = utc_now
) -> InvoicingService:
    """Build the invoicing service from settings (environment variables by default)."""
    settings = settings or InvoicingSettings()
    app = InvoicingApplication(store_environment(settings.database_url))
    database = SharedDatabase(app)
    create_state_tables(database.engine)
    validator, problem = _validator(settings)
    return InvoicingService(
        settings=settings,
        app=app,
        database=database,
        executor=StoreExecutor("invoicing", database),
        invoices=Invoices(app, database, clock),
        blobs=Blobs(settings.stream_replicas),
        validator=validator,
        rules_problem=problem,
    )


def _validator(settings: InvoicingSettings) -> tuple[Validator | None, str | None]:
    """The validator, compiled and warm; without the rules, None and why."""
    rules_dir = rules_dir_from(settings.einvoice_rules_dir)
    if rules_dir is None:
        problem = (
            "the official e-invoicing rules are not installed: set EINVOICE_RULES_DIR to the "
            "rules directory (see the README)"
        )
        log.warning("no rules directory; documents cannot be validated", reason=problem)
        return None, problem
    return load_validator(rules_dir), None
