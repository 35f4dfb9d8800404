"""Sign-up and e-mail verification (API.md, Identity)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from contracts.commands.identity import (
    EmailVerifiedReply,
    RegisterUser,
    RegistrationAccepted,
    VerifyEmail,
)
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from servicekit.sealing import seal

from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, Printable, require_json
from gateway.settings import GatewaySettings


class RegistrationRequest(BaseModel):
    """A sign-up: the first user of a new environment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr = Field(description="The user's e-mail address; a verification mail goes there")
    password: str = Field(
        min_length=12,
        max_length=128,
        description="12 to 128 characters; sealed for identity before it leaves the gateway",
        json_schema_extra={"format": "password", "writeOnly": True},
        repr=False,
    )
    full_name: Annotated[Printable, Field(min_length=1, max_length=200)]
    environment_name: Annotated[Printable | None, Field(default=None, max_length=100)] = None
    language: Literal["nl", "en"] = Field(default="nl", description="Language of mails and pages")


class RegistrationAnswer(BaseModel):
    """Always the same answer, so nobody can learn whether an address has an account."""

    status: Literal["accepted"] = "accepted"
    detail: str = "If this address can be used, a verification e-mail is on its way."


class VerificationRequest(BaseModel):
    """The token from the verification mail's link."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    token: Annotated[str, Field(min_length=1, max_length=512)]


class VerificationAnswer(BaseModel):
    """The verified user and their environment."""

    user_id: UUID
    environment_id: UUID


class RegistrationController(Controller):
    """POST /api/v1/registrations and /api/v1/registrations/verify."""

    path = "/api/v1/registrations"
    tags = ["identity"]
    request_max_body_size = JSON_BODY_LIMIT

    @post(
        "/",
        status_code=202,
        operation_id="register",
        before_request=require_json,
        summary="Sign up: create an environment and its first user",
        description="Answers 202 whether or not the e-mail address is known; a mail goes out.",
    )
    async def register(
        self,
        data: JSONBody[RegistrationRequest],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> RegistrationAnswer:
        """Send the registration to identity, the password sealed so only identity can read it."""
        await register_user(data, bus, settings)
        return RegistrationAnswer()

    @post(
        "/verify",
        status_code=200,
        operation_id="verifyRegistration",
        before_request=require_json,
        summary="Verify the e-mail address with the token from the mail",
        description="A bad, used or expired token answers 400.",
    )
    async def verify(
        self, data: JSONBody[VerificationRequest], bus: NamedDependency[Bus]
    ) -> VerificationAnswer:
        """Verify the address; the answer names the user and environment."""
        reply = await bus.call(VerifyEmail(token=data.token), EmailVerifiedReply)
        return VerificationAnswer(user_id=reply.user_id, environment_id=reply.environment_id)


async def register_user(data: RegistrationRequest, bus: Bus, settings: GatewaySettings) -> None:
    """Sign up (the API's and the web pages' way): identity alone reads the password."""
    await bus.call(
        RegisterUser(
            email=str(data.email),
            sealed_password=seal(settings.identity_public_key, data.password),
            full_name=data.full_name,
            environment_name=data.environment_name,
            language=data.language,
        ),
        RegistrationAccepted,
    )
