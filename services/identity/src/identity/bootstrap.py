"""Composition root: settings in, a wired identity service out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY
from servicekit.eventstore import StoreExecutor, store_environment
from servicekit.sealing import seal

from identity.application import IdentityApplication
from identity.settings import IdentitySettings


@dataclass
class Identity:
    """The identity service's parts, wired."""

    settings: IdentitySettings
    app: IdentityApplication
    executor: StoreExecutor
    passwords: PasswordHasher


def bootstrap(settings: IdentitySettings | None = None) -> Identity:
    """Build the identity service from settings (environment variables by default)."""
    settings = settings or IdentitySettings()
    app = IdentityApplication(
        store_environment(settings.database_url),
        seal_token=partial(seal, settings.notifications_public_key),
        verification_ttl=timedelta(hours=settings.verification_ttl_hours),
    )
    passwords = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
        hash_len=RFC_9106_LOW_MEMORY.hash_len,
        salt_len=RFC_9106_LOW_MEMORY.salt_len,
    )
    return Identity(
        settings=settings, app=app, executor=StoreExecutor("identity"), passwords=passwords
    )
