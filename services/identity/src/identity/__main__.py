"""`python -m identity`: run the identity service."""

import asyncio

from identity.entrypoints.worker import build_worker


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    asyncio.run(build_worker().run())


if __name__ == "__main__":
    main()
