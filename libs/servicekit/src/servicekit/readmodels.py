"""Rebuilding a read model from the event stream while the service keeps running.

A read model is the tables one durable consumer keeps with one effect (its whole effect: a
consumer that also sends mails or saves aggregates cannot be replayed). A rebuild:

1. creates a fresh copy of the model's tables (`<table>__r<stamp>`) beside the live ones;
2. replays the EVENTS stream's messages on the model's subjects, up to the last one at the
   start, through the same effect (or the model's batch form of it, a batch per call),
   redirected to the copy (the statements the effect runs are rewritten for this work only:
   the live consumer keeps writing the live tables meanwhile);
3. on the store thread, so the service's own consumer waits, and with the live tables locked
   against other replicas: applies to the copy what the live consumer applied after the
   replay's end, records as processed what the copy applied and the consumer had not yet,
   compares the copy with the live tables, and swaps them by renaming, in one transaction.

Readers see the old model or the new one, never a half-built one, and nothing stops.

With replicas, the rebuild's status lives in the service's database (servicekit.rebuild_ledger):
one replica claims the model under a lease it renews with its progress, any replica answers
for it, and a replica killed mid-rebuild leaves a status that reads as failed once its lease
is over (and copies the next rebuild drops), never a half-swapped model.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import structlog
from contracts.envelope import Envelope, parse_event
from contracts.events.base import IntegrationEvent
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import ServiceUnavailableError
from pydantic import BaseModel
from sqlalchemy import JSON, MetaData, Table, event, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicekit import metrics
from servicekit.consumer import Effect, Transactional
from servicekit.executor import StoreExecutor
from servicekit.rebuild_ledger import RebuildLedger
from servicekit.streams import EVENTS_STREAM
from servicekit.tables import processed_events, read_model_rebuilds

log = structlog.get_logger(__name__)

FETCH_BATCH = 2000
SWAP_ATTEMPTS = 5
# A holder renews its claim this often at most; a dead one's claim is over after the lease.
REBUILD_LEASE_SECONDS = 30.0

Replayed = tuple[Envelope, IntegrationEvent]
BatchEffect = Callable[[Session, Sequence[Replayed]], None]

# Table names the statements of the running work are redirected to (None: no redirection).
_redirect: ContextVar[tuple[re.Pattern[str], dict[str, str]] | None] = ContextVar(
    "read_model_redirect", default=None
)


@dataclass(frozen=True)
class ReadModel:
    """Tables kept by one durable consumer's effect from the events on `subjects`.

    `apply_batch`, when given, is how a rebuild replays: many events in one call, with exactly
    the outcome of `apply` on each in turn (the rebuild compares its copy with the model the
    live consumer built with `apply`), and raising, before it writes anything, whatever `apply`
    would raise for any one of them.
    """

    name: str
    consumer: str
    subjects: Sequence[str]
    tables: Sequence[Table]
    apply: Effect
    apply_batch: BatchEffect | None = None


class RebuildStatus(BaseModel):
    """Where a rebuild stands, or how the last one went."""

    model: str
    state: Literal["never", "running", "done", "failed"] = "never"
    phase: str | None = None
    holder: str | None = None
    tables: list[str] = []
    started_at: datetime | None = None
    finished_at: datetime | None = None
    events: int = 0
    applied: int = 0
    skipped: int = 0
    seconds: float = 0.0
    events_per_second: float = 0.0
    rows: int = 0
    matches_live: bool | None = None
    differences: int = 0
    ahead_of_live: int = 0
    error: str | None = None


class RebuildRequest(BaseModel):
    """`cmd.<context>.rebuild`: which read model."""

    model: str


def rebuild_subject(context: str) -> str:
    """Where a service takes rebuild requests."""
    return f"cmd.{context}.rebuild"


def read_models_subject(context: str) -> str:
    """Where a service lists its read models and their last rebuild."""
    return f"qry.{context}.read-models"


def install_redirection(engine: Engine) -> None:
    """Let rebuild work on this engine write to the copy (idempotent)."""
    if not event.contains(engine, "before_cursor_execute", _rewrite):
        event.listen(engine, "before_cursor_execute", _rewrite, retval=True)


def _rewrite(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
) -> tuple[str, Any]:
    redirect = _redirect.get()
    if redirect is None:
        return statement, parameters
    pattern, names = redirect
    return pattern.sub(lambda match: names[match.group(0)], statement), parameters


@contextlib.contextmanager
def redirected(names: dict[str, str]) -> Iterator[None]:
    """Statements run inside this block use the copies' names instead of the live tables'."""
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
    token = _redirect.set((pattern, names))
    try:
        yield
    finally:
        _redirect.reset(token)


class RebuildLost(Exception):
    """Another replica took the model over (this one's lease ran out): nothing is swapped in."""


class Rebuilder:
    """Rebuilds one read model of a service: one rebuild of it at a time, across replicas."""

    def __init__(
        self,
        model: ReadModel,
        database: Transactional,
        executor: StoreExecutor,
        engine: Engine,
        lease_seconds: float = REBUILD_LEASE_SECONDS,
    ) -> None:
        self.model = model
        self._db = database
        self._executor = executor
        self._engine = engine
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._ledger = RebuildLedger(holder, lease_seconds)
        self.status = self._fresh_status()
        self._skipped_ids: set[str] = set()
        self._lost = False
        self._started = 0.0
        install_redirection(engine)
        read_model_rebuilds.create(engine, checkfirst=True)

    @property
    def running(self) -> bool:
        """Whether this process is rebuilding the model."""
        return self.status.state == "running"

    async def claim(self) -> bool:
        """Take the model for a rebuild by this process; False while a rebuild of it runs."""
        if self.running:
            return False
        status = self._fresh_status(state="running", phase="starting", started_at=datetime.now(UTC))
        claimed: bool = await self._executor.run_alone(
            self._in_transaction, self._ledger.claim, status, time.time()
        )
        if claimed:
            self.status = status
            self._lost = False
        return claimed

    async def current(self) -> RebuildStatus:
        """The model's last rebuild, or where the running one stands, as every replica sees it."""
        try:
            found = await self._executor.run_alone(
                self._in_transaction, self._ledger.read, self.model.name, time.time()
            )
        except Exception as error:
            # The database is away: what this process knows is better than nothing.
            log.warning("rebuild status not read", model=self.model.name, error=repr(error))
            return self.status
        return found or self.status

    async def rebuild(self, js: JetStreamContext) -> RebuildStatus:
        """Build a copy from the stream, then swap it in; returns how it went.

        Claims the model first unless `claim()` did; while another replica rebuilds it,
        starts nothing and returns that rebuild's status.
        """
        if not self.running and not await self.claim():
            return await self.current()
        self._started = time.perf_counter()
        suffix = f"__r{int(time.time() * 1000)}"
        copies = _copies(self.model.tables, suffix)
        names = {table.name: copy.name for table, copy in copies.items()}
        renewing = asyncio.create_task(self._renew_while_running())
        try:
            with _batches_die_young():
                await self._rebuild(js, copies, names)
            metrics.READ_MODEL_REBUILDS.labels(self.model.name, "done").inc()
        except Exception as error:
            log.exception("read model rebuild failed", model=self.model.name)
            await self._fail(repr(error)[:500], copies, recorded=not isinstance(error, RebuildLost))
        except asyncio.CancelledError:
            # The process stops: say so now rather than when the lease is over.
            await self._fail("stopped: its replica shut down; rebuild again", copies)
            raise
        finally:
            renewing.cancel()
        log.info("read model rebuilt", **self.status.model_dump(mode="json"))
        return self.status

    def _fresh_status(self, **values: Any) -> RebuildStatus:
        return RebuildStatus(
            model=self.model.name,
            holder=self._ledger.holder,
            tables=[table.name for table in self.model.tables],
            **values,
        )

    def _in_transaction(self, work: Callable[..., Any], *args: Any) -> Any:
        with self._db.transaction(commit=True) as session:
            return work(session, *args)

    async def _fail(self, error: str, copies: dict[Table, Table], recorded: bool = True) -> None:
        """Note the failure here and, unless another replica took over, in the ledger."""
        self.status.state = "failed"
        self.status.error = error
        self._time_it()
        metrics.READ_MODEL_REBUILDS.labels(self.model.name, "failed").inc()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._executor.run_alone(self._drop, list(copies.values())), 10)
        if recorded:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._executor.run_alone(
                        self._in_transaction, self._ledger.finish, self.status
                    ),
                    10,
                )

    def _time_it(self) -> None:
        self.status.finished_at = datetime.now(UTC)
        self.status.seconds = round(time.perf_counter() - self._started, 3)
        if self.status.seconds > 0:
            self.status.events_per_second = round(self.status.events / self.status.seconds, 1)

    async def _renew_while_running(self) -> None:
        """Renew the claim with the progress so far while the rebuild runs; note a lost one.

        On a connection of its own, beside the store thread: a long batch or comparison there
        must not let the lease run out. A renewal the database refuses is retried; only when
        the whole lease went by without one does this replica take it as lost (another may
        have claimed the model meanwhile).
        """
        every = max(0.1, min(self._ledger.lease_seconds / 3, 2.0))
        renewed_at = time.monotonic()
        while True:
            await asyncio.sleep(every)
            try:
                held = await asyncio.to_thread(self._renew_on_own_connection)
            except Exception as error:
                log.warning("rebuild lease not renewed", model=self.model.name, error=repr(error))
                held = time.monotonic() - renewed_at < self._ledger.lease_seconds
            else:
                renewed_at = time.monotonic() if held else renewed_at
            if not held and self.running:
                self._lost = True
                return

    def _renew_on_own_connection(self) -> bool:
        with Session(self._engine) as session, session.begin():
            return self._ledger.renew(session, self.status, time.time())

    def _still_held(self) -> None:
        if self._lost:
            raise RebuildLost("its lease ran out and another replica may have taken over")

    async def _rebuild(
        self, js: JetStreamContext, copies: dict[Table, Table], names: dict[str, str]
    ) -> None:
        """Create the copy, replay into it, catch it up, compare and swap (see the module)."""
        self.status.phase = "copying"
        await self._executor.run_alone(self._create, copies)
        info = await js.stream_info(EVENTS_STREAM)
        until = info.state.last_seq
        applied_ids: dict[str, str] = {}
        self._skipped_ids = set()
        self.status.phase = "replaying"
        # One batch at a time: fetching the next one while the store thread applies this one
        # was measured slower on SQLite (the two threads contend for the GIL at every step the
        # store thread's driver takes, and the CPU time of the whole grows by a tenth).
        async for batch in replay(js, self.model.subjects, until):
            self._still_held()
            await self._executor.run_alone(self._apply_batch, names, batch, applied_ids)
            self.status.events += len(batch)
            self.status.applied = len(applied_ids)
        self.status.phase = "catching up and swapping"
        for _attempt in range(SWAP_ATTEMPTS):
            self._still_held()
            tail_end = (await js.stream_info(EVENTS_STREAM)).state.last_seq
            tail = [
                pair
                async for batch in replay(js, self.model.subjects, tail_end, until)
                for pair in batch
            ]
            outcome = await self._executor.run_alone(self._swap, names, tail, applied_ids, copies)
            if outcome is not None:
                return
            until = tail_end  # the live consumer moved on meanwhile: catch up again
        raise RuntimeError("the live consumer kept moving; try again when it is quieter")

    def _conclude(self, outcome: tuple[int, int, int], applied: dict[str, str]) -> None:
        """The status of a rebuild whose copy is about to take the live model's place."""
        self.status.rows, self.status.differences, self.status.ahead_of_live = outcome
        # Events the live consumer had yet to apply make the two differ by design.
        if self.status.ahead_of_live == 0:
            self.status.matches_live = self.status.differences == 0
        self.status.applied = len(applied)
        self.status.state = "done"
        self.status.phase = "swapped"
        self._time_it()

    def _create(self, copies: dict[Table, Table]) -> None:
        """Drop the copies a rebuild that died left behind, then create this one's."""
        live = {table.name for table in self.model.tables}
        leftover = re.compile(r"^(" + "|".join(re.escape(n) for n in live) + r")__r\d+$")
        with self._engine.begin() as connection:
            for name in inspect(connection).get_table_names():
                if leftover.match(name):
                    log.info(
                        "copy of a rebuild that died dropped", model=self.model.name, table=name
                    )
                    connection.execute(text(f'DROP TABLE "{name}"'))
            for copy in copies.values():
                copy.create(connection)

    def _drop(self, copies: list[Table]) -> None:
        with self._engine.begin() as connection:
            for copy in copies:
                copy.drop(connection, checkfirst=True)

    def _apply_batch(
        self, names: dict[str, str], batch: list[Replayed], applied: dict[str, str]
    ) -> None:
        """Apply a batch in one transaction; if an event fails, again in halves, and so on.

        A savepoint costs as much as a commit on SQLite (measured: ~2 ms), and effects refuse
        rarely in a replay, so the fast path goes without; halving finds the refused events
        in a few savepoints each rather than one per event of the batch.
        """
        try:
            with self._db.transaction(commit=True) as session, redirected(names):
                self._apply_all(session, batch)
        except Exception:
            with self._db.transaction(commit=True) as session, redirected(names):
                self._apply_halves(session, batch, applied)
            return
        applied.update((envelope.id, envelope.type) for envelope, _ in batch)

    def _apply_all(self, session: Session, batch: Sequence[Replayed]) -> None:
        if self.model.apply_batch is not None:
            self.model.apply_batch(session, batch)
            return
        for envelope, integration_event in batch:
            self.model.apply(session, envelope, integration_event)

    def _apply_halves(
        self, session: Session, batch: Sequence[Replayed], applied: dict[str, str]
    ) -> None:
        """Apply a batch known to hold a refused event: each half in a savepoint, recursively."""
        if len(batch) == 1:
            self._apply_one(session, *batch[0], applied)
            return
        middle = len(batch) // 2
        for half in (batch[:middle], batch[middle:]):
            try:
                with session.begin_nested():
                    self._apply_all(session, half)
            except Exception:
                self._apply_halves(session, half, applied)
                continue
            applied.update((envelope.id, envelope.type) for envelope, _ in half)

    def _apply_one(
        self,
        session: Session,
        envelope: Envelope,
        integration_event: IntegrationEvent,
        applied: dict[str, str],
    ) -> None:
        try:
            with session.begin_nested():
                self.model.apply(session, envelope, integration_event)
        except Exception as error:
            # The live consumer met the same refusal (and dead-lettered it, or retries it).
            self.status.skipped += 1
            self._skipped_ids.add(envelope.id)
            log.debug("event skipped in rebuild", event_id=envelope.id, error=repr(error))
            return
        applied[envelope.id] = envelope.type

    def _swap(
        self,
        names: dict[str, str],
        tail: list[Replayed],
        applied: dict[str, str],
        copies: dict[Table, Table],
    ) -> tuple[int, int, int] | None:
        """Catch the copy up with the live model, compare and swap; None: catch up again.

        Returns the copy's rows, the rows that differ from the live model, and how many events
        the copy has that the live consumer had not applied yet (then they differ by those).
        """
        with self._db.transaction(commit=True) as session:
            if self._engine.dialect.name == "postgresql":
                # Other replicas' consumers wait; this process's wait for the store thread.
                for table in self.model.tables:
                    session.execute(text(f'LOCK TABLE "{table.name}" IN EXCLUSIVE MODE'))
            # Still ours (renewed in this transaction, so no replica can claim it before the
            # swap commits): a replica whose lease ran out must not swap anything in.
            if not self._ledger.renew(session, self.status, time.time()):
                raise RebuildLost("its lease ran out before the swap; nothing was swapped in")
            processed = set(
                session.execute(
                    select(processed_events.c.event_id).where(
                        processed_events.c.consumer == self.model.consumer
                    )
                ).scalars()
            )
            replayed = set(applied) | self._skipped_ids
            if processed - replayed - {envelope.id for envelope, _ in tail}:
                return None
            with redirected(names):
                for envelope, integration_event in tail:
                    if envelope.id in processed and envelope.id not in applied:
                        self._apply_one(session, envelope, integration_event, applied)
            rows, differences = _compare(session, copies)
            now = datetime.now(UTC)
            ahead = [
                {
                    "consumer": self.model.consumer,
                    "event_id": event_id,
                    "event_type": event_type,
                    "processed_at": now,
                }
                for event_id, event_type in applied.items()
                if event_id not in processed
            ]
            if ahead:
                # The copy has these already: the live consumer must not apply them again.
                session.execute(processed_events.insert(), ahead)
            for table, copy in copies.items():
                old = f"{table.name}__old{copy.name[len(table.name) :]}"
                session.execute(text(f'ALTER TABLE "{table.name}" RENAME TO "{old}"'))
                session.execute(text(f'ALTER TABLE "{copy.name}" RENAME TO "{table.name}"'))
                session.execute(text(f'DROP TABLE "{old}"'))
            # The outcome is committed with the swap, or neither is.
            self._conclude((rows, differences, len(ahead)), applied)
            if not self._ledger.finish(session, self.status):
                raise RebuildLost("another replica took the model over before the swap")
            return rows, differences, len(ahead)


