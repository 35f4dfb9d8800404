"""Facts the notifications context publishes: what it decided about each e-mail, and news.

One notification is one (event, recipient) pair: the event that called for a mail and the
address it is for. Its id is derived from both, so it is the same on every replay. Each decision
about it is published once: sent, suppressed (the recipient's preferences, or an address not yet
proved), or failed (the mail server gave up or refused it, with the reason).
"""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BoundedContext

MailKind = Literal[
    "email_verification",
    "password_reset",
    "invitation",
    "account_exists",
    "invoice_received",
    "invoice_sent",
    "invoice_delivery_failed",
    "organisation_activated",
    "receiving_enabled",
    "receiving_disabled",
    "product_news",
    "access_removed",
]
"""What a mail is about. The first four and `access_removed` are security mails, always sent;
the others follow the recipient's e-mail preferences (API.md:
`PUT /api/v1/me/email-preferences`)."""

SuppressionReason = Literal["preference-off", "address-not-verified"]
"""Why a mail was not sent: the recipient switched this kind off, or never proved the address."""


class _AboutNotification(BaseModel):
    """The fields every notification event starts with."""

    notification_id: UUID = Field(description="The (event, recipient) pair; stable on replays.")
    cause_event_id: UUID = Field(
        description="The integration event that called for the mail (also the envelope's "
        "`causationid`)."
    )
    cause_event_type: str = Field(description="Its type, e.g. InvoiceReceived.")
    kind: MailKind = Field(description="What the mail is about.")
    recipient: str = Field(description="The address the mail is (or was) for.")
    user_id: UUID | None = Field(
        default=None, description="The user behind the address; null for an invitee."
    )
    environment_id: UUID | None = Field(default=None, description="The environment concerned.")
    organisation_id: UUID | None = Field(
        default=None, description="The organisation concerned, when there is one."
    )


class NotificationSent(IntegrationEvent, _AboutNotification):
    """The mail server accepted the mail."""

    event_type: ClassVar[str] = "NotificationSent"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "notifications"

    message_id: str = Field(description="The mail's Message-ID, the same on every attempt.")
    attempts: int = Field(ge=1, description="How many tries it took.")
    sent_at: AwareDatetime = Field(description="When the server accepted it.")


class NotificationSuppressed(IntegrationEvent, _AboutNotification):
    """No mail was sent, on purpose."""

    event_type: ClassVar[str] = "NotificationSuppressed"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "notifications"

    reason: SuppressionReason = Field(description="Why not.")
    preference: str | None = Field(
        default=None, description="The e-mail preference that was off, for `preference-off`."
    )
    suppressed_at: AwareDatetime = Field(description="When it was decided.")


class NotificationFailed(IntegrationEvent, _AboutNotification):
    """The mail could not be sent; it is on the dead-letter stream with this reason.

    `permanent` false: the mail server was unreachable or answered "try later" through every
    retry; the mail is held and still goes out when the server takes it (NotificationSent then
    follows). `permanent` true: the server refused it for good, or it could not be written.
    """

    event_type: ClassVar[str] = "NotificationFailed"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "notifications"

    reason: str = Field(description="What went wrong, for an operator.")
    permanent: bool = Field(description="True: it will not be tried again.")
    attempts: int = Field(ge=1, description="How many tries were made.")
    failed_at: AwareDatetime = Field(description="When it was given up on.")


class ProductNewsAnnounced(IntegrationEvent):
    """An operator announced product news; it is mailed to users who opted in."""

    event_type: ClassVar[str] = "ProductNewsAnnounced"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "notifications"

    announcement_id: UUID = Field(description="The announcement.")
    title_nl: str = Field(description="The subject, in Dutch.")
    title_en: str = Field(description="The subject, in English.")
    body_nl: str = Field(description="The text, in Dutch (plain text, blank lines part it).")
    body_en: str = Field(description="The text, in English.")
    link: str | None = Field(default=None, description="Where to read more, if anywhere.")
    announced_by: str = Field(description="The operator who announced it.")
    announced_at: AwareDatetime = Field(description="When.")


EVENTS: tuple[type[IntegrationEvent], ...] = (
    NotificationSent,
    NotificationSuppressed,
    NotificationFailed,
    ProductNewsAnnounced,
)
"""Every notifications event, in every version still in the catalogue."""

__all__ = [
    "EVENTS",
    "MailKind",
    "NotificationFailed",
    "NotificationSent",
    "NotificationSuppressed",
    "ProductNewsAnnounced",
    "SuppressionReason",
]
