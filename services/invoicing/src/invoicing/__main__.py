"""`python -m invoicing`: run the invoicing service."""

import asyncio

from servicekit.database import schema_lock

from invoicing.entrypoints.worker import build_worker
from invoicing.settings import InvoicingSettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    # Replicas starting at once create their tables in turn.
    with schema_lock(InvoicingSettings().database_url):
        worker = build_worker()
    asyncio.run(worker.run())


if __name__ == "__main__":
    main()
