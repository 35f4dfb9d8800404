"""A new user proves they own their e-mail address, once, before the link expires."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from identity.domain.errors import InvalidVerificationToken, PasswordPolicyViolation
from identity.domain.user import User
from identity.domain.values import (
    check_password_policy,
    environment_name_for,
    hash_token,
    normalise_email,
)
from servicekit.domain import caused_by

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def a_registered_user() -> User:
    user = User(
        email="ann@example.nl",
        full_name="Ann de Boer",
        language="nl",
        environment_id=uuid.uuid4(),
        environment_name="example.nl",
        password_hash="$argon2id$...",
    )
    user.request_verification(
        token_hash=hash_token("the-token"),
        sealed_token="sealed",
        expires_at=NOW + timedelta(hours=48),
    )
    return user


def test_the_right_token_before_expiry_verifies_the_address() -> None:
    user = a_registered_user()
    user.verify_email(hash_token("the-token"), now=NOW + timedelta(hours=1))
    assert user.email_verified
    assert [type(e).__name__ for e in user.collect_events()] == [
        "Registered",
        "VerificationRequested",
        "EmailVerified",
    ]


def test_a_token_works_only_once() -> None:
    user = a_registered_user()
    user.verify_email(hash_token("the-token"), now=NOW)
    with pytest.raises(InvalidVerificationToken):
        user.verify_email(hash_token("the-token"), now=NOW)


def test_an_expired_token_is_refused_and_nothing_is_recorded() -> None:
    user = a_registered_user()
    user.collect_events()
    with pytest.raises(InvalidVerificationToken):
        user.verify_email(hash_token("the-token"), now=NOW + timedelta(hours=48))
    assert not user.email_verified
    assert user.collect_events() == []


def test_a_wrong_token_is_refused() -> None:
    user = a_registered_user()
    with pytest.raises(InvalidVerificationToken):
        user.verify_email(hash_token("another-token"), now=NOW)


def test_the_recorded_events_hold_no_password_and_no_token_in_clear() -> None:
    user = a_registered_user()
    recorded = repr(user.collect_events())
    assert "the-token" not in recorded
    assert hash_token("the-token") in recorded


def test_events_remember_the_request_that_caused_them() -> None:
    with caused_by("corr-123"):
        user = a_registered_user()
    assert {event.correlation_id for event in user.collect_events()} == {"corr-123"}


def test_e_mail_addresses_compare_case_insensitively() -> None:
    assert normalise_email("  Ann@Example.NL ") == "ann@example.nl"
    with pytest.raises(ValueError):
        normalise_email("not-an-address")


def test_an_environment_is_named_after_the_e_mail_domain_unless_named() -> None:
    assert environment_name_for("ann@example.nl", None) == "example.nl"
    assert environment_name_for("ann@example.nl", "  Bakkerij Ann ") == "Bakkerij Ann"


@pytest.mark.parametrize("password", ["short", "x" * 11, "x" * 129])
def test_passwords_outside_12_to_128_characters_are_refused(password: str) -> None:
    with pytest.raises(PasswordPolicyViolation):
        check_password_policy(password)


def test_passwords_of_12_and_128_characters_are_accepted() -> None:
    check_password_policy("x" * 12)
    check_password_policy("x" * 128)
