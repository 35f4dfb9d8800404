"""Value objects and rules of the identity domain."""

from __future__ import annotations

import hashlib
import re
import uuid
from types import MappingProxyType
from typing import Literal

# Fixed namespace: ids derived from it are stable across processes and restarts.
IDENTITY_NAMESPACE = uuid.UUID("6f1c8a2e-4b7d-5e3f-9a10-2c4d6e8f0a1b")

EnvironmentRole = Literal["basic", "advanced", "admin"]
OrganisationRole = Literal["member", "admin"]
PasswordChangeReason = Literal["reset", "change"]

# The six kinds of optional mail and whether a new user gets them (API.md): all but news.
DEFAULT_EMAIL_PREFERENCES = MappingProxyType(
    {
        "invoice_received": True,
        "invoice_sent": True,
        "invoice_delivery_failed": True,
        "organisation_activated": True,
        "receiving_changed": True,
        "product_news": False,
    }
)

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


def hash_token(token: str) -> str:
    """What the store keeps of a token: its SHA-256, useless for signing in."""
    return hashlib.sha256(token.encode()).hexdigest()


def operator_actor_id(operator: str) -> uuid.UUID:
    """A stable id naming a platform operator where an event wants a user id (they are none)."""
    return uuid.uuid5(IDENTITY_NAMESPACE, f"operator:{operator}")
