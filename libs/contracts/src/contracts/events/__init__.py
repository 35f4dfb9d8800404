"""Public integration events, one module per producing bounded context."""

from contracts.events.base import EVENT_SUBJECT_PREFIX, IntegrationEvent
from contracts.events.identity import (
    EmailVerificationRequested,
    EmailVerified,
    PasswordChanged,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
    UserRegistered,
)

__all__ = [
    "EVENT_SUBJECT_PREFIX",
    "EmailVerificationRequested",
    "EmailVerified",
    "IntegrationEvent",
    "PasswordChanged",
    "PasswordResetRequested",
    "SignUpAttemptedForExistingAccount",
    "UserRegistered",
]
