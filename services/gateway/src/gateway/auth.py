"""Authentication: `Authorization: Bearer <jwt>` in, the `Caller` out, or a 401 problem."""

from __future__ import annotations

import ipaddress
from typing import Any

from contracts.commands.caller import Caller
from litestar import Request
from litestar.di import NamedDependency

from gateway.access_tokens import AccessTokenVerifier, InvalidAccessToken
from gateway.problems import Problem
from gateway.revocations import RevokedSessions

REALM = "einvoice-api"
BEARER_SECURITY: list[dict[str, list[str]]] = [{"BearerToken": []}]
"""The OpenAPI security requirement of every route that takes an access token."""


class Authentication:
    """What judging an access token takes: the signature check and the revocation list."""

    def __init__(
        self,
        verifier: AccessTokenVerifier,
        revoked: RevokedSessions,
        trusted_proxies: frozenset[str] = frozenset(),
    ) -> None:
        self.verifier = verifier
        self.revoked = revoked
        self.trusted_proxies = trusted_proxies

    def caller(self, authorization: str | None) -> Caller:
        """The caller an Authorization header proves; a 401 (or 503) Problem otherwise."""
        if not authorization:
            raise unauthenticated("Send an access token: Authorization: Bearer <token>.", None)
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated(
                "The Authorization header must be: Bearer <token>.", "invalid_request"
            )
        if not self.revoked.synced:
            # Until the revocation list is read, a logged-out token could not be told apart.
            raise Problem(
                503,
                "urn:problem:service-unavailable",
                "The service is not available right now",
                "Sign-in checks are starting up. Nothing was changed; please retry shortly.",
                headers={"Retry-After": "2"},
            )
        try:
            caller = self.verifier.verify(token.strip())
        except InvalidAccessToken as error:
            raise unauthenticated(f"{str(error).capitalize()}.", "invalid_token") from error
        if str(caller.session_id) in self.revoked:
            raise unauthenticated("The session has ended; log in again.", "invalid_token")
        return caller

    def client_address(self, request: Request[Any, Any, Any]) -> str:
        """The client's address: the peer, or what a trusted proxy says it forwarded for."""
        peer = request.client.host if request.client else "unknown"
        forwarded = request.headers.get("x-forwarded-for")
        if peer not in self.trusted_proxies or not forwarded:
            return peer
        # Right to left: the first hop that is not one of our proxies is the client.
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            if hop not in self.trusted_proxies:
                return _address(hop) or peer
        return peer


async def authenticated_caller(
    request: Request[Any, Any, Any], authentication: NamedDependency[Authentication]
) -> Caller:
    """The dependency every authenticated route takes as `caller`."""
    return authentication.caller(authorization_header(request))


def authorization_header(request: Request[Any, Any, Any]) -> str | None:
    """The (first) Authorization header, read from the ASGI scope as it came."""
    # Cheaper than `request.headers`, which builds a multi-dict of every header first.
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


def unauthenticated(detail: str, error: str | None) -> Problem:
    """401 with the RFC 6750 challenge."""
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
    return Problem(
        401,
        "urn:problem:unauthenticated",
        "Authentication is needed",
        detail,
        headers={"WWW-Authenticate": challenge},
    )


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
