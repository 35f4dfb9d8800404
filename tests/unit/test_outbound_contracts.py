"""Identity's domain events become public contracts in exactly one place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from contracts.envelope import Envelope, parse_event
from contracts.events.identity import EmailVerificationRequested, EmailVerified, UserRegistered
from identity.domain.user import User
from identity.domain.values import hash_token
from identity.integration.outbound import to_envelope
from servicekit.domain import caused_by
from servicekit.relay import event_id


def test_every_user_event_is_published_with_a_stable_id_and_its_correlation() -> None:
    with caused_by("corr-1"):
        user = User(
            email="ann@example.nl",
            full_name="Ann",
            language="en",
            environment_id=uuid.uuid4(),
            environment_name="example.nl",
            password_hash="$argon2id$secret-hash",
        )
        user.request_verification(
            hash_token("t"), "sealed-t", datetime.now(UTC) + timedelta(hours=1)
        )
        user.verify_email(hash_token("t"), datetime.now(UTC))
    events = user.collect_events()
    envelopes = [to_envelope(e) for e in events]
    assert all(isinstance(e, Envelope) for e in envelopes)
    opened = [parse_event(Envelope.from_json(e.to_json())) for e in envelopes if e]
    assert [type(e) for e in opened] == [UserRegistered, EmailVerificationRequested, EmailVerified]
    first = envelopes[0]
    assert first is not None
    assert first.id == event_id(user.id, 1)
    assert first.correlationid == "corr-1"
    assert first.sequence == 1
    assert "secret-hash" not in first.to_json().decode(), "password hashes stay inside identity"
