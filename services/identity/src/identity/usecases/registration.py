"""Sign-up and e-mail verification."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from servicekit.eventstore import SharedDatabase

from identity.application import IdentityApplication
from identity.domain.errors import InvalidVerificationToken
from identity.domain.indexes import EmailIndex
from identity.domain.user import User
from identity.domain.values import (
    DEFAULT_EMAIL_PREFERENCES,
    EnvironmentRole,
    environment_name_for,
)
from identity.state.credentials import store_password_hash
from identity.state.environment_users import record_environment_user
from identity.state.one_time_tokens import holder_of_token, issue_token, use_token

INVALID_LINK = "the verification link is invalid, used or expired"

# The one who creates an environment administers it.
FIRST_USER_ROLE: EnvironmentRole = "admin"


@dataclass(frozen=True)
class SignUp:
    """The outcome: a new user, or the existing owner of the address (told by mail)."""

    new_user_id: uuid.UUID | None
    existing_user_id: uuid.UUID | None = None
    owner_notified: bool = False


@dataclass(frozen=True)
class Verification:
    """A verified user."""

    user_id: uuid.UUID
    environment_id: uuid.UUID


class Registration:
    """Creates environments with their first user and verifies their addresses."""

    def __init__(
        self,
        app: IdentityApplication,
        database: SharedDatabase,
        *,
        seal_token: Callable[[str], str],
        verification_ttl: timedelta,
        sign_up_notice_quiet_period: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._app = app
        self._db = database
        self._seal_token = seal_token
        self._verification_ttl = verification_ttl
        self._quiet_period = sign_up_notice_quiet_period
        self._clock = clock

    def register(
        self,
        *,
        email: str,
        password_hash: str,
        full_name: str,
        language: str,
        environment_name: str | None,
    ) -> SignUp:
        """Create the user with a new environment; a known address instead tells its owner.

        Raises IntegrityError when a concurrent sign-up of the same address committed first;
        nothing of this one is stored then, and trying again tells the owner instead.
        """
        now = self._clock()
        with self._db.transaction() as session:
            existing = self._app.user_for(email)
            if existing is not None:
                notified = existing.note_sign_up_attempt(now, self._quiet_period)
                if notified:
                    self._app.save(existing)
                return SignUp(None, existing_user_id=existing.id, owner_notified=notified)
            user = User(
                email=email,
                full_name=full_name.strip(),
                language=language,
                environment_id=uuid.uuid4(),
                environment_name=environment_name_for(email, environment_name),
                role=FIRST_USER_ROLE,
                email_preferences=dict(DEFAULT_EMAIL_PREFERENCES),
                receiving_prompt_enabled=True,
            )
            token = secrets.token_urlsafe(32)
            expires_at = now + self._verification_ttl
            user.request_verification(sealed_token=self._seal_token(token), expires_at=expires_at)
            issue_token(session, token, "verification", user.id, expires_at)
            store_password_hash(session, user.id, password_hash, now)
            record_environment_user(session, user.id, user.environment_id, email)
            self._app.save(user, EmailIndex(email=email, user_id=user.id))
        return SignUp(new_user_id=user.id)

    def verify_email(self, token: str) -> Verification:
        """Spend the token and mark its user verified; bad, used or expired tokens alike fail."""
        now = self._clock()
        with self._db.transaction() as session:
            # Every check reads before anything is written: a refusal leaves no trace, so it
            # does not spoil the group commit it shares with other commands.
            user_id = holder_of_token(session, token, "verification", now)
            if user_id is None:
                raise InvalidVerificationToken(INVALID_LINK)
            user = self._app.user(user_id)
            user.verify_email(now)
            if use_token(session, token, "verification", now) != user_id:
                raise InvalidVerificationToken(INVALID_LINK)  # spent by a racing request
            self._app.save(user)
        return Verification(user_id=user.id, environment_id=user.environment_id)
