"""Forgotten passwords (API.md, Identity)."""

from __future__ import annotations

from typing import Annotated, Literal

from contracts.commands.password_reset import (
    ConfirmPasswordReset,
    PasswordResetAccepted,
    PasswordResetConfirmed,
    RequestPasswordReset,
)
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import BaseModel, ConfigDict, Field
from servicekit.sealing import seal

from gateway.auth import Authentication
from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, require_json
from gateway.settings import GatewaySettings

MAX_EMAIL_LENGTH = 320  # RFC 5321's longest path: more cannot be an address


class ResetRequest(BaseModel):
    """The address of the account whose password was forgotten."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(
        description="A reset link goes there if it has an account. Any text is answered 202: "
        "one that is no address gets no mail, like an address without an account."
    )


class ResetAnswer(BaseModel):
    """Always the same answer, so nobody can learn whether an address has an account."""

    status: Literal["accepted"] = "accepted"
    detail: str = "If this address has an account, a mail with a reset link is on its way."


class ResetConfirmation(BaseModel):
    """The token from the reset link and the new password."""

    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=512)]
    new_password: str = Field(
        min_length=12,
        max_length=128,
        description="12 to 128 characters and hard to guess; sealed for identity",
        json_schema_extra={"format": "password", "writeOnly": True},
        repr=False,
    )


class PasswordResetController(Controller):
    """POST /api/v1/password-resets and /api/v1/password-resets/confirm."""

    path = "/api/v1/password-resets"
    tags = ["identity"]
    request_max_body_size = JSON_BODY_LIMIT

    @post(
        "/",
        status_code=202,
        operation_id="requestPasswordReset",
        before_request=require_json,
        summary="Mail a password reset link",
        description="Answers 202 whether or not the address has an account. The link works "
        "once, for 30 minutes.",
    )
    async def request_reset(
        self, data: JSONBody[ResetRequest], bus: NamedDependency[Bus]
    ) -> ResetAnswer:
        """Ask identity to mail a link; the answer never says whether it did."""
        # Any text, as API.md says ("202 always"): identity mails nothing to what is no address.
        email = data.email.strip()[:MAX_EMAIL_LENGTH]
        await bus.call(RequestPasswordReset(email=email), PasswordResetAccepted)
        return ResetAnswer()

    @post(
        "/confirm",
        status_code=204,
        operation_id="confirmPasswordReset",
        before_request=require_json,
        summary="Set a new password with the token from the reset mail",
        description="Every session of the user ends. A bad, used or expired token answers "
        "400; a password that breaks the rules 422, naming the rule.",
    )
    async def confirm(
        self,
        data: JSONBody[ResetConfirmation],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
        authentication: NamedDependency[Authentication],
    ) -> None:
        """Set the password; this gateway refuses the ended sessions' tokens at once."""
        confirmed = await bus.call(
            ConfirmPasswordReset(
                token=data.token,
                sealed_new_password=seal(settings.identity_public_key, data.new_password),
            ),
            PasswordResetConfirmed,
        )
        for session_id in confirmed.revoked_session_ids:
            authentication.revoked.add(str(session_id))
