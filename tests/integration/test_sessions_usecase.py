"""Sessions in identity's store: rotation, family revocation, revoke-all, resets and the throttle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from identity.bootstrap import Identity
from identity.domain.errors import InvalidResetToken
from identity.domain.user import User
from identity.state.sessions import unpublished_revocations
from identity.usecases.sessions import Refreshed, RefreshRefused

from tests.scenery import Clock, identity_on, mailed_token, register


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def identity(database_url: str, keys: dict[str, str], clock: Clock) -> Identity:
    return identity_on(database_url, keys, clock)


@pytest.fixture
def ann(identity: Identity) -> User:
    register(identity, "ann@example.nl")
    user = identity.app.user_for("ann@example.nl")
    assert user is not None
    return user


def refreshed(outcome: Refreshed | RefreshRefused) -> Refreshed:
    assert isinstance(outcome, Refreshed), outcome
    return outcome


def test_each_refresh_token_works_once_and_hands_out_the_next(
    identity: Identity, ann: User
) -> None:
    session = identity.sessions.start_session(ann, "192.0.2.1")
    second = refreshed(identity.sessions.refresh(session.refresh_token))
    third = refreshed(identity.sessions.refresh(second.refresh_token))
    assert second.session_id == third.session_id == session.session_id
    assert len({session.refresh_token, second.refresh_token, third.refresh_token}) == 3


def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
    identity: Identity, ann: User
) -> None:
    session = identity.sessions.start_session(ann, "192.0.2.1")
    other_device = identity.sessions.start_session(ann, "192.0.2.2")
    thief = refreshed(identity.sessions.refresh(session.refresh_token))

    replay = identity.sessions.refresh(session.refresh_token)
    assert isinstance(replay, RefreshRefused)
    assert replay.revoked == [session.session_id]
    # The thief's fresh token belongs to the ended family too.
    assert isinstance(identity.sessions.refresh(thief.refresh_token), RefreshRefused)
    # Another login of the same user is another family, untouched.
    refreshed(identity.sessions.refresh(other_device.refresh_token))


def test_a_refresh_token_expires(identity: Identity, ann: User, clock: Clock) -> None:
    session = identity.sessions.start_session(ann, "192.0.2.1")
    clock.advance(days=15)
    outcome = identity.sessions.refresh(session.refresh_token)
    assert isinstance(outcome, RefreshRefused) and outcome.revoked == []


def test_logging_out_ends_one_session_and_is_published_once(
    identity: Identity, ann: User, clock: Clock
) -> None:
    session = identity.sessions.start_session(ann, "192.0.2.1")
    assert identity.sessions.end_session(ann.id, session.session_id) == [session.session_id]
    assert identity.sessions.end_session(ann.id, session.session_id) == []
    assert isinstance(identity.sessions.refresh(session.refresh_token), RefreshRefused)
    with identity.database.transaction(commit=False) as tx:
        alive_since = clock() - timedelta(minutes=16)
        assert unpublished_revocations(tx, alive_since) == [session.session_id]


def test_a_password_reset_ends_every_session_of_the_user(
    identity: Identity, ann: User, clock: Clock, keys: dict[str, str]
) -> None:
    sessions = [identity.sessions.start_session(ann, f"192.0.2.{i}") for i in range(3)]
    assert identity.password_resets.request("ann@example.nl")
    token = mailed_token(identity, ann.id, keys["NOTIFICATIONS_PRIVATE_KEY"])
    reset = identity.password_resets.confirm(token, "$argon2id$new-hash")
    assert sorted(reset.revoked_sessions) == sorted(s.session_id for s in sessions)
    for session in sessions:
        assert isinstance(identity.sessions.refresh(session.refresh_token), RefreshRefused)
    user = identity.app.user(ann.id)
    assert user.password_changed_at == clock()


def test_a_reset_link_stops_working_after_thirty_minutes(
    identity: Identity, ann: User, clock: Clock, keys: dict[str, str]
) -> None:
    identity.password_resets.request("ann@example.nl")
    token = mailed_token(identity, ann.id, keys["NOTIFICATIONS_PRIVATE_KEY"])
    clock.advance(minutes=30)
    with pytest.raises(InvalidResetToken):
        identity.password_resets.confirm(token, "$argon2id$new-hash")


def test_failures_count_per_address_and_per_account_and_slide_away(
    identity: Identity, ann: User, clock: Clock
) -> None:
    for _ in range(10):
        identity.sessions.record_failed_login("ann@example.nl", "198.51.100.7")
    from_guesser = identity.sessions.prepare_login("ann@example.nl", "198.51.100.7")
    assert from_guesser.retry_after_seconds == 15 * 60
    elsewhere = identity.sessions.prepare_login("bob@example.nl", "198.51.100.8")
    assert elsewhere.retry_after_seconds is None, "another account from another address"
    stranger = identity.sessions.prepare_login("ann@example.nl", "198.51.100.9")
    assert stranger.retry_after_seconds == 15 * 60, "the account waits for new addresses"
    clock.advance(minutes=15)
    assert (
        identity.sessions.prepare_login("ann@example.nl", "198.51.100.7").retry_after_seconds
        is None
    )


def test_the_account_rule_spares_addresses_the_owner_signed_in_from(
    identity: Identity, ann: User
) -> None:
    identity.sessions.start_session(ann, "203.0.113.5")
    for i in range(10):
        identity.sessions.record_failed_login("ann@example.nl", f"198.51.100.{i}")
    assert (
        identity.sessions.prepare_login("ann@example.nl", "203.0.113.5").retry_after_seconds is None
    )
    assert identity.sessions.prepare_login("ann@example.nl", "203.0.113.6").retry_after_seconds
