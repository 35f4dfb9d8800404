"""Log in, refresh, log out (API.md, Identity)."""

from __future__ import annotations

from typing import Annotated, Any

from contracts.commands.caller import Caller
from contracts.commands.sessions import (
    EndSession,
    Login,
    RefreshSession,
    SessionEnded,
    SessionStarted,
    TokenPair,
)
from litestar import Controller, Request, Response, delete, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from servicekit.sealing import seal

from gateway.auth import BEARER_SECURITY, Authentication, authenticated_caller
from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, require_json
from gateway.settings import GatewaySettings

# Tokens in an answer must never be cached by a proxy or a browser (RFC 6749, 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class LoginRequest(BaseModel):
    """E-mail address and password."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(description="The address the account was made with")
    password: str = Field(
        min_length=1,
        max_length=128,
        description="Sealed for identity before it leaves the gateway",
        json_schema_extra={"format": "password", "writeOnly": True},
        repr=False,
    )


class RefreshRequest(BaseModel):
    """The refresh token from the last login or refresh."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class SessionController(Controller):
    """POST /api/v1/sessions, POST /api/v1/sessions/refresh, DELETE /api/v1/sessions/current."""

    path = "/api/v1/sessions"
    tags = ["identity"]
    request_max_body_size = JSON_BODY_LIMIT

    @post(
        "/",
        status_code=201,
        operation_id="login",
        before_request=require_json,
        summary="Log in with e-mail address and password",
        description="An unknown address and a wrong password answer the same 401. After 10 "
        "failures in 15 minutes from one address, or on one account from addresses it never "
        "logged in from, 429 with Retry-After. An unverified address answers 403, but only "
        "after the right password.",
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
        authentication: NamedDependency[Authentication],
    ) -> Response[SessionStarted]:
        """Send the login to identity with the password sealed for it alone."""
        started = await start_session(request, data, bus, settings, authentication)
        return Response(started, status_code=201, headers=NO_STORE)

    @post(
        "/refresh",
        status_code=201,
        operation_id="refreshSession",
        before_request=require_json,
        summary="Exchange the refresh token for a new pair of tokens",
        description="A refresh token works once. Presenting one that was used already ends "
        "the whole session (both tokens could have been stolen): 401.",
    )
    async def refresh(
        self, data: JSONBody[RefreshRequest], bus: NamedDependency[Bus]
    ) -> Response[TokenPair]:
        """A new access token and the next refresh token."""
        pair = await bus.call(RefreshSession(refresh_token=data.refresh_token), TokenPair)
        return Response(pair, status_code=201, headers=NO_STORE)

    @delete(
        "/current",
        status_code=204,
        operation_id="logout",
        summary="Log out: end the current session",
        description="The access token and refresh token of this session stop working at once.",
        dependencies={"caller": Provide(authenticated_caller)},
        security=BEARER_SECURITY,
    )
    async def logout(
        self,
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        authentication: NamedDependency[Authentication],
    ) -> None:
        """End the session; this gateway refuses its tokens before it even answers."""
        await end_session(caller, bus, authentication)


async def start_session(
    request: Request[Any, Any, Any],
    data: LoginRequest,
    bus: Bus,
    settings: GatewaySettings,
    authentication: Authentication,
) -> SessionStarted:
    """Log in (the API's and the web pages' way): identity alone reads the password."""
    return await bus.call(
        Login(
            email=str(data.email),
            sealed_password=seal(settings.identity_public_key, data.password),
            client_address=authentication.client_address(request),
        ),
        SessionStarted,
    )


async def end_session(caller: Caller, bus: Bus, authentication: Authentication) -> None:
    """Log out: this gateway refuses the session's tokens before identity even answers."""
    authentication.revoked.add(str(caller.session_id))
    await bus.call(EndSession(caller=caller), SessionEnded)
