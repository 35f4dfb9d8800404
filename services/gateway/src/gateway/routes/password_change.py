"""A signed-in user changes their password (API.md, Identity)."""

from __future__ import annotations

from typing import Any

from contracts.commands.caller import Caller
from contracts.commands.my_account import ChangePassword, PasswordChangedReply
from litestar import Controller, Request, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, ConfigDict, Field
from servicekit.sealing import seal

from gateway.auth import BEARER_SECURITY, Authentication, authenticated_caller
from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, require_json
from gateway.settings import GatewaySettings


class PasswordChangeRequest(BaseModel):
    """The current password, to prove it is the user, and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(
        min_length=1,
        max_length=128,
        description="Sealed for identity before it leaves the gateway",
        json_schema_extra={"format": "password", "writeOnly": True},
        repr=False,
    )
    new_password: str = Field(
        min_length=12,
        max_length=128,
        description="12 to 128 characters and hard to guess; sealed for identity",
        json_schema_extra={"format": "password", "writeOnly": True},
        repr=False,
    )


class PasswordChangeController(Controller):
    """PUT /api/v1/me/password."""

    path = "/api/v1/me/password"
    tags = ["identity"]
    dependencies = {"caller": Provide(authenticated_caller)}
    security = BEARER_SECURITY
    request_max_body_size = JSON_BODY_LIMIT

    @put(
        "/",
        status_code=204,
        operation_id="changePassword",
        before_request=require_json,
        summary="Change the password",
        description="Every session of the user ends, this one included: log in again with the "
        "new password. A wrong current password answers 403 (the access token itself is fine, "
        "so not 401) and counts as a failed login for the throttle (429 with Retry-After); a "
        "new password that breaks the rules 422, naming the rule.",
    )
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PasswordChangeRequest],
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
        authentication: NamedDependency[Authentication],
    ) -> None:
        """Ask identity; this gateway refuses the ended sessions' tokens before answering."""
        await change_password(caller, data, request, bus, settings, authentication)


async def change_password(
    caller: Caller,
    data: PasswordChangeRequest,
    request: Request[Any, Any, Any],
    bus: Bus,
    settings: GatewaySettings,
    authentication: Authentication,
) -> None:
    """Change the password (the API's and the account page's way); every session ends."""
    changed = await bus.call(
        ChangePassword(
            caller=caller,
            sealed_current_password=seal(settings.identity_public_key, data.current_password),
            sealed_new_password=seal(settings.identity_public_key, data.new_password),
            client_address=authentication.client_address(request),
        ),
        PasswordChangedReply,
    )
    for session_id in changed.revoked_session_ids:
        authentication.revoked.add(str(session_id))
