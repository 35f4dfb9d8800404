"""The mail outbox's states, each change in one transaction with its events and audit entry.

pending ──claim──► sending ──server took it──► sent                        (NotificationSent)
                      │
                      ├─ failed try, retries left ──► retrying ──due──► sending ...
                      ├─ failed try, none left ──► held (NotificationFailed, dead-lettered;
                      │                             tried now and then, and at once when the
                      │                             server answers again) ──► sending ...
                      └─ refused for good ──► failed (NotificationFailed, dead-lettered)

A claim is a conditional update committed before the SMTP conversation starts: only one sender
(of any replica) owns a mail, for `lease` seconds. A sender that dies while owning one leaves it
in `sending`; when the lease is over it is due again and goes out once more, with the same
Message-ID (see `notifications.mail.dispatcher` for why that is the one window left).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from servicekit.domain import caused_by
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from notifications.application import NotificationsApplication
from notifications.domain.errors import NotificationClosed
from notifications.domain.notification import Notification
from notifications.tables import outgoing_mails as mails
from notifications.usecases.audit import record_decision
from notifications.usecases.decisions import about_notification

log = structlog.get_logger(__name__)

WAITING = ("pending", "retrying", "held")


class Outbox:
    """Reads and changes outbox rows; records what became of each mail."""

    def __init__(
        self,
        app: NotificationsApplication,
        database: Any,
        retry_delays: tuple[float, ...],
        held_retry_seconds: float,
        lease_seconds: float,
        message_id: Callable[[str], str],
        clock: Callable[[], datetime],
    ) -> None:
        self._app = app
        self._db = database
        self._delays = retry_delays
        self._held_retry = timedelta(seconds=held_retry_seconds)
        self._lease = timedelta(seconds=lease_seconds)
        self._message_id = message_id
        self._clock = clock

    @property
    def max_attempts(self) -> int:
        """The first try and every retry."""
        return len(self._delays) + 1

    # -- reading ---------------------------------------------------------------------------

    def due(self, limit: int = 100) -> list[dict[str, Any]]:
        """Mails whose time has come, oldest first (and any whose sender's lease ran out)."""
        now = self._clock()
        with self._db.transaction(commit=False) as session:
            rows = session.execute(
                select(mails)
                .where(
                    or_(
                        and_(mails.c.status.in_(WAITING), mails.c.next_attempt_at <= now),
                        and_(mails.c.status == "sending", mails.c.lease_until < now),
                    )
                )
                .order_by(mails.c.created_at)
                .limit(limit)
            ).all()
        return [dict(row._mapping) for row in rows]

    def waiting_for_server(self) -> int:
        """How many mails wait for a retry (the server did not take them yet)."""
        with self._db.transaction(commit=False) as session:
            rows = session.execute(
                select(mails.c.mail_id).where(mails.c.status.in_(("retrying", "held"))).limit(1)
            ).all()
        return len(rows)

    def dead_letters_pending(self, limit: int = 100) -> list[dict[str, Any]]:
        """Failed mails whose dead-letter message is not on the stream yet."""
        with self._db.transaction(commit=False) as session:
            rows = session.execute(
                select(mails).where(mails.c.dead_letter_pending.is_(True)).limit(limit)
            ).all()
        return [dict(row._mapping) for row in rows]

    # -- changing --------------------------------------------------------------------------

    def claim(self, mail_id: str) -> bool:
        """Own the mail for the lease; False when another sender has it or it is done."""
        now = self._clock()
        with self._db.transaction() as session:
            result = session.execute(
                update(mails)
                .where(
                    mails.c.mail_id == mail_id,
                    or_(
                        mails.c.status.in_(WAITING),
                        and_(mails.c.status == "sending", mails.c.lease_until < now),
                    ),
                )
                .values(status="sending", lease_until=now + self._lease)
            )
            return bool(result.rowcount)

    def record_sent(self, row: dict[str, Any]) -> None:
        """The server took the mail: sent, with its event and audit entry, in one commit."""
        now = self._clock()
        with self._db.transaction() as session:
            attempts = self._attempts(session, row["mail_id"]) + 1
            session.execute(
                update(mails)
                .where(mails.c.mail_id == row["mail_id"])
                .values(
                    status="sent", sent_at=now, attempts=attempts, last_error=None, lease_until=None
                )
            )
            notification = self._notification(row)
            if notification is None:
                return
            try:
                with caused_by(row["correlation_id"]):
                    notification.record_sent(self._message_id(row["mail_id"]), attempts, now)
            except NotificationClosed:
                # Only when a lease ran out while its sender was still talking to the server.
                log.warning("mail sent by two senders", mail_id=row["mail_id"])
                return
            self._app.save(notification)
            record_decision(
                session, about_notification(notification), "sent", now, row["correlation_id"]
            )

    def record_failure(self, row: dict[str, Any], reason: str, permanent: bool) -> None:
        """A try failed: retry later, hold it after the last retry, or give up for good."""
        now = self._clock()
        with self._db.transaction() as session:
            current = session.execute(
                select(mails.c.status, mails.c.attempts).where(mails.c.mail_id == row["mail_id"])
            ).first()
            if current is None or current.status not in (*WAITING, "sending"):
                return  # sent or refused meanwhile (by another sender)
            attempts = int(current.attempts) + 1
            values: dict[str, Any] = {
                "attempts": attempts,
                "last_error": reason[:2000],
                "lease_until": None,
            }
            gives_up = permanent or (attempts >= self.max_attempts and current.status != "held")
            if permanent:
                values.update(status="failed")
            elif attempts >= self.max_attempts:
                values.update(status="held", next_attempt_at=now + self._held_retry)
            else:
                delay = self._delays[attempts - 1]
                values.update(status="retrying", next_attempt_at=now + timedelta(seconds=delay))
            if gives_up:
                values.update(dead_letter_pending=True)
            session.execute(update(mails).where(mails.c.mail_id == row["mail_id"]).values(**values))
            if gives_up:
                self._record_given_up(session, row, reason, permanent, attempts, now)

    def record_failures(self, rows: list[dict[str, Any]], reason: str) -> None:
        """The server could not be reached: every one of these mails counts a failed try."""
        with self._db.transaction():
            for row in rows:
                self.record_failure(row, reason, permanent=False)

    def due_now(self) -> int:
        """The server answers again: every mail waiting for it is due at once."""
        now = self._clock()
        with self._db.transaction() as session:
            result = session.execute(
                update(mails)
                .where(mails.c.status.in_(("retrying", "held")), mails.c.next_attempt_at > now)
                .values(next_attempt_at=now)
            )
            return int(result.rowcount)

    def dead_lettered(self, mail_id: str) -> None:
        """The mail's dead-letter message is on the stream."""
        with self._db.transaction() as session:
            session.execute(
                update(mails).where(mails.c.mail_id == mail_id).values(dead_letter_pending=False)
            )

    # -- helpers ---------------------------------------------------------------------------

    def _record_given_up(
        self,
        session: Session,
        row: dict[str, Any],
        reason: str,
        permanent: bool,
        attempts: int,
        now: datetime,
    ) -> None:
        notification = self._notification(row)
        if notification is None:
            return
        try:
            with caused_by(row["correlation_id"]):
                notification.record_failure(reason[:1000], permanent, attempts, now)
        except NotificationClosed:
            return
        self._app.save(notification)
        record_decision(
            session,
            about_notification(notification),
            "failed",
            now,
            row["correlation_id"],
            reason=reason[:1000],
            permanent=permanent,
        )

    def _attempts(self, session: Session, mail_id: str) -> int:
        value = session.execute(
            select(mails.c.attempts).where(mails.c.mail_id == mail_id)
        ).scalar_one_or_none()
        return int(value or 0)

    def _notification(self, row: dict[str, Any]) -> Notification | None:
        # Mails queued by the first version of this service have no notification aggregate.
        return self._app.notification(uuid.UUID(row["mail_id"]))
