"""`python -m organisation`: run the organisation service until SIGINT or SIGTERM."""

from servicekit.main import run_service

from organisation.entrypoints.worker import build_worker
from organisation.settings import OrganisationSettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    run_service(OrganisationSettings().database_url, build_worker)


if __name__ == "__main__":
    main()