# Allocations between young-generation collections while rebuilds run (CPython's default: 700).
REBUILD_GC_THRESHOLD = 100_000
_rebuilds_running = 0
_thresholds: tuple[int, ...] = ()


@contextlib.contextmanager
def _batches_die_young() -> Iterator[None]:
    """Let a replayed batch's objects be freed young instead of reaching the oldest generation.

    A replay allocates some twenty objects per event and keeps a batch of them alive until it
    is applied: with the default threshold they outlive two young collections, reach the oldest
    generation and trigger its collections, each of which walks the whole process's heap
    (measured: a quarter of a rebuild's CPU time, bench/rebuild). With a threshold above a
    batch's allocations, a batch is freed before a collection sees it. The threshold is put
    back, and the young generation collected, when the last running rebuild ends.
    """
    global _rebuilds_running, _thresholds
    if _rebuilds_running == 0:
        _thresholds = gc.get_threshold()
        gc.set_threshold(REBUILD_GC_THRESHOLD, *_thresholds[1:])
    _rebuilds_running += 1
    try:
        yield
    finally:
        _rebuilds_running -= 1
        if _rebuilds_running == 0:
            gc.set_threshold(*_thresholds)
            gc.collect(0)


def _copies(tables: Sequence[Table], suffix: str) -> dict[Table, Table]:
    metadata = MetaData()
    copies: dict[Table, Table] = {}
    for table in tables:
        copy = table.to_metadata(metadata, name=f"{table.name}{suffix}")
        for index in copy.indexes:
            if index.name:
                index.name = f"{index.name}{suffix}"  # type: ignore[assignment]
        copies[table] = copy
    return copies


