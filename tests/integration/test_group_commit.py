"""Writes that arrive together commit together, and each still gets its own outcome."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from servicekit.database import Database, store_unreachable
from servicekit.executor import StoreExecutor
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text

metadata = MetaData()
notes = Table(
    "notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(50))
)


class Refused(Exception):
    pass


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'group.db'}")
    metadata.create_all(db.engine)
    return db


def write(database: Database, note_id: int, text: str) -> int:
    with database.transaction() as session:
        session.execute(insert(notes).values(id=note_id, text=text))
    return note_id


def refuse(database: Database) -> None:
    with database.transaction() as session:
        session.execute(select(notes.c.id))
        raise Refused("a guard said no before anything was written")


def write_then_fail(database: Database, note_id: int) -> None:
    with database.transaction() as session:
        session.execute(insert(notes).values(id=note_id, text="half"))
        raise RuntimeError("failed after writing")


def stored(database: Database) -> list[int]:
    with database.transaction(commit=False) as session:
        return sorted(row.id for row in session.execute(select(notes.c.id)))


async def test_concurrent_writes_all_land(database: Database) -> None:
    executor = StoreExecutor("t", database)
    results = await asyncio.gather(*(executor.run(write, database, i, f"n{i}") for i in range(50)))
    assert results == list(range(50))
    assert stored(database) == list(range(50))


async def test_a_refusal_in_a_group_leaves_the_others_alone(database: Database) -> None:
    executor = StoreExecutor("t", database)
    outcomes = await asyncio.gather(
        executor.run(write, database, 1, "a"),
        executor.run(refuse, database),
        executor.run(write, database, 2, "b"),
        return_exceptions=True,
    )
    assert outcomes[0] == 1 and outcomes[2] == 2
    assert isinstance(outcomes[1], Refused)
    assert stored(database) == [1, 2]


async def test_a_call_that_fails_after_writing_undoes_only_its_own_work(database: Database) -> None:
    executor = StoreExecutor("t", database)
    outcomes = await asyncio.gather(
        executor.run(write, database, 1, "a"),
        executor.run(write_then_fail, database, 99),
        executor.run(write, database, 2, "b"),
        return_exceptions=True,
    )
    assert outcomes[0] == 1 and outcomes[2] == 2
    assert isinstance(outcomes[1], RuntimeError)
    assert stored(database) == [1, 2]


async def test_a_duplicate_key_fails_alone_as_an_integrity_error(database: Database) -> None:
    from eventsourcing.persistence import IntegrityError

    executor = StoreExecutor("t", database)
    await executor.run(write, database, 7, "first")
    outcomes = await asyncio.gather(
        executor.run(write, database, 8, "ok"),
        executor.run(write, database, 7, "again"),
        return_exceptions=True,
    )
    assert outcomes[0] == 8
    assert isinstance(outcomes[1], IntegrityError)
    assert stored(database) == [7, 8]


async def test_work_run_alone_sees_only_committed_rows(database: Database) -> None:
    executor = StoreExecutor("t", database)

    def count() -> int:
        with database.transaction(commit=False) as session:
            return int(session.execute(select(func.count()).select_from(notes)).scalar_one())

    first = await executor.run(write, database, 1, "a")
    seen = await executor.run_alone(count)
    assert first == 1 and seen == 1


def sleep_then_write(database: Database, note_id: int) -> int:
    import time

    time.sleep(0.3)  # the calls submitted meanwhile queue up and form the next group
    return write(database, note_id, "first")


def lose_the_connection(database: Database) -> None:
    with database.transaction() as session:
        session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))


async def test_a_connection_lost_under_a_group_is_an_outage_for_that_call_only(
    postgres_database: str,
) -> None:
    # PostgreSQL ended the group's connection during one call (chaos's PostgreSQL cut did that
    # by terminating the backends). The calls grouped with it did nothing wrong: they run again
    # on a fresh connection. Before, they met the dead transaction's commit, whose error
    # (PendingRollbackError) no longer said "unreachable", and the gateway answered 500.
    database = Database(postgres_database)
    metadata.create_all(database.engine)
    executor = StoreExecutor("t", database)
    outcomes = await asyncio.gather(
        executor.run(sleep_then_write, database, 1),
        executor.run(write, database, 2, "before"),
        executor.run(lose_the_connection, database),
        executor.run(write, database, 3, "after"),
        return_exceptions=True,
    )
    assert outcomes[0] == 1 and outcomes[1] == 2 and outcomes[3] == 3
    assert isinstance(outcomes[2], Exception) and store_unreachable(outcomes[2])
    assert stored(database) == [1, 2, 3]
    executor.shutdown()
