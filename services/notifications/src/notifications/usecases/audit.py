"""The audit: one row per decision about a mail, for its user and for operators.

Rows are written in the transaction that records the decision (the consumer's, or the mailer's
after the SMTP server answered), so the audit never shows what did not happen, nor misses what
did.
"""

from __future__ import annotations

import uuid
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

from notifications.projections.upsert import insert_once
from notifications.tables import notification_audit as audit


def record_decision(
    session: Session,
    about: dict[str, Any],
    outcome: str,
    at: datetime,
    correlation_id: str | None,
    reason: str | None = None,
    permanent: bool | None = None,
) -> None:
    """Note one decision; `about` names the notification (id, event, kind, recipient, ...)."""
    notification_id = str(about["notification_id"])
    key = f"{outcome}:permanent" if permanent else outcome
    insert_once(
        session,
        audit,
        {
            # One decision of each outcome per notification (a held mail may later be refused
            # for good: a second failure), so the id can be derived too.
            "decision_id": str(uuid.uuid5(uuid.UUID(notification_id), key)),
            "notification_id": notification_id,
            "outcome": outcome,
            "kind": about["kind"],
            "event_type": about["event_type"],
            "event_id": str(about["event_id"]),
            "recipient": about["recipient"],
            "user_id": _text(about.get("user_id")),
            "environment_id": _text(about.get("environment_id")),
            "organisation_id": _text(about.get("organisation_id")),
            "reason": reason,
            "permanent": permanent,
            "correlation_id": correlation_id,
            "at": at,
        },
    )


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
        filters.append(func.lower(audit.c.recipient).contains(query.recipient.lower()))
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
