"""The mail outbox's states, each change in one transaction with its events and audit entry.

pending ──claim──► sending ──server took it──► sent          (a "sent" Decision: NotificationSent)
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
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from notifications.application import NotificationsApplication
from notifications.domain.decision import Decision
from notifications.domain.notification import Mail
from notifications.tables import outgoing_mails as mails
from notifications.usecases.audit import record_decision, record_decisions

log = structlog.get_logger(__name__)

WAITING = ("pending", "retrying", "held")
# Everything a sender may take once its next attempt is due: a mail in `sending` is due when
# the lease of the sender that claimed it is over.
DUE = (*WAITING, "sending")


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
            rows = session.execute(_DUE, {"now": now, "most": limit}).all()
        return [dict(row._mapping) for row in rows]

    def dead_letters_pending(self, limit: int = 100) -> list[dict[str, Any]]:
        """Failed mails whose dead-letter message is not on the stream yet."""
        with self._db.transaction(commit=False) as session:
            rows = session.execute(
                select(mails).where(mails.c.dead_letter_pending.is_(True)).limit(limit)
            ).all()
        return [dict(row._mapping) for row in rows]

    # -- changing --------------------------------------------------------------------------

    def claim(self, mail_ids: list[str]) -> set[str]:
        """Own these mails for the lease; the ids of those that were free to take (not with
        another sender, not sent meanwhile)."""
        now = self._clock()
        with self._db.transaction() as session:
            claimed = session.execute(
                _CLAIM, {"the_mails": mail_ids, "the_time": now, "lease_end": now + self._lease}
            ).scalars()
            return set(claimed)

    def release(self, mail_ids: list[str]) -> None:
        """Give claimed mails back unsent: due again at once."""
        with self._db.transaction() as session:
            session.execute(
                update(mails)
                .where(mails.c.mail_id.in_(mail_ids), mails.c.status == "sending")
                .values(lease_until=self._clock(), next_attempt_at=self._clock())
            )

    def record_sent(self, rows: list[dict[str, Any]]) -> None:
        """The server took these mails: each sent, with its decision and audit entry, in one
        commit (mails sent while the previous commit was under way are recorded together)."""
        now = self._clock()
        with self._db.transaction() as session:
            tries = dict(
                session.execute(
                    _MARK_SENT, {"the_mails": [r["mail_id"] for r in rows], "the_time": now}
                ).all()
            )
            if len(tries) < len(rows):
                # Only when a lease ran out while its sender was still talking to the server.
                late = [r["mail_id"] for r in rows if r["mail_id"] not in tries]
                log.warning("mails sent by two senders", mail_ids=late)
            decisions: list[tuple[Decision, str | None]] = []
            for row in rows:
                if row["mail_id"] not in tries:
                    continue
                message_id = self._message_id(row["mail_id"])
                with caused_by(row["correlation_id"]):
                    decision = Decision.sent(mail_of(row), message_id, tries[row["mail_id"]], now)
                decisions.append((decision, row["correlation_id"]))
            if decisions:
                self._app.save(*(decision for decision, _ in decisions))
                record_decisions(session, decisions)

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
        with caused_by(row["correlation_id"]):
            decision = Decision.failed(mail_of(row), reason[:1000], permanent, attempts, now)
        self._app.save(decision)
        record_decision(session, decision, row["correlation_id"])


_DUE = (
    select(mails)
    .where(mails.c.status.in_(DUE), mails.c.next_attempt_at <= bindparam("now"))
    .order_by(mails.c.next_attempt_at)
    .limit(bindparam("most"))
)
_CLAIM = (
    update(mails)
    .where(
        mails.c.mail_id.in_(bindparam("the_mails", expanding=True)),
        mails.c.status.in_(DUE),
        mails.c.next_attempt_at <= bindparam("the_time"),
    )
    # A claimed mail is due again when its lease is over (its sender died).
    .values(
        status="sending", lease_until=bindparam("lease_end"), next_attempt_at=bindparam("lease_end")
    )
    .returning(mails.c.mail_id)
)
# Only the sender that claimed a row marks it sent (status still `sending`); its tries are
# the row's tries and this one.
_MARK_SENT = (
    update(mails)
    .where(mails.c.mail_id.in_(bindparam("the_mails", expanding=True)), mails.c.status == "sending")
    .values(
        status="sent",
        sent_at=bindparam("the_time"),
        attempts=mails.c.attempts + 1,
        last_error=None,
        lease_until=None,
    )
    .returning(mails.c.mail_id, mails.c.attempts)
)


def mail_of(row: dict[str, Any]) -> Mail:
    """Which mail an outbox row is."""
    return Mail(
        notification_id=uuid.UUID(row["mail_id"]),
        event_id=row["event_id"],
        event_type=row.get("event_type") or "",
        kind=row["kind"],
        recipient=row["recipient"],
        user_id=_uuid(row.get("user_id")),
        environment_id=_uuid(row.get("environment_id")),
        organisation_id=_uuid(row.get("organisation_id")),
    )


def _uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)
