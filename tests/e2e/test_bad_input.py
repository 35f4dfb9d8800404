"""Bad input gets a clear problem+json, never a 500, and nothing is written."""

from __future__ import annotations

import httpx
import pytest
from devstack.stack import Stack

from tests.e2e.system import published_events

GOOD = {"email": "ok@example.nl", "password": "correct horse battery", "full_name": "Ok"}


@pytest.mark.parametrize(
    ("name", "headers", "content", "status", "problem_type"),
    [
        (
            "malformed JSON",
            {"content-type": "application/json"},
            b'{"email": ',
            400,
            "urn:problem:malformed-body",
        ),
        (
            "no body at all",
            {"content-type": "application/json"},
            b"",
            400,
            "urn:problem:malformed-body",
        ),
        (
            "JSON that is no object",
            {"content-type": "application/json"},
            b"[1, 2]",
            400,
            "urn:problem:malformed-body",
        ),
        (
            "JSON null",
            {"content-type": "application/json"},
            b"null",
            400,
            "urn:problem:malformed-body",
        ),
        (
            "a control character in a name",
            {"content-type": "application/json"},
            b'{"email": "a@example.nl", "password": "correct horse battery", "full_name": "A\\u0000B"}',
            422,
            "urn:problem:invalid-request",
        ),
        (
            "wrong types",
            {"content-type": "application/json"},
            b'{"email": 1, "password": [], "full_name": {}}',
            422,
            "urn:problem:invalid-request",
        ),
        (
            "unknown field",
            {"content-type": "application/json"},
            b'{"email": "a@example.nl", "password": "correct horse battery", "full_name": "A", "admin": true}',
            422,
            "urn:problem:invalid-request",
        ),
        (
            "short password",
            {"content-type": "application/json"},
            b'{"email": "a@example.nl", "password": "short", "full_name": "A"}',
            422,
            "urn:problem:invalid-request",
        ),
        (
            "not an e-mail",
            {"content-type": "application/json"},
            b'{"email": "nobody", "password": "correct horse battery", "full_name": "A"}',
            422,
            "urn:problem:invalid-request",
        ),
        (
            "wrong content type",
            {"content-type": "text/plain"},
            b"email=a",
            415,
            "urn:problem:unsupported-media-type",
        ),
        ("no content type", {}, b"{}", 415, "urn:problem:unsupported-media-type"),
        (
            "oversize body",
            {"content-type": "application/json"},
            b'{"email": "' + b"a" * 200_000 + b'"}',
            413,
            "urn:problem:request-entity-too-large",
        ),
    ],
)
def test_bad_registrations_are_refused_with_a_named_problem(
    stack: Stack, name: str, headers: dict[str, str], content: bytes, status: int, problem_type: str
) -> None:
    before = len(published_events(stack))
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/registrations", content=content, headers=headers
    )
    assert answer.status_code == status, name
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"] == problem_type
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert all(error["field"] for error in problem.get("errors", [])), problem
    if status == 413:
        assert "64 KiB" in problem["detail"]
    assert len(published_events(stack)) == before, "nothing written"


def test_invalid_fields_are_each_named(stack: Stack) -> None:
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/registrations",
        json={"email": "nobody", "password": "short", "full_name": "", "extra": 1},
    )
    fields = {error["field"] for error in answer.json()["errors"]}
    assert fields == {"email", "password", "full_name", "extra"}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing-here", 404),
        ("GET", "/api/v1/registrations", 405),
        ("DELETE", "/health", 405),
    ],
)
def test_unknown_routes_and_methods_are_problems_too(
    stack: Stack, method: str, path: str, status: int
) -> None:
    answer = httpx.request(method, f"{stack.gateway_url}{path}")
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
