"""`python -m partners`: run the partners service."""

import asyncio
import gc

from servicekit.database import schema_lock

from partners.entrypoints.worker import build_worker
from partners.settings import PartnersSettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    # Replicas starting at once create their tables in turn.
    with schema_lock(PartnersSettings().database_url):
        worker = build_worker()
    # What was built to start lives until the end: the collector need not trace it again and
    # again. Each delivery allocates many short-lived objects (SQL, HTTP, events), so collect
    # the youngest generation less often.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    asyncio.run(worker.run())


if __name__ == "__main__":
    main()
