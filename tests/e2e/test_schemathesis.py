"""Property-based tests over the live gateway's OpenAPI document: no operation answers 5xx.

schemathesis (4.x) reads /schema/openapi.json from the running system (the whole stack as
processes, started like tests/e2e/identity/conftest.py) and sends generated requests, valid and
invalid, to every operation in it, so a route added tomorrow is covered without editing this
file. Routes that take an access token get a real one: a user signed up, verified through the
mail and logged in. Logging out ends that session, so the logout operation gets a session of its
own for each example. The number of examples per operation is bounded to keep the run short.

    uv run pytest tests/e2e/test_schemathesis.py
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from devstack.stack import Stack
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error

from tests.e2e.identity.people import a_client, an_address
from tests.e2e.system import PASSWORD, new_stack, verified_user

pytestmark = pytest.mark.e2e

# Examples per operation (valid and invalid ones); SCHEMATHESIS_EXAMPLES raises it for a longer
# hunt. Sign-up, login and logout examples cost an argon2 hash each (~0.3 s), which bounds it.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
# Status codes seen per operation, for the summary at the end.
ANSWERS: dict[str, Counter[int]] = {}


class Session:
    """A verified user's access token; a fresh one on demand (logout ends the old one)."""

    def __init__(self, stack: Stack, email: str) -> None:
        self.stack = stack
        self.email = email
        self.access_token = self.login()

    def login(self) -> str:
        """A new session from a fresh client address (the test stack trusts X-Forwarded-For),
        so the throttle, counting the fuzzer's failed logins from 127.0.0.1, never meets it."""
        answer = httpx.post(
            f"{self.stack.gateway_url}/api/v1/sessions",
            json={"email": self.email, "password": PASSWORD},
            headers={"X-Forwarded-For": a_client()},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        token: str = answer.json()["access_token"]
        return token


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system as processes, started once for this module."""
    stack = new_stack(
        tmp_path_factory.mktemp("schemathesis-var"), {"GATEWAY_TRUSTED_PROXIES": "127.0.0.1"}
    )
    stack.start()
    try:
        stack.wait_ready(timeout=60)
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def session(system: Stack) -> Session:
    """A logged-in user of its own environment."""
    return Session(system, verified_user(system, an_address("fuzz")))


@pytest.fixture(scope="module")
def api_schema(system: Stack) -> Any:
    """The OpenAPI document the running gateway serves."""
    return schemathesis.openapi.from_url(
        f"{system.gateway_url}/schema/openapi.json", wait_for_schema=30.0
    )


def has_inputs(operation: APIOperation) -> bool:
    """Whether anything of the request can be made invalid (negative examples exist)."""
    return any(
        len(list(part)) > 0
        for part in (
            operation.path_parameters,
            operation.query,
            operation.headers,
            operation.cookies,
            operation.body,
        )
    )


def fuzz(operation: APIOperation, mode: GenerationMode, system: Stack, session: Session) -> None:
    """MAX_EXAMPLES requests of one kind to one operation; each answer is checked."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples every run: a failure here fails again
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        database=None,
    )
    def send(case: schemathesis.Case) -> None:
        # Negative examples may replace the header with a broken one: a 401, as they should.
        logout = operation.definition.raw.get("operationId") == "logout"
        token = session.login() if logout else session.access_token
        response = case.call_and_validate(
            base_url=system.gateway_url,
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error],
            timeout=30,
        )
        ANSWERS.setdefault(operation.label, Counter())[response.status_code] += 1

    send()


@pytest.mark.timeout(1200)  # every operation of a growing API, each in two modes
def test_no_server_error(
    api_schema: Any, system: Stack, session: Session, subtests: pytest.Subtests
) -> None:
    """Whatever the request, valid or not, no operation of the document answers a 5xx.

    The operations come from the live document, so each is a subtest (pytest's own `subtests`;
    schemathesis's lazy `from_fixture` does not work with pytest 9's nodes)."""
    ANSWERS.clear()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations, "the OpenAPI document lists no operation"
    for operation in operations:
        modes = [GenerationMode.POSITIVE]
        if has_inputs(operation):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            with subtests.test(msg=f"{operation.label} {mode.value}"):
                fuzz(operation, mode, system, session)
    # What came back, per operation (shown with -s): the token must have opened the doors.
    for label, statuses in sorted(ANSWERS.items()):
        print(f"{label:<55} {dict(sorted(statuses.items()))}")
    assert any(200 <= status < 300 for status in ANSWERS.get("GET /api/v1/me/", Counter())) or any(
        200 <= status < 300 for status in ANSWERS.get("GET /api/v1/me", Counter())
    ), "GET /api/v1/me never answered 2xx: the access token did not work"
