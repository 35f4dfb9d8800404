"""The delivery log: deliveries queued from events, their attempts, outcomes and replays."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.commands.partners import (
    DELIVERY_NOT_FOUND,
    PARTNER_EVENT_TYPES,
    WEBHOOK_NOT_FOUND,
    Delivery,
    DeliveryAttempt,
    DeliveryPage,
    ListDeliveries,
    ReplayDelivery,
)
from contracts.envelope import Envelope
from servicekit.eventstore import SharedDatabase
from servicekit.rpc import Refused
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from partners.application import PartnersApplication
from partners.delivery.targets import WebhookTargets
from partners.domain.webhook import DeliveryOutcome
from partners.tables import deliveries, delivery_attempts, webhooks

DELIVERY_NAMESPACE = uuid.UUID("9d3f7c2a-1b4e-5f60-8a7d-3e2c1b0a9f8e")
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


def delivery_id(webhook_id: str, event_id: str) -> str:
    """The one delivery of an event to a webhook (replays get ids of their own)."""
    return str(uuid.uuid5(DELIVERY_NAMESPACE, f"{webhook_id}:{event_id}"))


def queue_deliveries(
    session: Session, envelopes: Sequence[Envelope], now: datetime, targets: WebhookTargets
) -> int:
    """Queue each event for every webhook of its organisation that asked for its type, in the
    events' order; the number queued. Runs in the consumer's transaction (which records the
    events as processed), so it happens once per event: one query for the organisations'
    webhooks when they are not cached, one insert for all the deliveries."""
    wanted = [
        e for e in envelopes if e.type in PARTNER_EVENT_TYPES and e.organisationid is not None
    ]
    if not wanted:
        return 0
    webhooks_of = targets.of(session, {str(e.organisationid) for e in wanted})
    rows: list[dict[str, Any]] = []
    for envelope in wanted:
        body: str | None = None
        for target in webhooks_of[str(envelope.organisationid)]:
            # A webhook hears of what happens after it was registered, not of the past.
            if envelope.type not in target.events or envelope.time < target.created_at:
                continue
            if body is None:
                body = envelope.to_json().decode()  # once per event, whatever its webhooks
            rows.append(
                {
                    "id": delivery_id(target.id, envelope.id),
                    "webhook_id": target.id,
                    "organisation_id": envelope.organisationid,
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "body": body,
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    if rows:
        # One statement for all: executemany keeps the list's order, so `seq` follows it.
        session.execute(deliveries.insert(), rows)
    return len(rows)


@dataclass(frozen=True)
class Attempt:
    """What one POST of a delivery came to."""

    delivery: Any
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float
    next_attempt_at: datetime | None

    @property
    def succeeded(self) -> bool:
        """A 2xx came back."""
        return self.status_code is not None and 200 <= self.status_code < 300


REMOVED = "the webhook was removed before this was sent"


def fail_unsent(session: Session, webhook_id: str, now: datetime) -> int:
    """End a removed webhook's pending deliveries as failed, unsent; how many there were."""
    ended = session.execute(
        update(deliveries)
        .where(deliveries.c.webhook_id == webhook_id, deliveries.c.status == PENDING)
        .values(status=FAILED, next_attempt_at=None, finished_at=now, last_error=REMOVED)
    )
    return int(ended.rowcount)  # type: ignore[attr-defined]


