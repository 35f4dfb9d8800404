"""The gateway reads a service's answer, whether it is a result or a refusal it can show."""

from uuid import UUID

import pytest
from contracts.commands import (
    EmailVerifiedReply,
    MalformedReply,
    ProblemReply,
    Readiness,
    RegisterUser,
    RegistrationAccepted,
    Violation,
    invalid_request,
    ok_reply,
    parse_reply,
    problem_reply,
)
from contracts.commands.identity import INVALID_VERIFICATION_TOKEN
from pydantic import ValidationError


def test_a_verified_address_comes_back_with_the_user_and_environment() -> None:
    sent = EmailVerifiedReply(
        user_id=UUID("0a0a0a0a-0000-4000-8000-000000000001"),
        environment_id=UUID("0e0e0e0e-0000-4000-8000-000000000001"),
    )

    assert parse_reply(ok_reply(sent), EmailVerifiedReply) == sent


def test_an_empty_result_still_says_it_succeeded() -> None:
    raw = ok_reply(RegistrationAccepted())

    assert raw == b'{"ok":true,"result":{}}'
    assert parse_reply(raw, RegistrationAccepted) == RegistrationAccepted()


def test_a_refusal_reaches_the_gateway_with_everything_it_needs_for_problem_json() -> None:
    refusal = INVALID_VERIFICATION_TOKEN.reply(
        "The link was valid until 2025-03-02 09:30 UTC.",
        [Violation(field="token", rule="token-expired", message="Ask for a new e-mail.")],
    )

    answer = parse_reply(problem_reply(refusal), EmailVerifiedReply)

    assert answer == refusal
    assert isinstance(answer, ProblemReply)
    assert (answer.type, answer.status) == ("urn:problem:identity:invalid-verification-token", 400)


def test_a_command_that_breaks_its_contract_is_refused_field_by_field() -> None:
    with pytest.raises(ValidationError) as raised:
        RegisterUser.model_validate({"email": "anne@bakkerij.example", "language": "fr"})

    refusal = invalid_request(raised.value)

    assert refusal.status == 422
    assert {v.field for v in refusal.errors} == {"sealed_password", "full_name", "language"}
    assert all(v.rule and v.message for v in refusal.errors)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"null",
        b'{"ok": true}',
        b'{"ok": false, "result": {}}',
        b'{"ok": true, "result": {"x": 1}}',
    ],
)
def test_an_answer_that_is_no_reply_is_named_as_such(raw: bytes) -> None:
    with pytest.raises(MalformedReply, match="Readiness"):
        parse_reply(raw, Readiness)
