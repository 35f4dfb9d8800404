"""Identity's secrets live in state tables that commit with its events, or not at all.

Each scenario runs on SQLite and on PostgreSQL, straight through the use cases and through the
store thread's group commit (commands waiting together share one transaction; one that fails
after writing makes the group run again call by call).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.persistence import IntegrityError
from identity.bootstrap import Identity
from identity.domain.errors import InvalidResetToken, InvalidVerificationToken
from identity.domain.indexes import EmailIndex
from identity.domain.user import User
from identity.domain.values import DEFAULT_EMAIL_PREFERENCES
from identity.state.credentials import password_hash_of, store_password_hash
from identity.state.one_time_tokens import issue_token
from identity.state.tables import credentials, one_time_tokens
from sqlalchemy import func, select

from tests.scenery import Clock, identity_on, register

NOW = datetime.now(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def identity(database_url: str, keys: dict[str, str], clock: Clock) -> Identity:
    return identity_on(database_url, keys, clock)


def a_user(email: str) -> User:
    return User(
        email=email,
        full_name="Ann",
        language="nl",
        environment_id=uuid.uuid4(),
        environment_name="example.nl",
        role="admin",
        email_preferences=dict(DEFAULT_EMAIL_PREFERENCES),
        receiving_prompt_enabled=True,
    )


def credential_rows(identity: Identity) -> int:
    with identity.database.transaction(commit=False) as session:
        return int(session.execute(select(func.count()).select_from(credentials)).scalar_one())


def save_with_credentials(identity: Identity, email: str) -> None:
    """What sign-up does: the password hash and the user's events in one transaction."""
    user = a_user(email)
    with identity.database.transaction() as session:
        store_password_hash(session, user.id, "$argon2id$hash", NOW)
        identity.app.save(user, EmailIndex(email=email, user_id=user.id))


def test_a_failing_save_leaves_no_credentials_row(identity: Identity) -> None:
    save_with_credentials(identity, "ann@example.nl")
    assert credential_rows(identity) == 1
    # The e-mail index is taken, so this save conflicts: the hash written before it goes too.
    with pytest.raises(IntegrityError):
        save_with_credentials(identity, "ann@example.nl")
    assert credential_rows(identity) == 1


async def test_in_a_group_commit_a_failing_save_takes_only_its_own_rows(
    identity: Identity,
) -> None:
    save_with_credentials(identity, "ann@example.nl")
    with pytest.raises(IntegrityError):
        await identity.executor.run(save_with_credentials, identity, "ann@example.nl")
    await identity.executor.run(save_with_credentials, identity, "bob@example.nl")
    assert credential_rows(identity) == 2


def test_sign_up_stores_the_hash_beside_the_events_and_no_secret_in_them(
    identity: Identity,
) -> None:
    register(identity, "ann@example.nl", password_hash="$argon2id$v=19$secret-hash")
    user_id = identity.app.user_id_for("ann@example.nl")
    assert user_id is not None
    with identity.database.transaction(commit=False) as session:
        assert password_hash_of(session, user_id) == "$argon2id$v=19$secret-hash"
        [token_row] = session.execute(select(one_time_tokens)).all()
    stored = b"".join(n.state for n in identity.app.recorder.select_notifications(1, 100))
    assert b"secret-hash" not in stored
    assert token_row.token_hash.encode() not in stored, "not even the token's hash"


def test_a_verification_token_works_once_and_not_after_it_expires(
    identity: Identity, clock: Clock
) -> None:
    register(identity, "ann@example.nl")
    user_id = identity.app.user_id_for("ann@example.nl")
    assert user_id is not None
    with identity.database.transaction() as session:
        issue_token(session, "fresh-token", "verification", user_id, clock() + timedelta(hours=1))
        issue_token(session, "stale-token", "verification", user_id, clock() + timedelta(hours=1))
    clock.advance(minutes=30)
    assert identity.registration.verify_email("fresh-token").user_id == user_id
    with pytest.raises(InvalidVerificationToken):
        identity.registration.verify_email("fresh-token")
    clock.advance(hours=1)
    with pytest.raises(InvalidVerificationToken):
        identity.registration.verify_email("stale-token")


def test_a_token_of_one_kind_does_not_open_another(identity: Identity, clock: Clock) -> None:
    register(identity, "ann@example.nl")
    user_id = identity.app.user_id_for("ann@example.nl")
    assert user_id is not None
    with identity.database.transaction() as session:
        issue_token(
            session, "verification-token", "verification", user_id, clock() + timedelta(hours=1)
        )
    with pytest.raises(InvalidResetToken):
        identity.password_resets.confirm("verification-token", "$argon2id$new")
