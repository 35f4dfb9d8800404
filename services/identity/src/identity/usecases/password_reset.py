"""Forgotten passwords: a single-use link by mail, then a new password that ends every session."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from servicekit.eventstore import SharedDatabase

from identity.application import IdentityApplication
from identity.domain.errors import InvalidResetToken
from identity.domain.user import User
from identity.state.credentials import replace_password_hash
from identity.state.login_failures import forget_account_failures
from identity.state.one_time_tokens import holder_of_token, issue_token, retire_tokens, use_token
from identity.state.sessions import revoke_all_sessions

INVALID = "the password reset link is invalid, used or expired"


@dataclass(frozen=True)
class PasswordReset:
    """A new password is set; these sessions were ended."""

    user_id: uuid.UUID
    revoked_sessions: list[uuid.UUID]


class PasswordResets:
    """Issues reset tokens and sets new passwords with them."""

    def __init__(
        self,
        app: IdentityApplication,
        database: SharedDatabase,
        *,
        seal_token: Callable[[str], str],
        token_ttl: timedelta,
        quiet_period: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._app = app
        self._db = database
        self._seal_token = seal_token
        self._ttl = token_ttl
        self._quiet_period = quiet_period
        self._clock = clock

    def request(self, email: str) -> bool:
        """Mail a reset link if the address has an account; whether one goes out."""
        now = self._clock()
        with self._db.transaction() as session:
            user = self._app.user_for(email)
            if user is None or not user.may_request_password_reset(now, self._quiet_period):
                return False
            token = secrets.token_urlsafe(32)
            expires_at = now + self._ttl
            # Only the newest link works: an older mail lying around is no way in.
            retire_tokens(session, "password_reset", user.id, now)
            issue_token(session, token, "password_reset", user.id, expires_at)
            user.request_password_reset(self._seal_token(token), expires_at, now)
            self._app.save(user)
        return True

    def holder(self, token: str) -> User:
        """The user a valid token belongs to (to check the new password against their data)."""
        with self._db.transaction(commit=False) as session:
            user_id = holder_of_token(session, token, "password_reset", self._clock())
            if user_id is None:
                raise InvalidResetToken(INVALID)
            return self._app.user(user_id)

    def confirm(self, token: str, password_hash: str) -> PasswordReset:
        """Spend the token, store the new password and end every session of the user."""
        now = self._clock()
        with self._db.transaction() as session:
            # Checked before anything is written: a refusal leaves its group commit alone.
            user_id = holder_of_token(session, token, "password_reset", now)
            if user_id is None:
                raise InvalidResetToken(INVALID)
            user = self._app.user(user_id)
            if use_token(session, token, "password_reset", now) != user_id:
                raise InvalidResetToken(INVALID)  # spent by a racing request
            replace_password_hash(session, user.id, password_hash, now)
            user.change_password(now, reason="reset")
            if not user.email_verified:
                # The link reached the mailbox: that proves the address as well as a
                # verification link would.
                user.verify_email(now)
            revoked = revoke_all_sessions(session, user.id, "password-reset", now)
            forget_account_failures(session, user.email)
            self._app.save(user)
        return PasswordReset(user_id=user.id, revoked_sessions=revoked)
