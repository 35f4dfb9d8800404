"""What operators see of the bus: streams, durable consumers with their lag, and dead letters.

Read from JetStream itself (stream and consumer info, the DEADLETTER stream's messages), so it
shows every service's consumers, also those of services the gateway does not know.
A dead letter is requeued by publishing its message again on its original subject of the
EVENTS stream (every consumer of that subject sees it again; their tracking makes that harmless
for those that applied it) and then deleting it from DEADLETTER; discarding only deletes it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.js.errors import APIError, NotFoundError
from servicekit import metrics
from servicekit.streams import DEAD_LETTER_STREAM, EVENTS_STREAM

DEAD_LETTER_PAGE = 50


@dataclass
class ConsumerState:
    """One durable consumer of a stream."""

    stream: str
    name: str
    pending: int
    ack_pending: int
    redelivered: int
    delivered: int
    filter: str


@dataclass
class StreamState:
    """One stream and its consumers."""

    name: str
    messages: int
    bytes: int
    first_seq: int
    last_seq: int
    consumers: list[ConsumerState] = field(default_factory=list)


@dataclass
class DeadLetter:
    """A message a consumer gave up on, with the reason."""

    seq: int
    consumer: str
    original_subject: str
    reason: str
    deliveries: str
    correlation_id: str
    at: str
    preview: str
    # Only events can go back to their stream (a held mail is retried by its mailer).
    requeueable: bool


async def streams(nc: Client) -> list[StreamState]:
    """Every stream of the platform with its durable consumers; sets the lag gauges too."""
    js = nc.jetstream()
    states: list[StreamState] = []
    for name in (EVENTS_STREAM, DEAD_LETTER_STREAM):
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            continue
        state = StreamState(
            name=name,
            messages=info.state.messages,
            bytes=info.state.bytes,
            first_seq=info.state.first_seq,
            last_seq=info.state.last_seq,
        )
        metrics.STREAM_MESSAGES.labels(name).set(state.messages)
        for consumer in await js.consumers_info(name):
            config = consumer.config
            if not config.durable_name:
                continue  # ephemeral readers (a rebuild, a test) are not operators' concern
            filters = config.filter_subjects or (
                [config.filter_subject] if config.filter_subject else []
            )
            item = ConsumerState(
                stream=name,
                name=config.durable_name,
                pending=consumer.num_pending or 0,
                ack_pending=consumer.num_ack_pending or 0,
                redelivered=consumer.num_redelivered or 0,
                delivered=consumer.delivered.stream_seq if consumer.delivered else 0,
                filter=", ".join(f for f in filters if f) or ">",
            )
            metrics.CONSUMER_LAG.labels(name, item.name).set(item.pending)
            metrics.CONSUMER_ACK_PENDING.labels(name, item.name).set(item.ack_pending)
            state.consumers.append(item)
        state.consumers.sort(key=lambda c: c.name)
        states.append(state)
    return states


async def dead_letters(nc: Client, limit: int = DEAD_LETTER_PAGE) -> tuple[int, list[DeadLetter]]:
    """How many dead letters wait, and the newest `limit` of them (newest first)."""
    js = nc.jetstream()
    try:
        info = await js.stream_info(DEAD_LETTER_STREAM, subjects_filter="deadletter.>")
    except NotFoundError:
        return 0, []
    depth: dict[str, int] = {}
    for subject, count in (info.state.subjects or {}).items():
        consumer = subject.split(".", 2)[1] if subject.count(".") >= 2 else subject
        depth[consumer] = depth.get(consumer, 0) + count
    for consumer, count in depth.items():
        metrics.DEAD_LETTER_DEPTH.labels(consumer).set(count)
    letters: list[DeadLetter] = []
    seq = info.state.last_seq
    while seq >= info.state.first_seq and len(letters) < limit and info.state.messages:
        with contextlib.suppress(NotFoundError):
            letters.append(_letter(await js.get_msg(DEAD_LETTER_STREAM, seq)))
        seq -= 1
    return info.state.messages, letters


def _letter(raw: Any) -> DeadLetter:
    headers = raw.headers or {}
    data = bytes(raw.data or b"")
    original_subject = headers.get("X-Original-Subject", raw.subject or "")
    return DeadLetter(
        seq=int(raw.seq),
        consumer=headers.get("X-Dead-Letter-Consumer", "?"),
        original_subject=original_subject,
        requeueable=original_subject.startswith("events."),
        reason=headers.get("X-Dead-Letter-Reason", "no reason given"),
        deliveries=headers.get("X-Deliveries", "?"),
        correlation_id=headers.get("X-Correlation-Id", ""),
        at=str(getattr(raw, "time", "") or ""),
        preview=data[:300].decode("utf-8", "replace"),
    )


class DeadLetterGone(Exception):
    """No dead letter with this sequence number (already requeued or discarded)."""


class NotRequeueable(Exception):
    """The dead letter is not an event (a mail: its mailer retries held mails by itself)."""


async def requeue(nc: Client, seq: int) -> DeadLetter:
    """Publish the dead letter's message again on its original subject, then delete it."""
    js = nc.jetstream()
    letter, raw = await _fetch(nc, seq)
    if not letter.requeueable:
        raise NotRequeueable(letter.original_subject)
    headers = {
        key: value
        for key, value in (raw.headers or {}).items()
        if not key.startswith(("X-Dead-Letter", "X-Original", "X-Deliveries", "Nats-"))
    }
    # A new message id: the original's would be dropped as a duplicate inside the window; this
    # one makes a double click requeue it once.
    headers["Nats-Msg-Id"] = f"requeue-{seq}-{letter.consumer}"
    await js.publish(
        letter.original_subject, bytes(raw.data), stream=EVENTS_STREAM, headers=headers
    )
    await js.delete_msg(DEAD_LETTER_STREAM, seq)
    return letter


async def discard(nc: Client, seq: int) -> DeadLetter:
    """Delete the dead letter for good."""
    letter, _raw = await _fetch(nc, seq)
    await nc.jetstream().delete_msg(DEAD_LETTER_STREAM, seq)
    return letter


async def _fetch(nc: Client, seq: int) -> tuple[DeadLetter, Any]:
    try:
        raw = await nc.jetstream().get_msg(DEAD_LETTER_STREAM, seq)
    except (NotFoundError, APIError) as error:
        raise DeadLetterGone(str(seq)) from error
    return _letter(raw), raw
