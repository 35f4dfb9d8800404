"""`python -m partners`: run the partners service."""

import asyncio

from partners.entrypoints.worker import build_worker


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    asyncio.run(build_worker().run())


if __name__ == "__main__":
    main()
