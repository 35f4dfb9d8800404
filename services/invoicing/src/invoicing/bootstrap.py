"""Composition root: settings in, a wired invoicing service out."""

from __future__ import annotations

import asyncio
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
from invoicing.transport import Transport, transport_from
from invoicing.usecases.invoices import Invoices
from invoicing.validation import rules_dir_from
from invoicing.validation.intake import DEFAULT_MAX_BYTES
from invoicing.validation.rules import RulesDirectory
from invoicing.validation.workers import ValidationPool

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


class Rules:
    """The validator, loaded in the background: compiling the rules takes seconds, and the
    service answers everything else (and says it is ready) meanwhile."""

    def __init__(self, settings: InvoicingSettings) -> None:
        self._settings = settings
        self._loaded: asyncio.Future[ValidationPool | None] | None = None
        self.problem: str | None = None

    def start_loading(self) -> None:
        """Compile the rules and start the validation workers, off the event loop."""
        if self._loaded is not None:
            return
        self._loaded = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().create_task(self._load())

    async def _load(self) -> None:
        assert self._loaded is not None
        rules_dir = rules_dir_from(self._settings.einvoice_rules_dir)
        if rules_dir is None:
            self.problem = (
                "the official e-invoicing rules are not installed: set EINVOICE_RULES_DIR to "
                "the rules directory (see the README)"
            )
            log.warning("no rules directory; documents cannot be validated", reason=self.problem)
            self._loaded.set_result(None)
            return
        try:
            # Only the worker processes compile the rules: Saxon holds the GIL while it
            # compiles, which here would stall this process's event loop for seconds.
            RulesDirectory.check(rules_dir)
            validator = ValidationPool(
                rules_dir, workers=self._settings.validation_workers, max_bytes=DEFAULT_MAX_BYTES
            )
            await validator.start()
        except Exception as error:
            self.problem = f"the e-invoicing rules did not load: {error}"
            log.error("rules did not load", error=repr(error))
            self._loaded.set_result(None)
            return
        log.info("rules loaded; validation workers warm", rules_dir=str(rules_dir))
        self._loaded.set_result(validator)

    async def validator(self, patience: float) -> ValidationPool | None:
        """The validator once loaded (waiting at most `patience` seconds); None without one."""
        if self._loaded is None:
            self.start_loading()
        assert self._loaded is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._loaded), patience)
        except TimeoutError:
            self.problem = "the e-invoicing rules are still loading"
            return None


@dataclass
class InvoicingService:
    """The invoicing service's parts, wired."""

    settings: InvoicingSettings
    app: InvoicingApplication
    database: SharedDatabase
    executor: StoreExecutor
    invoices: Invoices
    blobs: Blobs
    rules: Rules
    transport: Transport | None


def bootstrap(
    settings: InvoicingSettings | None = None, clock: Callable[[], datetime] = utc_now
) -> InvoicingService:
    """Build the invoicing service from settings (environment variables by default)."""
    settings = settings or InvoicingSettings()
    app = InvoicingApplication(store_environment(settings.database_url))
    database = SharedDatabase(app)
    create_state_tables(database.engine)
    transport = transport_from(settings)
    return InvoicingService(
        settings=settings,
        app=app,
        database=database,
        executor=StoreExecutor("invoicing", database),
        invoices=Invoices(
            app, database, clock, transport.description if transport is not None else None
        ),
        blobs=Blobs(settings.stream_replicas),
        rules=Rules(settings),
        transport=transport,
    )
