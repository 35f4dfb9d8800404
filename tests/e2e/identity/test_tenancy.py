"""Every route of the OpenAPI document keeps tenants apart: another environment's object is 404.

The walk takes the routes from the running gateway's /schema/openapi.json, so a new route is
walked the moment it exists: with a path parameter, it is called with ids that belong to another
environment and must answer 404 or 403; without one, it must be listed below with why it is safe,
or the walk fails. Public routes are listed with the reason they may be public.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from devstack.stack import Stack

from tests.e2e.identity.people import an_address
from tests.e2e.identity.tenants import (
    Person,
    accept,
    add_organisations,
    an_environment_admin,
    invite,
    sign_in,
)
from tests.e2e.system import token_in, wait_for_mails

METHODS = ("get", "post", "put", "patch", "delete")
RAW_BODY_TYPES = ["application/json", "image/png", "application/xml"]

# Path prefix -> why anyone may call it without being a user of some environment.
PUBLIC: dict[str, str] = {
    "/api/v1/registrations": "signing up creates a new environment; verifying needs the mailed token",
    "/api/v1/sessions": "logging in and refreshing need credentials; logout ends only the "
    "caller's own session",
    "/api/v1/password-resets": "answers 202 for any address; confirming needs the mailed token",
    "/api/v1/invitations/accept": "needs the single-use token mailed to the invited address",
    "/api/v1/directory": "a network lookup of receiving participants, public by design (API.md)",
    "/health": "liveness for the platform's operators, says nothing about tenants",
    "/ready": "readiness for the platform's operators, says nothing about tenants",
    "/metrics": "Prometheus figures without tenant data",
    "/asyncapi.json": "the public description of the event bus",
    "/schema": "the public description of this API",
    "/verify-email": "the page behind the verification mail's link (token in the link)",
    "/reset-password": "the page behind the reset mail's link (token in the link)",
    "/accept-invitation": "the page behind the invitation mail's link (token in the link)",
}
PUBLIC_EXACT: dict[str, str] = {"/": "the product's front page"}

# Authenticated routes without a path parameter, and why no other tenant's object is reachable.
CALLER_SCOPED: dict[str, str] = {
    "/api/v1/me": "only the caller's own account; it takes no id of anything",
    "/api/v1/kvk": "searches the public KvK register; no tenant's data is in it",
    "/api/v1/organisations": "POST adds to the caller's own environment and takes no id",
    "/api/v1/validations": "checks the posted document only; stores and shows nothing else",
}
# Path prefix -> routes for the platform's operators only: a user's access token is refused.
OPERATOR_ONLY: dict[str, str] = {
    "/ops": "operators authenticate with the operator token, never with a user's token",
}
# (method, path) -> the environment-wide list that must not show the other tenant's objects.
LISTS: dict[tuple[str, str], str] = {
    ("get", "/api/v1/users"): "the users of the caller's own environment only",
    ("get", "/api/v1/organisations"): "the organisations of the caller's own environment only",
    ("get", "/api/v1/me/notifications"): "the decisions about the caller's own mails only",
}
# (method, path) -> the body field that names organisations, filled with the other tenant's.
ORGANISATIONS_IN_BODY: dict[tuple[str, str], str] = {
    ("post", "/api/v1/invitations"): "organisation_ids",
}


@dataclass(frozen=True)
class Tenants:
    """A victim environment with an organisation and a member, and an intruder elsewhere."""

    victim: Person
    member_id: str
    organisation_id: str
    intruder: Person


@pytest.fixture(scope="module")
def tenants(system: Stack) -> Tenants:
    victim = an_environment_admin(system, "victim")
    [organisation_id] = add_organisations(system, victim, "Victim BV")
    member = an_address("victim-member")
    assert invite(system, victim, member, [organisation_id]).status_code == 201
    accepted = accept(system, token_in(wait_for_mails(system, member)[0]))
    intruder = an_environment_admin(system, "intruder")
    # The intruder has organisations of their own, so "no organisations at all" hides nothing.
    add_organisations(system, intruder, "Intruder BV")
    return Tenants(victim, accepted.json()["user_id"], organisation_id, intruder)


@pytest.fixture(scope="module")
def document(system: Stack) -> dict[str, Any]:
    answer = httpx.get(f"{system.gateway_url}/schema/openapi.json", timeout=10)
    assert answer.status_code == 200
    doc: dict[str, Any] = answer.json()
    return doc


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def is_public(path: str) -> bool:
    return path in PUBLIC_EXACT or any(
        path == prefix or path.startswith(prefix + "/") for prefix in PUBLIC
    )


def is_caller_scoped(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in CALLER_SCOPED)


def path_parameters(path: str, operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p.get("in") == "path"]


def fill_path(path: str, operation: dict[str, Any], tenants: Tenants) -> str:
    for parameter in path_parameters(path, operation):
        name = parameter["name"]
        if "organisation" in name:
            value = tenants.organisation_id
        elif "user" in name:
            value = tenants.member_id
        elif parameter.get("schema", {}).get("type") == "integer":
            value = "1"
        else:
            value = str(uuid.uuid4())
        path = path.replace("{" + name + "}", value)
    return path


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return resolve(doc, schema[key][0])
    return schema


def sample(doc: dict[str, Any], schema: dict[str, Any], tenants: Tenants, name: str = "") -> Any:
    """A value the schema accepts, naming the victim's objects wherever an id is asked for."""
    schema = resolve(doc, schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {
            key: sample(doc, value, tenants, key)
            for key, value in schema.get("properties", {}).items()
            if key in required
        }
    if kind == "array":
        return [sample(doc, schema.get("items", {}), tenants, name)]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if schema.get("format") == "uuid" or name.endswith("_id") or name.endswith("_ids"):
        return tenants.organisation_id if "organisation" in name else tenants.member_id
    if schema.get("format") == "email":
        return an_address("tenancy")
    return "x" * max(int(schema.get("minLength", 1)), 12)


def call(
    system: Stack,
    doc: dict[str, Any],
    method: str,
    path: str,
    operation: dict[str, Any],
    tenants: Tenants,
    headers: dict[str, str],
) -> httpx.Response:
    url = f"{system.gateway_url}{fill_path(path, operation, tenants)}"
    content = operation.get("requestBody", {}).get("content", {})
    if method in ("get", "delete"):
        return httpx.request(method, url, headers=headers, timeout=10)
    media_type = next(iter(content), "")
    if "json" in media_type:
        body = sample(doc, content[media_type].get("schema", {}), tenants)
        return httpx.request(method, url, json=body, headers=headers, timeout=10)
    # A raw body (a photo, a UBL document): offer the kinds routes take until one is not 415,
    # so the answer is about who is asking, not about the body's declared type.
    answer = None
    for kind in [media_type, *RAW_BODY_TYPES] if media_type else RAW_BODY_TYPES:
        answer = httpx.request(
            method, url, content=b"x", headers={**headers, "Content-Type": kind}, timeout=10
        )
        if answer.status_code != 415:
            break
    assert answer is not None
    return answer


def test_every_route_is_public_on_purpose_or_refuses_another_tenants_objects(
    system: Stack, document: dict[str, Any], tenants: Tenants
) -> None:
    leaks: list[str] = []
    unclassified: list[str] = []
    walked = 0
    for method, path, operation in operations(document):
        if is_public(path):
            continue
        name = f"{method.upper()} {path} ({operation.get('operationId')})"
        anonymous = call(system, document, method, path, operation, tenants, {})
        if anonymous.status_code != 401:
            leaks.append(f"{name} answers {anonymous.status_code} without an access token")
        if any(path == p or path.startswith(p + "/") for p in OPERATOR_ONLY):
            answer = call(
                system, document, method, path, operation, tenants, tenants.intruder.headers
            )
            walked += 1
            if answer.status_code != 403:
                leaks.append(f"{name} answers {answer.status_code} to a user's access token")
        elif path_parameters(path, operation) or (method, path) in ORGANISATIONS_IN_BODY:
            answer = call(
                system, document, method, path, operation, tenants, tenants.intruder.headers
            )
            walked += 1
            if answer.status_code not in (403, 404):
                leaks.append(f"{name} answers {answer.status_code} to another tenant")
            elif not answer.headers["content-type"].startswith("application/problem+json"):
                leaks.append(f"{name} refuses without a problem+json body")
        elif (method, path) in LISTS:
            answer = call(
                system, document, method, path, operation, tenants, tenants.intruder.headers
            )
            walked += 1
            shown = answer.text
            for secret in (tenants.member_id, tenants.organisation_id, tenants.victim.user_id):
                if secret in shown:
                    leaks.append(f"{name} shows {secret} of another tenant")
        elif not is_caller_scoped(path):
            unclassified.append(name)
    assert not unclassified, (
        "routes without a path parameter must be classified in test_tenancy.py "
        f"(public, caller-scoped, list, or organisations in the body): {unclassified}"
    )
    assert not leaks, "\n".join(leaks)
    assert walked >= 3, "the walk must reach the identity routes that take ids"


def test_the_victims_own_admin_still_reaches_what_the_intruder_could_not(
    system: Stack, tenants: Tenants
) -> None:
    """The refusals above come from tenancy, not from routes that refuse everyone."""
    victim = sign_in(system, tenants.victim.email)
    answer = httpx.get(f"{system.gateway_url}/api/v1/users", headers=victim.headers, timeout=10)
    assert tenants.member_id in answer.text
    revoked = httpx.delete(
        f"{system.gateway_url}/api/v1/users/{tenants.member_id}"
        f"/memberships/{tenants.organisation_id}",
        headers=victim.headers,
        timeout=10,
    )
    assert revoked.status_code == 204
