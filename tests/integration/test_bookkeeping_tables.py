"""Replicas starting together create the bookkeeping tables once, without failing each other."""

from __future__ import annotations

import threading

from servicekit.tables import create_bookkeeping_tables
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool


def test_replicas_creating_the_tables_at_once_all_start(postgres_database: str) -> None:
    url = postgres_database.replace("postgresql://", "postgresql+psycopg://", 1)
    engines = [create_engine(url, poolclass=NullPool) for _ in range(8)]
    start = threading.Barrier(len(engines))
    failures: list[BaseException] = []

    def replica(index: int) -> None:
        start.wait()
        try:
            create_bookkeeping_tables(engines[index])
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=replica, args=(i,)) for i in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    tables = set(inspect(engines[0]).get_table_names())
    assert {"relay_positions", "processed_events", "read_model_rebuilds"} <= tables
    for engine in engines:
        engine.dispose()
