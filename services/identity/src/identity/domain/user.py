"""The user aggregate: sign-up, e-mail verification, password resets and changes.

No secret is ever recorded here: passwords live as argon2id hashes and tokens as SHA-256 hashes
in identity's state tables; events carry at most a token sealed to the notifications service.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate

from identity.domain.errors import InvalidVerificationToken
from identity.domain.values import EnvironmentRole, PasswordChangeReason


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
        role: EnvironmentRole,
        email_preferences: dict[str, bool],
        receiving_prompt_enabled: bool,
    ) -> None:
        self.email = email
        self.full_name = full_name
        self.language = language
        self.environment_id = environment_id
        self.environment_name = environment_name
        self.role: EnvironmentRole = role
        self.email_preferences = dict(email_preferences)
        self.receiving_prompt_enabled = receiving_prompt_enabled
        self.phone: str | None = None
        self.email_verified_at: datetime | None = None
        self.last_sign_up_attempt_at: datetime | None = None
        self.last_reset_requested_at: datetime | None = None
        self.password_changed_at: datetime | None = None
        # Organisation id -> organisation role ("member" or "admin"): access is per organisation.
        self.memberships: dict[uuid.UUID, str] = {}

    @property
    def email_verified(self) -> bool:
        """Whether the user has proved they own their e-mail address."""
        return self.email_verified_at is not None

    def request_verification(self, sealed_token: str, expires_at: datetime) -> None:
        """Ask the user to verify their address; the token travels sealed to notifications."""
        self._verification_requested(
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
        sealed_token: str,
        expires_at: datetime,
        email: str,
        full_name: str,
        language: str,
        environment_id: uuid.UUID,
    ) -> None:
        pass

    def verify_email(self, now: datetime) -> None:
        """Record that the address is proved; the caller has checked the token."""
        if self.email_verified:
            raise InvalidVerificationToken("the verification link is invalid, used or expired")
        self._email_verified(verified_at=now, email=self.email, environment_id=self.environment_id)

    @event("EmailVerified")
    def _email_verified(self, verified_at: datetime, email: str, environment_id: uuid.UUID) -> None:
        self.email_verified_at = verified_at

    def note_sign_up_attempt(self, now: datetime, quiet_period: timedelta) -> bool:
        """Someone signed up with this address again; tell the owner, once per quiet period."""
        # A flood of sign-ups for one address must not become a flood of mails to its owner.
        last = self.last_sign_up_attempt_at
        if last is not None and now - last < quiet_period:
            return False
        self._sign_up_attempted(
            attempted_at=now,
            email=self.email,
            full_name=self.full_name,
            language=self.language,
            environment_id=self.environment_id,
        )
        return True

    @event("SignUpAttempted")
    def _sign_up_attempted(
        self,
        attempted_at: datetime,
        email: str,
        full_name: str,
        language: str,
        environment_id: uuid.UUID,
    ) -> None:
        self.last_sign_up_attempt_at = attempted_at

    def may_request_password_reset(self, now: datetime, quiet_period: timedelta) -> bool:
        """Whether a new reset mail may go out now (one per quiet period, against mail bombs)."""
        last = self.last_reset_requested_at
        return last is None or now - last >= quiet_period

    def request_password_reset(
        self, sealed_token: str, expires_at: datetime, now: datetime
    ) -> None:
        """Send the user a reset link; the token travels sealed to notifications."""
        self._password_reset_requested(
            requested_at=now,
            sealed_token=sealed_token,
            expires_at=expires_at,
            email=self.email,
            full_name=self.full_name,
            language=self.language,
            environment_id=self.environment_id,
        )

    @event("PasswordResetRequested")
    def _password_reset_requested(
        self,
        requested_at: datetime,
        sealed_token: str,
        expires_at: datetime,
        email: str,
        full_name: str,
        language: str,
        environment_id: uuid.UUID,
    ) -> None:
        self.last_reset_requested_at = requested_at

    def change_password(self, now: datetime, reason: PasswordChangeReason) -> None:
        """Record that the password changed (the new hash is stored apart, never here)."""
        self._password_changed(changed_at=now, reason=reason, environment_id=self.environment_id)

    @event("PasswordChanged")
    def _password_changed(
        self, changed_at: datetime, reason: PasswordChangeReason, environment_id: uuid.UUID
    ) -> None:
        self.password_changed_at = changed_at