class DeliveryLog:
    """Reads and writes of the log; each method runs on the store thread."""

    def __init__(
        self, app: PartnersApplication, database: SharedDatabase, clock: Callable[[], datetime]
    ) -> None:
        self._app = app
        self._db = database
        self._clock = clock

    # -- the dispatcher's side ---------------------------------------------------------

    def due_webhooks(self, now: datetime, limit: int) -> list[str]:
        """Webhooks whose oldest pending delivery is due."""
        earlier = deliveries.alias("earlier")
        head = (
            select(func.min(earlier.c.seq))
            .where(earlier.c.webhook_id == deliveries.c.webhook_id, earlier.c.status == PENDING)
            .scalar_subquery()
        )
        with self._db.transaction(commit=False) as session:
            rows = session.execute(
                select(deliveries.c.webhook_id.label("id"))
                .where(
                    deliveries.c.status == PENDING,
                    deliveries.c.next_attempt_at <= now,
                    deliveries.c.seq == head,
                )
                .limit(limit)
            ).all()
        return [row.id for row in rows]

    def exists(self, webhook_id: str) -> bool:
        """Whether the webhook is still there (not removed)."""
        with self._db.transaction(commit=False) as session:
            return (
                session.execute(select(webhooks.c.id).where(webhooks.c.id == webhook_id)).first()
                is not None
            )

    def queue_of(self, webhook_id: str, now: datetime, limit: int) -> tuple[Any, list[Any]]:
        """The webhook and its pending deliveries in order, when the first is due. Deliveries
        of a webhook that was removed (queued by a consumer in the moment of its removal) end
        as unsent here."""
        with self._db.transaction(commit=False) as session:
            webhook = session.execute(select(webhooks).where(webhooks.c.id == webhook_id)).first()
            rows = session.execute(
                select(deliveries)
                .where(deliveries.c.webhook_id == webhook_id, deliveries.c.status == PENDING)
                .order_by(deliveries.c.seq)
                .limit(limit)
            ).all()
        if webhook is None and rows:
            with self._db.transaction() as session:
                fail_unsent(session, webhook_id, now)
        if webhook is None or not rows or rows[0].next_attempt_at > now:
            return webhook, []
        return webhook, list(rows)

    def record(self, attempts: list[Attempt]) -> None:
        """Write attempts (one statement each kind for all of them); a success or a final
        failure also records its outcome event, all in one save."""
        if not attempts:
            return
        attempt_rows, delivery_rows, outcomes = [], [], []
        for attempt in attempts:
            d = attempt.delivery
            number = d.attempts + 1
            if attempt.succeeded:
                status = SUCCEEDED
            elif attempt.next_attempt_at is None:
                status = FAILED
            else:
                status = PENDING
            attempt_rows.append(
                {
                    "delivery_id": d.id,
                    "number": number,
                    "at": attempt.at,
                    "status_code": attempt.status_code,
                    "error": attempt.error,
                    "duration_ms": attempt.duration_ms,
                }
            )
            delivery_rows.append(
                {
                    "the_id": d.id,
                    "attempts": number,
                    "status": status,
                    "next_attempt_at": attempt.next_attempt_at if status == PENDING else None,
                    "finished_at": None if status == PENDING else attempt.at,
                    "last_error": attempt.error,
                }
            )
            if status != PENDING:
                outcomes.append(
                    DeliveryOutcome(
                        delivery_id=uuid.UUID(d.id),
                        webhook_id=uuid.UUID(d.webhook_id),
                        organisation_id=uuid.UUID(d.organisation_id),
                        event_id=uuid.UUID(d.event_id),
                        event_type=d.event_type,
                        succeeded=status == SUCCEEDED,
                        attempts=number,
                        status_code=attempt.status_code,
                        last_error=attempt.error,
                        at=attempt.at,
                    )
                )
        with self._db.transaction() as session:
            # A webhook removed while these were on their way: what was sent is in the
            # attempts, but the deliveries stay as the removal ended them, with no outcome.
            still = set(
                session.execute(
                    select(deliveries.c.id).where(
                        deliveries.c.id.in_([row["the_id"] for row in delivery_rows]),
                        deliveries.c.status == PENDING,
                    )
                ).scalars()
            )
            delivery_rows = [row for row in delivery_rows if row["the_id"] in still]
            outcomes = [o for o in outcomes if str(o.delivery_id) in still]
            session.execute(delivery_attempts.insert(), attempt_rows)
            if not delivery_rows:
                return
            session.execute(
                update(deliveries)
                .where(deliveries.c.id == bindparam("the_id"))
                .values(
                    attempts=bindparam("attempts"),
                    status=bindparam("status"),
                    next_attempt_at=bindparam("next_attempt_at"),
                    finished_at=bindparam("finished_at"),
                    last_error=bindparam("last_error"),
                ),
                delivery_rows,
            )
            if outcomes:
                self._app.save(*outcomes)

    # -- the organisation admin's side ---------------------------------------------------

    def page(self, query: ListDeliveries) -> DeliveryPage:
        """A webhook's deliveries, newest first, with their attempts."""
        conditions = [
            deliveries.c.webhook_id == str(query.webhook_id),
            deliveries.c.organisation_id == str(query.organisation_id),
        ]
        if query.status is not None:
            conditions.append(deliveries.c.status == query.status)
        with self._db.transaction(commit=False) as session:
            self._require_webhook(session, query.organisation_id, query.webhook_id)
            total = session.execute(
                select(func.count()).select_from(deliveries).where(*conditions)
            ).scalar_one()
            rows = session.execute(
                select(deliveries)
                .where(*conditions)
                .order_by(deliveries.c.seq.desc())
                .limit(query.per_page)
                .offset((query.page - 1) * query.per_page)
            ).all()
            answers = [self._answer(session, row) for row in rows]
        return DeliveryPage(
            deliveries=answers, total=total, page=query.page, per_page=query.per_page
        )

    def replay(self, command: ReplayDelivery) -> Delivery:
        """Queue the delivery's event once more, behind whatever the webhook has queued."""
        now = self._clock()
        with self._db.transaction() as session:
            self._require_webhook(session, command.organisation_id, command.webhook_id)
            original = session.execute(
                select(deliveries).where(
                    deliveries.c.id == str(command.delivery_id),
                    deliveries.c.webhook_id == str(command.webhook_id),
                )
            ).first()
            if original is None:
                raise Refused(
                    DELIVERY_NOT_FOUND.reply(f"delivery {command.delivery_id} is not known")
                )
            replay_id = str(uuid.uuid4())
            session.execute(
                deliveries.insert().values(
                    id=replay_id,
                    webhook_id=original.webhook_id,
                    organisation_id=original.organisation_id,
                    event_id=original.event_id,
                    event_type=original.event_type,
                    body=original.body,
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    replay_of=original.id,
                )
            )
            row = session.execute(select(deliveries).where(deliveries.c.id == replay_id)).one()
            return self._answer(session, row)

    def _require_webhook(
        self, session: Session, organisation_id: uuid.UUID, webhook_id: uuid.UUID
    ) -> None:
        found = session.execute(
            select(webhooks.c.id).where(
                webhooks.c.id == str(webhook_id),
                webhooks.c.organisation_id == str(organisation_id),
            )
        ).first()
        if found is None:
            raise Refused(WEBHOOK_NOT_FOUND.reply(f"webhook {webhook_id} is not known"))

    def _answer(self, session: Session, row: Any) -> Delivery:
        attempts = session.execute(
            select(delivery_attempts)
            .where(delivery_attempts.c.delivery_id == row.id)
            .order_by(delivery_attempts.c.number)
        ).all()
        return Delivery(
            id=row.id,
            webhook_id=row.webhook_id,
            event_id=row.event_id,
            event_type=row.event_type,
            status=row.status,
            replay_of=row.replay_of,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            finished_at=row.finished_at,
            attempts=[
                DeliveryAttempt(
                    number=a.number,
                    at=a.at,
                    status_code=a.status_code,
                    error=a.error,
                    duration_ms=a.duration_ms,
                )
                for a in attempts
            ],
        )