def _compare(session: Session, copies: dict[Table, Table]) -> tuple[int, int]:
    """Rows of the copy, and how many rows differ between it and the live tables.

    The database compares (EXCEPT both ways: rows with the same values in every column are
    equal, NULLs included); tables with a JSON column, which PostgreSQL cannot compare, are
    compared here by their values' repr instead.
    """
    rows = differences = 0
    for table, copy in copies.items():
        rows += session.execute(select(func.count()).select_from(copy)).scalar_one()
        if any(isinstance(column.type, JSON) for column in table.columns):
            differences += len(_rows(session, table) ^ _rows(session, copy))
            continue
        for one, other in ((table, copy), (copy, table)):
            only = select(*one.columns).except_(select(*other.columns)).subquery()
            differences += session.execute(select(func.count()).select_from(only)).scalar_one()
    return rows, differences


def _rows(session: Session, table: Table) -> set[tuple[str, ...]]:
    return {tuple(repr(value) for value in row) for row in session.execute(select(table))}


async def replay(js: JetStreamContext, subjects: Sequence[str], until: int, after: int = 0) -> Any:
    """The events on `subjects` with stream sequence in (after, until], in batches, parsed.

    An ephemeral pull consumer without acknowledgements: the fastest way JetStream hands out a
    stream's messages in order.
    """
    async for messages in raw_batches(js, subjects, until, after):
        batch: list[Replayed] = []
        for msg in messages:
            try:
                envelope = Envelope.from_json(msg.data)
                batch.append((envelope, parse_event(envelope)))
            except ValueError:
                continue  # unreadable: the live consumer dead-lettered it as well
        if batch:
            yield batch


