"""The e-mail audit: a user's own mails, operators' search, and product news.

Every decision the notifications service made about a mail (sent, suppressed by a preference or
an unproved address, failed) is in its audit. A user reads only their own (the caller is the
filter, nothing in the request names another user); operators search all of it with the
operator token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from contracts.commands.caller import Caller
from contracts.commands.notifications import (
    AnnounceProductNews,
    ListMyNotifications,
    NotificationPage,
    Outcome,
    ProductNewsAnnouncement,
    SearchNotifications,
)
from contracts.commands.organisations import Operator
from contracts.events.notifications import MailKind
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_202_ACCEPTED
from pydantic import BaseModel, ConfigDict, Field

from gateway.auth import BEARER_SECURITY, authenticated_caller
from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, require_json
from gateway.operators import OPERATOR_SECURITY, operator


class MyNotificationsController(Controller):
    """GET /api/v1/me/notifications."""

    path = "/api/v1/me/notifications"
    tags = ["notifications"]
    dependencies = {"caller": Provide(authenticated_caller)}
    security = BEARER_SECURITY

    @get(
        "/",
        operation_id="listMyNotifications",
        summary="The e-mails the platform sent you, or decided not to",
        description="Newest first: every decision about a mail for you (`sent`, `suppressed` "
        "because of your e-mail preferences, `failed` with the reason). Filter by `outcome` "
        "and `kind`; `page`, `per_page`.",
    )
    async def mine(
        self,
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        outcome: Outcome | None = None,
        kind: MailKind | None = None,
        page: Annotated[int, Parameter(ge=1, le=100000)] = 1,
        per_page: Annotated[int, Parameter(ge=1, le=200)] = 25,
    ) -> NotificationPage:
        """Ask the notifications service."""
        return await bus.call(
            ListMyNotifications(
                caller=caller, outcome=outcome, kind=kind, page=page, per_page=per_page
            ),
            NotificationPage,
        )


class ProductNews(BaseModel):
    """Product news, in Dutch and English; mailed only to users who opted in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title_nl: str = Field(min_length=1, max_length=150)
    title_en: str = Field(min_length=1, max_length=150)
    body_nl: str = Field(min_length=1, max_length=20000, description="Blank lines part it.")
    body_en: str = Field(min_length=1, max_length=20000)
    link: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")


class OperatorNotificationsController(Controller):
    """/ops/api/notifications: search the audit of every mail; announce product news."""

    path = "/ops/api/notifications"
    tags = ["operations"]
    dependencies = {"operator": Provide(operator)}
    security = OPERATOR_SECURITY
    request_max_body_size = JSON_BODY_LIMIT

    @get(
        "/",
        operation_id="searchNotifications",
        summary="Search every decision about a mail",
        description="Newest first. Filters combine: `recipient` (part of the address), "
        "`user_id`, `environment_id`, `organisation_id`, `event_id`, `correlation_id`, `kind`, "
        "`outcome` (`failed` lists what went to the dead-letter stream, with the reason), "
        "`since`/`until`. Operator token only.",
    )
    async def search(
        self,
        operator: NamedDependency[Operator],
        bus: NamedDependency[Bus],
        recipient: Annotated[str | None, Parameter(max_length=320)] = None,
        user_id: UUID | None = None,
        environment_id: UUID | None = None,
        organisation_id: UUID | None = None,
        event_id: UUID | None = None,
        correlation_id: Annotated[str | None, Parameter(max_length=64)] = None,
        kind: MailKind | None = None,
        outcome: Outcome | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        page: Annotated[int, Parameter(ge=1, le=100000)] = 1,
        per_page: Annotated[int, Parameter(ge=1, le=500)] = 50,
    ) -> NotificationPage:
        """Ask the notifications service."""
        return await bus.call(
            SearchNotifications(
                operator=operator,
                recipient=recipient,
                user_id=user_id,
                environment_id=environment_id,
                organisation_id=organisation_id,
                event_id=event_id,
                correlation_id=correlation_id,
                kind=kind,
                outcome=outcome,
                since=_aware(since),
                until=_aware(until),
                page=page,
                per_page=per_page,
            ),
            NotificationPage,
        )

    @post(
        "/product-news",
        operation_id="announceProductNews",
        status_code=HTTP_202_ACCEPTED,
        before_request=require_json,
        summary="Announce product news",
        description="Recorded at once (ProductNewsAnnounced); each user who switched "
        "`product_news` on gets it in their language, the others' mails are recorded as "
        "suppressed. Operator token only.",
    )
    async def announce(
        self,
        data: JSONBody[ProductNews],
        operator: NamedDependency[Operator],
        bus: NamedDependency[Bus],
    ) -> ProductNewsAnnouncement:
        """Ask the notifications service."""
        return await bus.call(
            AnnounceProductNews(operator=operator, **data.model_dump()),
            ProductNewsAnnouncement,
        )


def _aware(moment: datetime | None) -> datetime | None:
    """A moment without an offset is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
