"""What every service's `python -m <service>` does: build its worker, then run it until told to
stop."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

import uvloop

from servicekit.database import schema_lock

if TYPE_CHECKING:
    from servicekit.worker import ServiceWorker


def run_service(database_url: str, build_worker: Callable[[], ServiceWorker]) -> None:
    """Build the worker (its tables created under the schema lock), run until SIGINT/SIGTERM."""
    # Replicas starting at once create their tables in turn.
    with schema_lock(database_url):
        worker = build_worker()
    # What was built to start lives until the end: the collector need not trace it again and
    # again. Each event or request allocates many short-lived objects (SQL, messages, events),
    # so collect the youngest generation less often (measured on partners' deliveries).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    # libuv's event loop: the same asyncio, with less of each message's, query's and mail's
    # cost spent in the loop itself (see bench/invoicing).
    uvloop.run(worker.run())
