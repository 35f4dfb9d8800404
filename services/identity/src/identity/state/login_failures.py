"""Failed logins of the last window, counted per account and per client address."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from identity.state.tables import login_failures

# Enough to decide any limit we would set; keeps a flood from making the query big.
_MOST = 1000


@dataclass(frozen=True)
class RecentFailures:
    """When the recent failures happened, from this address and on this account."""

    from_address: list[datetime]
    on_account: list[datetime]


def account_key(email: str) -> str:
    """How an account (known or not) is named in the table: its address's SHA-256."""
    return hashlib.sha256(email.encode()).hexdigest()


def recent_failures(
    session: Session, email: str, client_address: str, since: datetime
) -> RecentFailures:
    """Failures since `since` from this address (any account) and on this account (anywhere)."""
    by_address = session.execute(
        select(login_failures.c.failed_at)
        .where(login_failures.c.client_address == client_address)
        .where(login_failures.c.failed_at > since)
        .order_by(login_failures.c.failed_at.desc())
        .limit(_MOST)
    ).scalars()
    on_account = session.execute(
        select(login_failures.c.failed_at)
        .where(login_failures.c.account_key == account_key(email))
        .where(login_failures.c.failed_at > since)
        .order_by(login_failures.c.failed_at.desc())
        .limit(_MOST)
    ).scalars()
    return RecentFailures(from_address=list(by_address), on_account=list(on_account))


def record_failure(
    session: Session, email: str, client_address: str, now: datetime, forget_before: datetime
) -> None:
    """Count one failed login, and forget failures too old to matter."""
    session.execute(delete(login_failures).where(login_failures.c.failed_at < forget_before))
    session.execute(
        login_failures.insert().values(
            account_key=account_key(email), client_address=client_address, failed_at=now
        )
    )


def forget_account_failures(session: Session, email: str) -> None:
    """A new password makes the guesses at the old one irrelevant."""
    session.execute(
        delete(login_failures).where(login_failures.c.account_key == account_key(email))
    )
