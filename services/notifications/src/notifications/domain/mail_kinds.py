"""Which mails exist, which preference governs each, and whether one person gets one.

Security mails (verification, password reset, invitation, "you already have an account", "your
access to an organisation was removed") are always sent: they are how a person proves or
recovers their account, or learns that someone changed what it may do. Every other kind follows
one of the six e-mail preferences of API.md, and only goes to an address its owner has proved:
a notification about invoices must never reach an address someone else typed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from uuid import UUID

EMAIL_VERIFICATION = "email_verification"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of mail, not a password)
INVITATION = "invitation"
ACCOUNT_EXISTS = "account_exists"
ACCESS_REMOVED = "access_removed"
INVOICE_RECEIVED = "invoice_received"
INVOICE_SENT = "invoice_sent"
INVOICE_DELIVERY_FAILED = "invoice_delivery_failed"
ORGANISATION_ACTIVATED = "organisation_activated"
RECEIVING_ENABLED = "receiving_enabled"
RECEIVING_DISABLED = "receiving_disabled"
PRODUCT_NEWS = "product_news"

SECURITY_KINDS = frozenset(
    {EMAIL_VERIFICATION, PASSWORD_RESET, INVITATION, ACCOUNT_EXISTS, ACCESS_REMOVED}
)

PREFERENCE_OF: Mapping[str, str] = MappingProxyType(
    {
        INVOICE_RECEIVED: "invoice_received",
        INVOICE_SENT: "invoice_sent",
        INVOICE_DELIVERY_FAILED: "invoice_delivery_failed",
        ORGANISATION_ACTIVATED: "organisation_activated",
        RECEIVING_ENABLED: "receiving_changed",
        RECEIVING_DISABLED: "receiving_changed",
        PRODUCT_NEWS: "product_news",
    }
)
"""Mail kind -> the e-mail preference that switches it on or off."""

DEFAULT_PREFERENCES: Mapping[str, bool] = MappingProxyType(
    {
        "invoice_received": True,
        "invoice_sent": True,
        "invoice_delivery_failed": True,
        "organisation_activated": True,
        "receiving_changed": True,
        "product_news": False,
    }
)
"""What a user gets before they chose (API.md: all on but product news)."""


@dataclass(frozen=True)
class Recipient:
    """A person a mail may go to, as the read model knows them at the moment of deciding."""

    email: str
    language: str
    full_name: str
    user_id: UUID | None = None
    verified: bool = True
    preferences: Mapping[str, bool] = field(default_factory=lambda: DEFAULT_PREFERENCES)


@dataclass(frozen=True)
class Suppression:
    """Why a person does not get a mail."""

    reason: str
    preference: str | None = None


def suppression_for(kind: str, recipient: Recipient) -> Suppression | None:
    """None when the mail goes out; otherwise why it does not."""
    if kind in SECURITY_KINDS:
        return None
    preference = PREFERENCE_OF[kind]
    if not recipient.verified:
        return Suppression("address-not-verified")
    wanted = recipient.preferences.get(preference, DEFAULT_PREFERENCES[preference])
    if not wanted:
        return Suppression("preference-off", preference)
    return None
