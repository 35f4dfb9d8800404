"""Queries on the notifications audit, and product news, behind the gateway's routes.

`GET /api/v1/me/notifications` (a user's own mails) and `GET /ops/api/notifications` (operators'
search) read the same audit: one record per decision about a mail, newest first.
"""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.commands.base import Command, Reply
from contracts.commands.caller import Caller
from contracts.commands.organisations import Operator
from contracts.events.notifications import MailKind

Outcome = Literal["sent", "suppressed", "failed"]
"""What was decided about a mail."""


class NotificationRecord(BaseModel):
    """One decision about one mail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID = Field(description="The decision.")
    notification_id: UUID = Field(description="The (event, recipient) pair it is about.")
    outcome: Outcome = Field(description="sent, suppressed or failed.")
    kind: MailKind = Field(description="What the mail is about.")
    event_type: str = Field(description="The event that called for it.")
    event_id: UUID = Field(description="That event's id.")
    recipient: str = Field(description="The address.")
    user_id: UUID | None = Field(default=None, description="The user behind the address.")
    environment_id: UUID | None = Field(default=None, description="The environment concerned.")
    organisation_id: UUID | None = Field(default=None, description="The organisation concerned.")
    reason: str | None = Field(
        default=None, description="Why it was suppressed or failed; null when sent."
    )
    permanent: bool | None = Field(
        default=None,
        description="For a failure: true when it will not be tried again, false when the mail "
        "is held until the mail server takes it.",
    )
    correlation_id: str | None = Field(
        default=None, description="The request that started it all (also in the mail's header)."
    )
    at: AwareDatetime = Field(description="When it was decided.")


class NotificationPage(Reply):
    """A page of decisions, newest first."""

    notifications: list[NotificationRecord] = Field(description="The decisions on this page.")
    total: int = Field(description="How many match.")
    page: int = Field(description="This page (from 1).")
    per_page: int = Field(description="Page size.")


class ListMyNotifications(Command):
    """The caller's own mails: what was sent, suppressed or failed, newest first."""

    subject: ClassVar[str] = "qry.notifications.mine"
    reply_model: ClassVar[type[Reply]] = NotificationPage

    caller: Caller = Field(description="The user asking.")
    outcome: Outcome | None = Field(default=None, description="Only this outcome.")
    kind: MailKind | None = Field(default=None, description="Only this kind.")
    page: int = Field(default=1, ge=1, le=100000, description="Page, from 1.")
    per_page: int = Field(default=25, ge=1, le=200, description="Page size.")


class SearchNotifications(Command):
    """Operators search every decision; every filter is optional and they combine."""

    subject: ClassVar[str] = "qry.notifications.search"
    reply_model: ClassVar[type[Reply]] = NotificationPage

    operator: Operator = Field(description="Who asks.")
    recipient: str | None = Field(
        default=None, max_length=320, description="Part of the address (case-insensitive)."
    )
    user_id: UUID | None = Field(default=None, description="Only this user's.")
    environment_id: UUID | None = Field(default=None, description="Only this environment.")
    organisation_id: UUID | None = Field(default=None, description="Only this organisation.")
    event_id: UUID | None = Field(default=None, description="Only those for this event.")
    correlation_id: str | None = Field(
        default=None, max_length=64, description="Only those of this request."
    )
    kind: MailKind | None = Field(default=None, description="Only this kind.")
    outcome: Outcome | None = Field(default=None, description="Only this outcome.")
    since: AwareDatetime | None = Field(default=None, description="Decided at or after.")
    until: AwareDatetime | None = Field(default=None, description="Decided before.")
    page: int = Field(default=1, ge=1, le=100000, description="Page, from 1.")
    per_page: int = Field(default=50, ge=1, le=500, description="Page size.")


class ProductNewsAnnouncement(Reply):
    """The announcement was recorded; mails go to every user who opted in."""

    announcement_id: UUID = Field(description="The announcement.")
    announced_at: AwareDatetime = Field(description="When.")


class AnnounceProductNews(Command):
    """Operators announce product news, in both languages."""

    subject: ClassVar[str] = "cmd.notifications.announce-product-news"
    reply_model: ClassVar[type[Reply]] = ProductNewsAnnouncement

    operator: Operator = Field(description="Who announces it.")
    title_nl: str = Field(min_length=1, max_length=150, description="The subject, in Dutch.")
    title_en: str = Field(min_length=1, max_length=150, description="The subject, in English.")
    body_nl: str = Field(min_length=1, max_length=20000, description="The text, in Dutch.")
    body_en: str = Field(min_length=1, max_length=20000, description="The text, in English.")
    link: str | None = Field(
        default=None,
        max_length=2000,
        pattern=r"^https?://",
        description="Where to read more (http or https), if anywhere.",
    )


__all__ = [
    "AnnounceProductNews",
    "ListMyNotifications",
    "NotificationPage",
    "NotificationRecord",
    "Outcome",
    "ProductNewsAnnouncement",
    "SearchNotifications",
]
