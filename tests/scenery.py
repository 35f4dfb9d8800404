"""Shared scenery: identity wired on a test database with fresh keys and a clock we control."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from identity.bootstrap import Identity, bootstrap
from identity.settings import IdentitySettings
from servicekit.sealing import open_sealed

STRONG_PASSWORD = "correct horse battery staple"


class Clock:
    """Now, until a test moves it on."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Let time pass."""
        self.now += timedelta(**delta)


def identity_on(
    database_url: str, keys: dict[str, str], clock: Clock | None = None, **settings: object
) -> Identity:
    """Identity on `database_url`, argon2 at its cheapest (the tests are not about its cost)."""
    values: dict[str, object] = {
        "identity_database_url": database_url,
        "identity_private_key": keys["IDENTITY_PRIVATE_KEY"],
        "notifications_public_key": keys["NOTIFICATIONS_PUBLIC_KEY"],
        "identity_jwt_private_key": keys["IDENTITY_JWT_PRIVATE_KEY"],
        "argon2_time_cost": 1,
        "argon2_memory_cost_kib": 8,
        "argon2_parallelism": 1,
        **settings,
    }
    return bootstrap(IdentitySettings.model_validate(values), clock=clock or Clock())


def register(identity: Identity, email: str, password_hash: str = "$argon2id$hash") -> None:
    """A sign-up straight through the use case."""
    identity.registration.register(
        email=email,
        password_hash=password_hash,
        full_name="Test User",
        language="nl",
        environment_name=None,
    )


def mailed_token(identity: Identity, user_id: uuid.UUID, notifications_private_key: str) -> str:
    """The token in the user's latest mail: the sealed copy opened as notifications opens it."""
    stored = identity.app.recorder.select_events(user_id)
    latest = identity.app.mapper.to_domain_event(stored[-1])
    return open_sealed(notifications_private_key, latest.sealed_token)
