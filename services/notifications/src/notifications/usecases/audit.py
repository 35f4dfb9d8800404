"""The audit: one row per decision about a mail, for its user and for operators.

Rows are written in the transaction that records the decision (the consumer's, or the mailer's
after the SMTP server answered), so the audit never shows what did not happen, nor misses what
did.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contracts.commands.notifications import (
    ListMyNotifications,
    NotificationPage,
    NotificationRecord,
    SearchNotifications,
)
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from notifications.domain.decision import Decision
from notifications.tables import notification_audit as audit

_RECORD = audit.insert()


def record_decision(session: Session, decision: Decision, correlation_id: str | None) -> None:
    """Note one decision, in the transaction that records it."""
    record_decisions(session, [(decision, correlation_id)])


def record_decisions(session: Session, decisions: list[tuple[Decision, str | None]]) -> None:
    """Note decisions (with their correlation ids), in the transaction that records them."""
    rows = [_row(decision, correlation_id) for decision, correlation_id in decisions]
    # One row as parameters, not a list of one: an executemany costs more.
    session.execute(_RECORD, rows[0] if len(rows) == 1 else rows)


def _row(decision: Decision, correlation_id: str | None) -> dict[str, Any]:
    mail = decision.mail
    return {
        "decision_id": str(decision.id),
        "notification_id": str(mail.notification_id),
        "outcome": decision.outcome,
        "kind": mail.kind,
        "event_type": mail.event_type,
        "event_id": mail.event_id,
        "recipient": mail.recipient,
        "user_id": _text(mail.user_id),
        "environment_id": _text(mail.environment_id),
        "organisation_id": _text(mail.organisation_id),
        "reason": decision.reason,
        "permanent": decision.permanent,
        "correlation_id": correlation_id,
        "at": decision.decided_at,
    }


def my_notifications(session: Session, query: ListMyNotifications) -> NotificationPage:
    """The caller's own decisions, newest first."""
    filters = [audit.c.user_id == str(query.caller.user_id)]
    if query.outcome:
        filters.append(audit.c.outcome == query.outcome)
    if query.kind:
        filters.append(audit.c.kind == query.kind)
    return _page(session, filters, query.page, query.per_page)


def search(session: Session, query: SearchNotifications) -> NotificationPage:
    """Every decision matching the operator's filters, newest first."""
    filters: list[ColumnElement[bool]] = []
    if query.recipient:
        filters.append(
            func.lower(audit.c.recipient).contains(query.recipient.lower(), autoescape=True)
        )
    for column, value in (
        (audit.c.user_id, query.user_id),
        (audit.c.environment_id, query.environment_id),
        (audit.c.organisation_id, query.organisation_id),
        (audit.c.event_id, query.event_id),
        (audit.c.correlation_id, query.correlation_id),
        (audit.c.kind, query.kind),
        (audit.c.outcome, query.outcome),
    ):
        if value is not None:
            filters.append(column == str(value))
    if query.since is not None:
        filters.append(audit.c.at >= query.since.astimezone(UTC))
    if query.until is not None:
        filters.append(audit.c.at < query.until.astimezone(UTC))
    return _page(session, filters, query.page, query.per_page)


def _page(
    session: Session, filters: list[ColumnElement[bool]], page: int, per_page: int
) -> NotificationPage:
    total = session.execute(select(func.count()).select_from(audit).where(*filters)).scalar_one()
    rows = session.execute(
        select(audit)
        .where(*filters)
        # Newest first; a mail held and then sent shows "sent" above its "failed".
        .order_by(audit.c.at.desc(), audit.c.outcome.desc(), audit.c.decision_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return NotificationPage(
        notifications=[_record(row._mapping) for row in rows],
        total=int(total),
        page=page,
        per_page=per_page,
    )


def _record(row: Any) -> NotificationRecord:
    return NotificationRecord(
        id=row["decision_id"],
        notification_id=row["notification_id"],
        outcome=row["outcome"],
        kind=row["kind"],
        event_type=row["event_type"],
        event_id=row["event_id"],
        recipient=row["recipient"],
        user_id=row["user_id"],
        environment_id=row["environment_id"],
        organisation_id=row["organisation_id"],
        reason=row["reason"],
        permanent=row["permanent"],
        correlation_id=row["correlation_id"],
        at=_aware(row["at"]),
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored as UTC).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
