"""A signed-in user changes their password: the current one proves it is them, and every
session (this one included) ends, so a thief holding a token is shut out too."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from servicekit.eventstore import SharedDatabase

from identity.application import IdentityApplication
from identity.domain.errors import IdentityError
from identity.domain.user import User
from identity.state.credentials import password_hash_of, replace_password_hash
from identity.state.sessions import revoke_all_sessions


class PasswordChangedMeanwhile(IdentityError):
    """The password changed between checking the current one and storing the new one."""


class PasswordChanges:
    """Replaces a password whose current value the caller has proved."""

    def __init__(
        self, app: IdentityApplication, database: SharedDatabase, clock: Callable[[], datetime]
    ) -> None:
        self._app = app
        self._db = database
        self._clock = clock

    def current(self, user_id: uuid.UUID) -> tuple[User, str | None]:
        """The user and their current password hash, to check the current password against."""
        with self._db.transaction(commit=False) as session:
            return self._app.user(user_id), password_hash_of(session, user_id)

    def change(self, user_id: uuid.UUID, checked_hash: str, new_hash: str) -> list[uuid.UUID]:
        """Store the new hash and end every session; the ids of the sessions ended."""
        now = self._clock()
        with self._db.transaction() as session:
            # Checked before anything is written: the hash the current password was verified
            # against must still be the one stored (a racing change or reset wins otherwise).
            if password_hash_of(session, user_id) != checked_hash:
                raise PasswordChangedMeanwhile("the password was changed meanwhile")
            user = self._app.user(user_id)
            replace_password_hash(session, user_id, new_hash, now)
            user.change_password(now, reason="change")
            revoked = revoke_all_sessions(session, user_id, "password-change", now)
            self._app.save(user)
        return revoked
