"""What happened downstream: envelopes on the EVENTS stream, effects in notifications.db."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nats
from nats.errors import TimeoutError as NatsTimeout
from servicekit.streams import EVENTS_STREAM

CONSUMER = "notifications-identity"
VERIFIED = "EmailVerified"
VERIFIED_SUBJECT = "events.identity.EmailVerified"


@dataclass(frozen=True)
class Published:
    """One EmailVerified envelope: the event's own time and when the stream stored it."""

    event_id: str
    user_id: str
    event_time: float  # envelope `time`: the domain event's timestamp (saved in identity)
    stored_time: float  # JetStream's timestamp of the message (the relay's publish)


def _utc_seconds(text: str) -> float:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:  # SQLite keeps the UTC wall time without its offset
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class Effects:
    """Read-only view of the notifications consumer's tracking table."""

    def __init__(self, database: Path) -> None:
        self._database = database

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self._database}?mode=ro", uri=True, timeout=5.0)

    def verified_count(self) -> int:
        """How many EmailVerified events the consumer has applied."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT count(*) FROM processed_events WHERE consumer = ? AND event_type = ?",
                (CONSUMER, VERIFIED),
            ).fetchone()
        return int(row[0])

    def processed_at(self) -> dict[str, float]:
        """event id -> when its effect committed (UTC epoch seconds)."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT event_id, processed_at FROM processed_events "
                "WHERE consumer = ? AND event_type = ?",
                (CONSUMER, VERIFIED),
            ).fetchall()
        return {str(event_id): _utc_seconds(str(at)) for event_id, at in rows}


async def published_verifications(nats_url: str, expected: int) -> dict[str, Published]:
    """user id -> its EmailVerified envelope, read from the stream with an ordered consumer."""
    nc = await nats.connect(nats_url)
    found: dict[str, Published] = {}
    try:
        js = nc.jetstream()
        subscription = await js.subscribe(
            VERIFIED_SUBJECT, stream=EVENTS_STREAM, ordered_consumer=True
        )
        while len(found) < expected:
            try:
                message = await subscription.next_msg(timeout=5.0)
            except NatsTimeout:
                break
            envelope = json.loads(message.data)
            stored = message.metadata.timestamp.timestamp()
            published = Published(
                envelope["id"], envelope["subject"], _utc_seconds(envelope["time"]), stored
            )
            found[published.user_id] = published
        await subscription.unsubscribe()
    finally:
        await nc.close()
    return found


@dataclass(frozen=True)
class Journey:
    """The legs of one event from its save to its effect, in seconds."""

    relay: float  # saved -> stored in JetStream
    consumer: float  # stored in JetStream -> effect committed
    total: float  # saved -> effect committed (event-to-effect)
    effect_at: float


def journeys(
    user_ids: list[str], published: dict[str, Published], effects: dict[str, float]
) -> tuple[list[Journey], int]:
    """The journey of each user's EmailVerified event; and how many could not be traced."""
    result: list[Journey] = []
    missing = 0
    for user_id in user_ids:
        event = published.get(user_id)
        done = effects.get(event.event_id) if event else None
        if event is None or done is None:
            missing += 1
            continue
        result.append(
            Journey(
                relay=event.stored_time - event.event_time,
                consumer=done - event.stored_time,
                total=done - event.event_time,
                effect_at=done,
            )
        )
    return result, missing
