"""`python -m partners`: run the partners service until SIGINT or SIGTERM."""

from servicekit.main import run_service

from partners.entrypoints.worker import build_worker
from partners.settings import PartnersSettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    run_service(PartnersSettings().database_url, build_worker)


if __name__ == "__main__":
    main()
