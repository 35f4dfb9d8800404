"""The store thread: all database work of a process, with group commit for writes.

The eventsourcing recorders are synchronous and SQLite allows one writer at a time, so every
read and write of a process runs on one thread, off the event loop. Writes that arrive while
another is in progress are committed together: each runs in its own SAVEPOINT inside one
transaction, so one command's failure undoes only its own work, and the batch pays for a
single commit. Callers learn their outcome only after that commit.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

import sqlalchemy.exc
from eventsourcing.persistence import IntegrityError

T = TypeVar("T")


class Transactional(Protocol):
    """A database that opens (or joins) a transaction and yields its session."""

    def transaction(self, commit: bool = True) -> AbstractContextManager[Any]: ...


@dataclass
class _Work:
    call: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)
    grouped: bool = False


class StoreExecutor:
    """One thread for a process's database work; concurrent calls commit as a group."""

    def __init__(
        self, name: str, database: Transactional | None = None, max_group: int = 64
    ) -> None:
        self._database = database
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=f"{name}-store", daemon=True)
        self._thread.start()

    def bind(self, database: Transactional) -> None:
        """Name the database whose transactions group writes (when not given at construction)."""
        self._database = database

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the store thread with the caller's context variables.

        With a database bound, the call joins the group of calls waiting at that moment: one
        transaction, a savepoint each, one commit; its result comes back after the commit.
        """
        context = contextvars.copy_context()
        if self._database is None:
            work = _Work(partial(context.run, fn, *args))
        else:
            work = _Work(partial(_in_context, context, fn, *args), grouped=True)
        result: T = await self._submit(work)
        return result

    async def run_alone(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in its own transaction, seeing only what is committed.

        For reads whose result leaves the process (the relay publishing events, the mailer
        sending mails): inside a group they could see a neighbour's writes before the commit
        that might still fail.
        """
        context = contextvars.copy_context()
        result: T = await self._submit(_Work(partial(context.run, fn, *args)))
        return result

    async def _submit(self, work: _Work) -> Any:
        self._queue.put(work)
        return await asyncio.wrap_future(work.future)

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
                _settle(work, work.call)
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
            with self._database.transaction(commit=True) as session:
                for work in group:
                    try:
                        with session.begin_nested():
                            outcomes.append((True, work.call()))
                    except Exception as error:
                        outcomes.append((False, _as_store_error(error)))
        except Exception as error:
            # The commit itself failed: nothing of the group is stored.
            for work in group:
                work.future.set_exception(error)
            return
        for work, (ok, value) in zip(group, outcomes, strict=True):
            if ok:
                work.future.set_result(value)
            else:
                work.future.set_exception(value)


def _in_context(context: contextvars.Context, fn: Callable[..., T], *args: Any) -> T:
    # Run with the caller's variables, but inside the group's open transaction: eventsourcing
    # finds its transaction in a context variable, which must be the store thread's own.
    from eventsourcing_sqlalchemy.datastore import transactions

    from servicekit.database import current_session

    outer_transaction = transactions.get(None)
    outer_session = current_session.get(None)

    def call() -> T:
        if outer_transaction is not None:
            transactions.set(outer_transaction)
        if outer_session is not None:
            current_session.set(outer_session)
        return fn(*args)

    return context.run(call)


def _as_store_error(error: Exception) -> Exception:
    # Inside a savepoint SQLAlchemy's own IntegrityError surfaces; callers know eventsourcing's.
    if isinstance(error, sqlalchemy.exc.IntegrityError):
        converted = IntegrityError(str(error))
        converted.__cause__ = error
        return converted
    return error


def _settle(work: _Work, call: Callable[[], Any]) -> None:
    try:
        work.future.set_result(call())
    except BaseException as error:
        work.future.set_exception(error)
