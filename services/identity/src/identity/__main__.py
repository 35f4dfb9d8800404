"""`python -m identity`: run the identity service until SIGINT or SIGTERM."""

from servicekit.main import run_service

from identity.entrypoints.worker import build_worker
from identity.settings import IdentitySettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    run_service(IdentitySettings().database_url, build_worker)


if __name__ == "__main__":
    main()
