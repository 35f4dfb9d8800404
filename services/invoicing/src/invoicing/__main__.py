"""`python -m invoicing`: run the invoicing service until SIGINT or SIGTERM."""

from servicekit.main import run_service

from invoicing.entrypoints.worker import build_worker
from invoicing.settings import InvoicingSettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    run_service(InvoicingSettings().database_url, build_worker)


if __name__ == "__main__":
    main()
