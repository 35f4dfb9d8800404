"""Value objects and rules of the identity domain."""

from __future__ import annotations

import hashlib
import re
import uuid

from identity.domain.errors import PasswordPolicyViolation

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128

# Fixed namespace: ids derived from it are stable across processes and restarts.
IDENTITY_NAMESPACE = uuid.UUID("6f1c8a2e-4b7d-5e3f-9a10-2c4d6e8f0a1b")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    """The form used to compare e-mail addresses: trimmed and lower-cased."""
    normalised = email.strip().lower()
    if not _EMAIL.match(normalised):
        raise ValueError("not an e-mail address")
    return normalised


def environment_name_for(email: str, chosen: str | None) -> str:
    """The name a new environment gets: the user's choice, or the e-mail's domain."""
    if chosen and chosen.strip():
        return chosen.strip()
    return email.rsplit("@", 1)[-1]


def check_password_policy(password: str) -> None:
    """Refuse passwords outside the allowed length."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise PasswordPolicyViolation(
            f"a password has {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters"
        )


def hash_token(token: str) -> str:
    """What the store keeps of a token: its SHA-256, useless for logging in."""
    return hashlib.sha256(token.encode()).hexdigest()
