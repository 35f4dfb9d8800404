"""The store thread: all database work of a process, with group commit for writes.

The eventsourcing recorders are synchronous and SQLite allows one writer at a time, so every
read and write of a process runs on one thread, off the event loop. Writes that arrive while
another is in progress run in one transaction and pay for one commit (measured: a grouped
get-and-save costs half of one on its own, on SQLite and on PostgreSQL). Callers learn their
outcome only after that commit. A call that fails without having written anything (a domain
refusal: guards run before facts) leaves its group alone; one that fails after writing rolls
the whole group back, and then every call of the group runs again on its own, so each gets
exactly the outcome it would have had alone. (Savepoints per call were measured too: they cost
more than the commit they save.)
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

import sqlalchemy.event
import sqlalchemy.exc
from eventsourcing.persistence import IntegrityError
from sqlalchemy.engine import Engine

from servicekit.database import store_unreachable

T = TypeVar("T")


class Transactional(Protocol):
    """A database that opens (or joins) a transaction and yields its session."""

    @property
    def engine(self) -> Engine: ...

    def transaction(self, commit: bool = True) -> AbstractContextManager[Any]: ...


@dataclass
class _Work:
    call: Callable[[], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    grouped: bool = False


class StoreExecutor:
    """One thread for a process's database work; concurrent calls commit as a group."""

    def __init__(
        self, name: str, database: Transactional | None = None, max_group: int = 64
    ) -> None:
        self._database: Transactional | None = None
        self._writes = _WriteCounter()
        if database is not None:
            self.bind(database)
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=f"{name}-store", daemon=True)
        self._thread.start()

    def bind(self, database: Transactional) -> None:
        """Name the database whose transactions group writes (when not given at construction)."""
        self._database = database
        sqlalchemy.event.listen(database.engine, "before_cursor_execute", self._writes)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the store thread with the caller's context variables.

        With a database bound, the call joins the group of calls waiting at that moment: one
        transaction, a savepoint each, one commit; its result comes back after the commit.
        """
        context = contextvars.copy_context()
        if self._database is None:
            result: T = await self._submit(partial(context.run, fn, *args), grouped=False)
        else:
            result = await self._submit(partial(_in_context, context, fn, *args), grouped=True)
        return result

    async def run_alone(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in its own transaction, seeing only what is committed.

        For reads whose result leaves the process (the relay publishing events, the mailer
        sending mails): inside a group they could see a neighbour's writes before the commit
        that might still fail.
        """
        context = contextvars.copy_context()
        result: T = await self._submit(partial(context.run, fn, *args), grouped=False)
        return result

    async def _submit(self, call: Callable[[], Any], grouped: bool) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put(_Work(call, loop, future, grouped))
        return await future

    def shutdown(self) -> None:
        """Finish queued work, then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _serve(self) -> None:
        pending: list[_Work] = []
        while True:
            work = pending.pop(0) if pending else self._queue.get()
            if work is None:
                return
            if not work.grouped:
                _deliver([_settle(work, work.call)])
                continue
            group = [work]
            while len(group) < self._max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is not None and more.grouped:
                    group.append(more)
                else:
                    pending.append(more)  # type: ignore[arg-type]
                    break
            self._commit_group(group)

    def _commit_group(self, group: list[_Work]) -> None:
        assert self._database is not None
        outcomes: list[tuple[bool, Any]] = []
        try:
            with self._database.transaction(commit=True):
                for work in group:
                    writes_before = self._writes.count
                    try:
                        outcomes.append((True, work.call()))
                    except Exception as error:
                        if self._writes.count != writes_before or store_unreachable(error):
                            # It wrote before failing, or the connection under the whole group
                            # is gone: only a rollback of all undoes that, and the others then
                            # meet the outage themselves (a commit on the dead connection would
                            # fail with an error that no longer says "unreachable").
                            raise _GroupAborted from error
                        outcomes.append((False, _as_store_error(error)))
        except _GroupAborted:
            # Each alone now, in its own transaction.
            _deliver([_settle(work, work.call) for work in group])
            return
        except Exception as error:
            # The commit itself failed: nothing of the group is stored.
            _deliver([(work, False, error) for work in group])
            return
        _deliver([(work, ok, value) for work, (ok, value) in zip(group, outcomes, strict=True)])


class _GroupAborted(Exception):
    """A write failed halfway inside a group; the group is rolled back and run item by item."""


class _WriteCounter:
    """Counts statements that change data, so a failed call that wrote nothing spares its group."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip()[:6].upper().startswith(("SELECT", "PRAGMA")):
            self.count += 1


def _in_context(context: contextvars.Context, fn: Callable[..., T], *args: Any) -> T:
    # Run with the caller's variables, but inside the group's open transaction: eventsourcing
    # finds its transaction in a context variable, which must be the store thread's own.
    from eventsourcing_sqlalchemy.datastore import transactions

    from servicekit.database import current_session

    outer_transaction = transactions.get(None)
    outer_session = current_session.get(None)

    def call() -> T:
        # Set and reset: the same context runs again if its group has to be re-run alone.
        tokens: list[tuple[contextvars.ContextVar[Any], contextvars.Token[Any]]] = []
        if outer_transaction is not None:
            tokens.append((transactions, transactions.set(outer_transaction)))
        if outer_session is not None:
            tokens.append((current_session, current_session.set(outer_session)))
        try:
            return fn(*args)
        finally:
            for var, token in reversed(tokens):
                var.reset(token)

    return context.run(call)


def _as_store_error(error: Exception) -> Exception:
    # Inside a savepoint SQLAlchemy's own IntegrityError surfaces; callers know eventsourcing's.
    if isinstance(error, sqlalchemy.exc.IntegrityError):
        converted = IntegrityError(str(error))
        converted.__cause__ = error
        return converted
    return error


def _settle(work: _Work, call: Callable[[], Any]) -> tuple[_Work, bool, Any]:
    try:
        return work, True, call()
    except Exception as error:
        return work, False, _as_store_error(error)
    except BaseException as error:
        return work, False, error


def _deliver(outcomes: list[tuple[_Work, bool, Any]]) -> None:
    """Hand the outcomes to their callers: one wake-up of each event loop for all of them
    (the loop's self-pipe write and read, and a callback each, were a few percent of a busy
    process's CPU when every call woke its loop on its own)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Work, bool, Any]]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody waits
            loop.call_soon_threadsafe(_resolve, settled)


def _resolve(outcomes: list[tuple[_Work, bool, Any]]) -> None:
    for work, ok, value in outcomes:
        if work.future.cancelled():
            continue
        if ok:
            work.future.set_result(value)
        else:
            work.future.set_exception(value)
