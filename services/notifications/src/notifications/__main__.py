"""`python -m notifications`: run the notifications service."""

import asyncio

from servicekit.database import schema_lock

from notifications.entrypoints.worker import build_worker
from notifications.settings import NotificationsSettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    # Replicas starting at once create their tables in turn.
    with schema_lock(NotificationsSettings().database_url):
        worker = build_worker()
    asyncio.run(worker.run())


if __name__ == "__main__":
    main()
