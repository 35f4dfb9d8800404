"""`python -m organisation`: run the organisation service."""

import asyncio

from servicekit.database import schema_lock

from organisation.entrypoints.worker import build_worker
from organisation.settings import OrganisationSettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    # Replicas starting at once create their tables in turn.
    with schema_lock(OrganisationSettings().database_url):
        worker = build_worker()
    asyncio.run(worker.run())


if __name__ == "__main__":
    main()
