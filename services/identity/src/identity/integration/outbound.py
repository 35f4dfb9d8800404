"""The one place identity's domain events become public integration events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.identity import (
    EmailVerificationRequested,
    EmailVerified,
    PasswordChanged,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
    UserRegistered,
)
from servicekit.outbound import Outbound, nothing

from identity.integration.outbound_memberships import MEMBERSHIP_EVENTS
from identity.integration.outbound_my_account import MY_ACCOUNT_PUBLIC

SOURCE = "/services/identity"


def _registered(e: Any) -> IntegrationEvent:
    return UserRegistered(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        environment_name=e.environment_name,
        email=e.email,
        full_name=e.full_name,
        language=e.language,
        registered_at=e.timestamp,
    )


def _verification_requested(e: Any) -> IntegrationEvent:
    return EmailVerificationRequested(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        email=e.email,
        full_name=e.full_name,
        language=e.language,
        sealed_token=e.sealed_token,
        expires_at=e.expires_at,
    )


def _email_verified(e: Any) -> IntegrationEvent:
    return EmailVerified(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        email=e.email,
        verified_at=e.verified_at,
    )


def _sign_up_attempted(e: Any) -> IntegrationEvent:
    return SignUpAttemptedForExistingAccount(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        email=e.email,
        full_name=e.full_name,
        language=e.language,
        attempted_at=e.attempted_at,
    )


def _password_reset_requested(e: Any) -> IntegrationEvent:
    return PasswordResetRequested(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        email=e.email,
        full_name=e.full_name,
        language=e.language,
        sealed_token=e.sealed_token,
        expires_at=e.expires_at,
    )


def _password_changed(e: Any) -> IntegrationEvent:
    return PasswordChanged(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        reason=e.reason,
        changed_at=e.changed_at,
    )


# eventsourcing makes the event classes from the @event methods; they are named by them.
# Anything not listed (the e-mail index) stays inside identity.
_PUBLIC: dict[str, Callable[[Any], IntegrationEvent]] = {
    "User.Registered": _registered,
    "User.VerificationRequested": _verification_requested,
    "User.EmailVerified": _email_verified,
    "User.SignUpAttempted": _sign_up_attempted,
    "User.PasswordResetRequested": _password_reset_requested,
    "User.PasswordChanged": _password_changed,
    **MEMBERSHIP_EVENTS,
    **MY_ACCOUNT_PUBLIC,
}


OUTBOUND = Outbound(SOURCE, _PUBLIC, organisation=nothing)
to_integration_event = OUTBOUND.to_integration_event
to_envelope = OUTBOUND.to_envelope
