"""The user aggregate: registration and e-mail verification."""

from __future__ import annotations

import uuid
from datetime import datetime

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate

from identity.domain.errors import InvalidVerificationToken


class User(CorrelatedAggregate):
    """A person with an account in one environment."""

    @event("Registered")
    def __init__(
        self,
        email: str,
        full_name: str,
        language: str,
        environment_id: uuid.UUID,
        environment_name: str,
        password_hash: str,
    ) -> None:
        self.email = email
        self.full_name = full_name
        self.language = language
        self.environment_id = environment_id
        self.environment_name = environment_name
        self.password_hash = password_hash
        self.email_verified_at: datetime | None = None
        self.pending_token_hash: str | None = None
        self.pending_token_expires_at: datetime | None = None

    @property
    def email_verified(self) -> bool:
        """Whether the user has proved they own their e-mail address."""
        return self.email_verified_at is not None

    def request_verification(
        self, token_hash: str, sealed_token: str, expires_at: datetime
    ) -> None:
        """Issue a new verification token; only its hash and a sealed copy are recorded."""
        self._verification_requested(
            token_hash=token_hash,
            sealed_token=sealed_token,
            expires_at=expires_at,
            email=self.email,
            full_name=self.full_name,
            language=self.language,
            environment_id=self.environment_id,
        )

    @event("VerificationRequested")
    def _verification_requested(
        self,
        token_hash: str,
        sealed_token: str,
        expires_at: datetime,
        email: str,
        full_name: str,
        language: str,
        environment_id: uuid.UUID,
    ) -> None:
        self.pending_token_hash = token_hash
        self.pending_token_expires_at = expires_at

    def verify_email(self, token_hash: str, now: datetime) -> None:
        """Accept the token once, before it expires."""
        if (
            self.email_verified
            or self.pending_token_hash != token_hash
            or self.pending_token_expires_at is None
            or now >= self.pending_token_expires_at
        ):
            raise InvalidVerificationToken("the verification link is invalid, used or expired")
        self._email_verified(verified_at=now, email=self.email, environment_id=self.environment_id)

    @event("EmailVerified")
    def _email_verified(self, verified_at: datetime, email: str, environment_id: uuid.UUID) -> None:
        self.email_verified_at = verified_at
        self.pending_token_hash = None
        self.pending_token_expires_at = None