# How many unanswered pulls of a fresh replay consumer to wait out (0.2 s apart).
UNANSWERED_PULLS = 25


async def raw_batches(
    js: JetStreamContext, subjects: Sequence[str], until: int, after: int = 0
) -> Any:
    """The raw messages on `subjects` with stream sequence in (after, until], in batches."""
    if until <= after:
        return
    config = ConsumerConfig(
        ack_policy=AckPolicy.NONE,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=after + 1,
        filter_subjects=list(subjects),
        inactive_threshold=60.0,
        max_ack_pending=-1,
    )
    subscription = await js.pull_subscribe(subjects[0], stream=EVENTS_STREAM, config=config)
    unanswered = 0
    try:
        while True:
            try:
                messages: list[Msg] = await subscription.fetch(batch=FETCH_BATCH, timeout=0.5)
            except TimeoutError:
                return  # nothing more on these subjects
            except ServiceUnavailableError:
                # On a NATS cluster a consumer just created may not answer its first pulls
                # yet ("no responders": seen in CI, failing a rebuild). Ask again, a while.
                unanswered += 1
                if unanswered > UNANSWERED_PULLS:
                    raise
                await asyncio.sleep(0.2)
                continue
            inside = [m for m in messages if m.metadata.sequence.stream <= until]
            if inside:
                yield inside
            if len(inside) < len(messages) or messages[-1].metadata.num_pending == 0:
                return
    finally:
        with contextlib.suppress(Exception):
            await subscription.unsubscribe()
        with contextlib.suppress(Exception):
            info = await subscription.consumer_info()
            await js.delete_consumer(EVENTS_STREAM, info.name)


__all__ = [
    "REBUILD_LEASE_SECONDS",
    "BatchEffect",
    "ReadModel",
    "RebuildLost",
    "RebuildRequest",
    "RebuildStatus",
    "Rebuilder",
    "Replayed",
    "raw_batches",
    "read_models_subject",
    "rebuild_subject",
    "replay",
]
