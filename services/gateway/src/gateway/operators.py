"""Operators: authenticated by the operator token, never by a user's access token."""

from __future__ import annotations

import hmac
from typing import Any

from contracts.commands.organisations import Operator
from litestar import Request
from litestar.di import NamedDependency

from gateway.auth import unauthenticated
from gateway.problems import Problem
from gateway.settings import GatewaySettings

OPERATOR_SECURITY: list[dict[str, list[str]]] = [{"OperatorToken": []}]
MINIMUM_TOKEN_LENGTH = 32


async def operator(
    request: Request[Any, Any, Any], settings: NamedDependency[GatewaySettings]
) -> Operator:
    """The operator behind the request; 401 without a token, 403 with any other token."""
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("Operator routes need the operator token: Bearer <token>.", None)
    configured = settings.operator_token.get_secret_value() if settings.operator_token else ""
    if len(configured) < MINIMUM_TOKEN_LENGTH:
        raise Problem(
            403,
            "urn:problem:forbidden",
            "You may not do this",
            "Operator access is not configured on this gateway (OPERATOR_TOKEN, at least "
            f"{MINIMUM_TOKEN_LENGTH} characters).",
        )
    if not hmac.compare_digest(token.strip().encode(), configured.encode()):
        raise Problem(
            403,
            "urn:problem:forbidden",
            "You may not do this",
            "Only the platform's operators may use this route.",
        )
    name = request.headers.get("x-operator") or "operator"
    return Operator(name=name.strip()[:100] or "operator")
