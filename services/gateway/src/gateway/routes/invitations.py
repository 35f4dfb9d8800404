"""Invitations by e-mail into organisations (API.md, Identity)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from contracts.commands.caller import Caller
from contracts.commands.invitations import (
    AcceptInvitation,
    InvitationAcceptedReply,
    InvitationSent,
    InviteUser,
)
from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from servicekit.sealing import seal

from gateway.auth import BEARER_SECURITY, authenticated_caller
from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, Printable, require_json
from gateway.settings import GatewaySettings


class InvitationRequest(BaseModel):
    """Whom to invite, into which organisations of your environment, with which role."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr = Field(description="The invitation mail goes there")
    organisation_ids: list[UUID] = Field(
        min_length=1, max_length=100, description="Organisations of your environment"
    )
    role: Literal["member", "admin"] = Field(
        description="The role in each organisation; an admin may also invite to it"
    )
    language: Literal["nl", "en"] = Field(
        default="nl", description="The language of the invitation mail"
    )


class AcceptanceRequest(BaseModel):
    """The token from the invitation mail, and the new account's password and name."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    token: Annotated[str, Field(min_length=1, max_length=512)]
    password: str = Field(
        min_length=12,
        max_length=128,
        description="12 to 128 characters and hard to guess; sealed for identity",
        json_schema_extra={"format": "password", "writeOnly": True},
        repr=False,
    )
    full_name: Annotated[Printable, Field(min_length=1, max_length=200)]


class InvitationController(Controller):
    """POST /api/v1/invitations and /api/v1/invitations/accept."""

    path = "/api/v1/invitations"
    tags = ["identity"]
    request_max_body_size = JSON_BODY_LIMIT

    @post(
        "/",
        status_code=201,
        operation_id="inviteUser",
        before_request=require_json,
        dependencies={"caller": Provide(authenticated_caller)},
        security=BEARER_SECURITY,
        summary="Invite someone by e-mail into organisations",
        description="For environment admins, and for admins of every organisation listed. "
        "The mail carries a link that works once, for 7 days. An organisation that is unknown "
        "or of another environment answers 404; missing rights 403.",
    )
    async def invite(
        self,
        data: JSONBody[InvitationRequest],
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
    ) -> InvitationSent:
        """Ask identity to record the invitation and mail it."""
        return await bus.call(
            InviteUser(
                caller=caller,
                email=str(data.email),
                organisation_ids=data.organisation_ids,
                role=data.role,
                language=data.language,
            ),
            InvitationSent,
        )

    @post(
        "/accept",
        status_code=201,
        operation_id="acceptInvitation",
        before_request=require_json,
        summary="Accept an invitation with the token from its mail",
        description="Creates the account (environment role basic, e-mail verified) and grants "
        "the invitation's memberships. If the address already has an account in the same "
        "environment, the memberships go to it and password and name are not used; an account "
        "in another environment is refused with 409. A bad, used or expired token answers 400.",
    )
    async def accept(
        self,
        data: JSONBody[AcceptanceRequest],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> InvitationAcceptedReply:
        """Accept; the password is sealed for identity before it leaves the gateway."""
        return await bus.call(
            AcceptInvitation(
                token=data.token,
                sealed_password=seal(settings.identity_public_key, data.password),
                full_name=data.full_name,
            ),
            InvitationAcceptedReply,
        )
