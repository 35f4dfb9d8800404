"""Identity's domain events become public contracts in exactly one place, without secrets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from contracts.envelope import Envelope, parse_event
from contracts.events.identity import (
    EmailVerificationRequested,
    EmailVerified,
    PasswordChanged,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
    UserRegistered,
)
from identity.domain.user import User
from identity.domain.values import DEFAULT_EMAIL_PREFERENCES
from identity.integration.outbound import to_envelope
from servicekit.domain import caused_by
from servicekit.relay import event_id

NOW = datetime.now(UTC)


def a_user() -> User:
    return User(
        email="ann@example.nl",
        full_name="Ann",
        language="en",
        environment_id=uuid.uuid4(),
        environment_name="example.nl",
        role="admin",
        email_preferences=dict(DEFAULT_EMAIL_PREFERENCES),
        receiving_prompt_enabled=True,
    )


def test_every_user_event_is_published_with_a_stable_id_and_its_correlation() -> None:
    with caused_by("corr-1"):
        user = a_user()
        user.request_verification("sealed-t", NOW + timedelta(hours=1))
        user.verify_email(NOW)
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


def test_sign_ups_resets_and_new_passwords_are_published_and_carry_no_secret() -> None:
    user = a_user()
    user.collect_events()
    user.note_sign_up_attempt(NOW, timedelta(minutes=10))
    user.request_password_reset("c2VhbGVkLXJlc2V0", NOW + timedelta(minutes=30), NOW)
    user.change_password(NOW, reason="reset")
    opened = [parse_event(e) for e in map(to_envelope, user.collect_events()) if e]
    assert [type(e) for e in opened] == [
        SignUpAttemptedForExistingAccount,
        PasswordResetRequested,
        PasswordChanged,
    ]
    reset = opened[1]
    assert isinstance(reset, PasswordResetRequested)
    assert reset.sealed_token == "c2VhbGVkLXJlc2V0", "only the sealed token travels"
    changed = opened[2]
    assert isinstance(changed, PasswordChanged) and changed.reason == "reset"
