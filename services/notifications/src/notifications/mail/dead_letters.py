"""Mails given up on go to the dead-letter stream with the reason, for operators.

Each is published once per failure (Nats-Msg-Id = notification id and kind of failure, so a
re-publish after a crash is dropped by the server) and marked in the outbox only after the
stream acknowledged it: a NATS outage delays the message, it does not lose it. The payload says
which mail, for whom, why and how often it was tried; never its content (a security mail's
link would be a usable token).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from servicekit.logs import CORRELATION_HEADER
from servicekit.streams import DEAD_LETTER_STREAM, dead_letter_subject

MAILER = "notifications-mailer"


def mail_subject(kind: str) -> str:
    """The subject a mail of this kind stands for in the dead-letter stream."""
    return f"mail.{kind}"


async def publish_dead_letter(js: JetStreamContext, row: dict[str, Any]) -> None:
    """Put one failed mail on the dead-letter stream; returns once the stream has it."""
    permanent = row["status"] == "failed"
    reason = row["last_error"] or "unknown"
    payload = {
        "notification_id": row["mail_id"],
        "event_id": row["event_id"],
        "event_type": row.get("event_type"),
        "kind": row["kind"],
        "recipient": row["recipient"],
        "attempts": row["attempts"],
        "permanent": permanent,
        "held": not permanent,
        "reason": reason,
        "correlation_id": row["correlation_id"],
        "dead_lettered_at": datetime.now(UTC).isoformat(),
    }
    headers = {
        "Nats-Msg-Id": f"{row['mail_id']}:{'refused' if permanent else 'held'}",
        "X-Dead-Letter-Reason": reason[:1000],
        "X-Dead-Letter-Consumer": MAILER,
        "X-Original-Subject": mail_subject(row["kind"]),
        "X-Deliveries": str(row["attempts"]),
    }
    if row["correlation_id"]:
        headers[CORRELATION_HEADER] = row["correlation_id"]
    await js.publish(
        dead_letter_subject(MAILER, mail_subject(row["kind"])),
        json.dumps(payload).encode(),
        stream=DEAD_LETTER_STREAM,
        headers=headers,
    )
