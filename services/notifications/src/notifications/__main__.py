"""`python -m notifications`: run the notifications service until SIGINT or SIGTERM."""

from servicekit.main import run_service

from notifications.entrypoints.worker import build_worker
from notifications.settings import NotificationsSettings


def main() -> None:
    """Run until SIGINT or SIGTERM."""
    run_service(NotificationsSettings().database_url, build_worker)


if __name__ == "__main__":
    main()
