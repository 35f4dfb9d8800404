"""`python -m identity`: run the identity service."""

import asyncio

from servicekit.database import schema_lock

from identity.entrypoints.worker import build_worker
from identity.settings import IdentitySettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    # Replicas starting at once create their tables in turn.
    with schema_lock(IdentitySettings().database_url):
        worker = build_worker()
    asyncio.run(worker.run())


if __name__ == "__main__":
    main()
