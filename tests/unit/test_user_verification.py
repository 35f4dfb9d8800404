"""A new user proves they own their e-mail address, once; the password rules hold at sign-up."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from identity.domain.errors import InvalidVerificationToken, PasswordPolicyViolation
from identity.domain.passwords import (
    LENGTH_RULE,
    STRENGTH_RULE,
    check_password_length,
    check_password_policy,
)
from identity.domain.user import User
from identity.domain.values import (
    DEFAULT_EMAIL_PREFERENCES,
    environment_name_for,
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
        role="admin",
        email_preferences=dict(DEFAULT_EMAIL_PREFERENCES),
        receiving_prompt_enabled=True,
    )
    user.request_verification(sealed_token="sealed", expires_at=NOW + timedelta(hours=48))
    return user


def test_verifying_records_the_fact_once() -> None:
    user = a_registered_user()
    user.verify_email(NOW + timedelta(hours=1))
    assert user.email_verified
    assert [type(e).__name__ for e in user.collect_events()] == [
        "Registered",
        "VerificationRequested",
        "EmailVerified",
    ]


def test_an_address_is_verified_only_once() -> None:
    user = a_registered_user()
    user.verify_email(NOW)
    with pytest.raises(InvalidVerificationToken):
        user.verify_email(NOW)


def test_the_first_user_administers_the_environment_and_gets_the_default_mails() -> None:
    user = a_registered_user()
    assert user.role == "admin"
    assert user.email_preferences["invoice_received"] is True
    assert user.email_preferences["product_news"] is False
    assert user.receiving_prompt_enabled is True


def test_the_recorded_events_hold_no_password_hash_and_no_token_hash() -> None:
    user = a_registered_user()
    user.change_password(NOW, reason="reset")
    for event in user.collect_events():
        assert not {"password_hash", "token_hash", "password", "token"} & set(vars(event))


def test_a_known_address_signing_up_again_tells_its_owner_once_per_quiet_period() -> None:
    user = a_registered_user()
    assert user.note_sign_up_attempt(NOW, timedelta(minutes=10))
    assert not user.note_sign_up_attempt(NOW + timedelta(minutes=9), timedelta(minutes=10))
    assert user.note_sign_up_attempt(NOW + timedelta(minutes=10), timedelta(minutes=10))
    kinds = [type(e).__name__ for e in user.collect_events()]
    assert kinds.count("SignUpAttempted") == 2


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
    with pytest.raises(PasswordPolicyViolation) as refused:
        check_password_length(password)
    assert refused.value.rule == LENGTH_RULE


@pytest.mark.parametrize("password", ["Kq8#vT2!mZp4", "Kq8#vT2!mZp4" + "a9$Lw" * 23 + "x"])
def test_strong_passwords_of_12_and_128_characters_are_accepted(password: str) -> None:
    assert len(password) in (12, 128)
    check_password_policy(password)


@pytest.mark.parametrize(
    "password", ["passwordpassword", "qwertyuiop123", "aaaaaaaaaaaaaaaa", "iloveyou12345"]
)
def test_guessable_passwords_are_refused_with_the_estimators_advice(password: str) -> None:
    with pytest.raises(PasswordPolicyViolation) as refused:
        check_password_policy(password, ["ann.deboer@example.nl", "Ann de Boer"])
    assert refused.value.rule == STRENGTH_RULE
    assert str(refused.value), "the library's warning or suggestions are passed on"


def test_a_password_made_of_the_users_own_name_and_address_is_guessable() -> None:
    with pytest.raises(PasswordPolicyViolation):
        check_password_policy("deboerbakkerij", ["ann@bakkerij-deboer.nl", "Ann de Boer"])
    check_password_policy("deboerbakkerij")  # strong enough for a stranger
