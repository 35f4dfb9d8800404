"""Identity use cases: register a user, verify their e-mail address."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from servicekit.eventstore import MeteredApplication

from identity.domain.errors import InvalidVerificationToken
from identity.domain.indexes import EmailIndex, VerificationTokenIndex
from identity.domain.user import User
from identity.domain.values import environment_name_for, hash_token, normalise_email


@dataclass(frozen=True)
class Registration:
    """The outcome of a sign-up: a new user, or none because the e-mail is taken."""

    user_id: uuid.UUID | None
    last_notification_id: int | None


@dataclass(frozen=True)
class Verification:
    """A verified user, and the position of the event that recorded it."""

    user_id: uuid.UUID
    environment_id: uuid.UUID
    last_notification_id: int | None


class IdentityApplication(MeteredApplication):
    """The identity service's event-sourced application."""

    name = "identity"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        seal_token: Callable[[str], str],
        verification_ttl: timedelta = timedelta(hours=48),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(env)
        self._seal_token = seal_token
        self._verification_ttl = verification_ttl
        self._clock = clock

    def register(
        self,
        *,
        email: str,
        password_hash: str,
        full_name: str,
        language: str,
        environment_name: str | None,
    ) -> Registration:
        """Create the user with a new environment and ask them to verify their e-mail address."""
        email = normalise_email(email)
        if self._email_taken(email):
            return Registration(user_id=None, last_notification_id=None)
        user = User(
            email=email,
            full_name=full_name.strip(),
            language=language,
            environment_id=uuid.uuid4(),
            environment_name=environment_name_for(email, environment_name),
            password_hash=password_hash,
        )
        token_index = self._issue_verification(user)
        try:
            recordings = self.save(user, EmailIndex(email=email, user_id=user.id), token_index)
        except IntegrityError:
            # Another registration of the same address committed first.
            return Registration(user_id=None, last_notification_id=None)
        return Registration(user_id=user.id, last_notification_id=_last_id(recordings))

    def verify_email(self, token: str) -> Verification:
        """Mark the token's user verified; any bad, used or expired token is refused alike."""
        token_hash = hash_token(token)
        try:
            index: VerificationTokenIndex = self.repository.get(
                VerificationTokenIndex.create_id(token_hash)
            )
            user: User = self.repository.get(index.user_id)
        except AggregateNotFoundError as error:
            raise InvalidVerificationToken(
                "the verification link is invalid, used or expired"
            ) from error
        user.verify_email(token_hash, now=self._clock())
        recordings = self.save(user)
        return Verification(
            user_id=user.id,
            environment_id=user.environment_id,
            last_notification_id=_last_id(recordings),
        )

    def get_user(self, user_id: uuid.UUID) -> User:
        """The user as recorded now."""
        user: User = self.repository.get(user_id)
        return user

    def _email_taken(self, email: str) -> bool:
        try:
            self.repository.get(EmailIndex.create_id(email))
        except AggregateNotFoundError:
            return False
        return True

    def _issue_verification(self, user: User) -> VerificationTokenIndex:
        token = secrets.token_urlsafe(32)
        token_hash = hash_token(token)
        user.request_verification(
            token_hash=token_hash,
            sealed_token=self._seal_token(token),
            expires_at=self._clock() + self._verification_ttl,
        )
        return VerificationTokenIndex(token_hash=token_hash, user_id=user.id)


def _last_id(recordings: list[Any]) -> int | None:
    ids = [r.notification.id for r in recordings if r.notification.id is not None]
    return max(ids) if ids else None
