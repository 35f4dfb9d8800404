"""The user aggregate: sign-up, e-mail verification, password resets and changes, memberships.

No secret is ever recorded here: passwords live as argon2id hashes and tokens as SHA-256 hashes
in identity's state tables; events carry at most a token sealed to the notifications service.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate

from identity.domain.access import NoSuchMembership
from identity.domain.errors import CannotFollowOrganisation, InvalidVerificationToken
from identity.domain.values import EnvironmentRole, OrganisationRole, PasswordChangeReason


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

    # --- The user's own settings: profile, e-mail preferences, receiving prompt, photo. ---
    # Class-level defaults, so users recorded before these facts existed read the same.
    photo: dict[str, object] | None = None

    def change_profile(
        self,
        now: datetime,
        full_name: str | None = None,
        phone: str | None = None,
        remove_phone: bool = False,
        language: str | None = None,
    ) -> bool:
        """Record the fields that really change (phone already in E.164); whether any did."""
        changes: dict[str, str | None] = {}
        if full_name is not None and full_name != self.full_name:
            changes["full_name"] = full_name
        if remove_phone and self.phone is not None:
            changes["phone"] = None
        elif phone is not None and phone != self.phone:
            changes["phone"] = phone
        if language is not None and language != self.language:
            changes["language"] = language
        if not changes:
            return False
        self._profile_changed(changes=changes, changed_at=now, environment_id=self.environment_id)
        return True

    @event("ProfileChanged")
    def _profile_changed(
        self, changes: dict[str, str | None], changed_at: datetime, environment_id: uuid.UUID
    ) -> None:
        for name, value in changes.items():
            setattr(self, name, value)

    def change_email_preferences(self, preferences: dict[str, bool], now: datetime) -> bool:
        """Replace the choice of optional e-mails; whether anything changed."""
        if dict(preferences) == self.email_preferences:
            return False
        self._email_preferences_changed(
            preferences=dict(preferences), changed_at=now, environment_id=self.environment_id
        )
        return True

    @event("EmailPreferencesChanged")
    def _email_preferences_changed(
        self, preferences: dict[str, bool], changed_at: datetime, environment_id: uuid.UUID
    ) -> None:
        self.email_preferences = dict(preferences)

    def set_receiving_prompt(self, enabled: bool, now: datetime) -> bool:
        """Switch the login's receiving prompt off ("don't ask again") or on; whether it changed."""
        if enabled == self.receiving_prompt_enabled:
            return False
        if enabled:
            self._receiving_prompt_restored(at=now, environment_id=self.environment_id)
        else:
            self._receiving_prompt_dismissed(at=now, environment_id=self.environment_id)
        return True

    @event("ReceivingPromptDismissed")
    def _receiving_prompt_dismissed(self, at: datetime, environment_id: uuid.UUID) -> None:
        self.receiving_prompt_enabled = False

    @event("ReceivingPromptRestored")
    def _receiving_prompt_restored(self, at: datetime, environment_id: uuid.UUID) -> None:
        self.receiving_prompt_enabled = True

    def change_photo(self, reference: dict[str, object], now: datetime) -> bool:
        """Point at a new stored photo (a blob store reference); whether it changed."""
        if self.photo is not None and self.photo.get("sha256") == reference.get("sha256"):
            return False
        self._photo_changed(
            reference=dict(reference), changed_at=now, environment_id=self.environment_id
        )
        return True

    @event("PhotoChanged")
    def _photo_changed(
        self, reference: dict[str, object], changed_at: datetime, environment_id: uuid.UUID
    ) -> None:
        self.photo = dict(reference)

    def grant_membership(
        self,
        organisation_id: uuid.UUID,
        role: OrganisationRole,
        granted_by: uuid.UUID | None,
        now: datetime,
    ) -> bool:
        """Let the user act for an organisation with a role; False when they already had it."""
        if self.memberships.get(organisation_id) == role:
            return False
        self._membership_granted(
            organisation_id=organisation_id,
            role=role,
            granted_by=granted_by,
            granted_at=now,
            environment_id=self.environment_id,
        )
        return True

    @event("MembershipGranted")
    def _membership_granted(
        self,
        organisation_id: uuid.UUID,
        role: OrganisationRole,
        granted_by: uuid.UUID | None,
        granted_at: datetime,
        environment_id: uuid.UUID,
    ) -> None:
        self.memberships[organisation_id] = role

    def revoke_membership(
        self, organisation_id: uuid.UUID, revoked_by: uuid.UUID, now: datetime
    ) -> None:
        """End the user's access to an organisation (the caller checked who may do this)."""
        role = self.memberships.get(organisation_id)
        if role is None:
            raise NoSuchMembership(f"the user is no member of organisation {organisation_id}")
        self._membership_revoked(
            organisation_id=organisation_id,
            role="admin" if role == "admin" else "member",
            revoked_by=revoked_by,
            revoked_at=now,
            environment_id=self.environment_id,
        )

    @event("MembershipRevoked")
    def _membership_revoked(
        self,
        organisation_id: uuid.UUID,
        role: OrganisationRole,
        revoked_by: uuid.UUID,
        revoked_at: datetime,
        environment_id: uuid.UUID,
    ) -> None:
        self.memberships.pop(organisation_id, None)

    # --- Following an organisation that moved to another environment. ---

    def may_follow(self, organisation_id: uuid.UUID) -> bool:
        """Whether the user would go along with this organisation to another environment.

        Only someone who works for nothing else here: no environment admin, and no membership
        of any other organisation (one account belongs to one environment, so following would
        cost them the rest).
        """
        return self.role != "admin" and set(self.memberships) == {organisation_id}

    def follow_organisation(
        self,
        organisation_id: uuid.UUID,
        environment_id: uuid.UUID,
        environment_name: str,
        now: datetime,
    ) -> bool:
        """Move along with the organisation into its new environment; False if already there."""
        if self.environment_id == environment_id:
            return False
        if not self.may_follow(organisation_id):
            raise CannotFollowOrganisation(
                f"the user works for more than organisation {organisation_id} in their "
                "environment, or administers it; revoke their membership instead"
            )
        self._moved_to_environment(
            organisation_id=organisation_id,
            environment_id=environment_id,
            environment_name=environment_name,
            from_environment_id=self.environment_id,
            moved_at=now,
        )
        return True

    @event("MovedToEnvironment")
    def _moved_to_environment(
        self,
        organisation_id: uuid.UUID,
        environment_id: uuid.UUID,
        environment_name: str,
        from_environment_id: uuid.UUID,
        moved_at: datetime,
    ) -> None:
        self.environment_id = environment_id
        self.environment_name = environment_name
