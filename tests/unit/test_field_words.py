"""A Dutch page says what is wrong with a field in Dutch: fed the messages the services write."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
import zxcvbn.feedback
from gateway.problems import Problem
from gateway.routes.me import ProfileChanges
from gateway.routes.organisations import NewOrganisation
from gateway.routes.registrations import RegistrationRequest
from gateway.web.explain import explain, explain_form
from gateway.web.field_words import field_message
from identity.domain.errors import PasswordPolicyViolation
from identity.domain.passwords import (
    LENGTH_RULE,
    STRENGTH_RULE,
    check_password_length,
    check_password_strength,
)
from identity.domain.phones import InvalidPhoneNumber, normalise_phone
from identity.domain.values import normalise_email
from organisation.domain import identifiers
from organisation.domain.identifiers import InvalidIdentifier
from pydantic import BaseModel, ValidationError

# Words that only an English message has; none of them is Dutch.
ENGLISH = re.compile(r"\b(the|fails|check|expected|digits|it|not|and|with|guess|use)\b")


def dutch(rule: str | None, message: str, field: str | None = None) -> str:
    return field_message({"field": field, "rule": rule, "message": message}, "nl")


def zxcvbn_sentences() -> set[str]:
    """Every sentence zxcvbn's feedback can say: the strings it passes to gettext."""
    tree = ast.parse(inspect.getsource(zxcvbn.feedback))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_":
            (argument,) = node.args
            assert isinstance(argument, ast.Constant)
            found.add(argument.value)
    return found


def test_every_sentence_of_zxcvbn_has_dutch_words() -> None:
    sentences = zxcvbn_sentences()
    assert len(sentences) > 20
    for sentence in sentences:
        said = dutch(STRENGTH_RULE, sentence)
        assert sentence not in said and not ENGLISH.search(said), (sentence, said)


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "password1234",
        "qwertyuiopas",
        "Abcdefghijkl",
        "1987198719871987",
        "drowssapdrowssap",
        "p@ssw0rd1234",
        "JOHNSMITHJOHN",
        "abcabcabcabc",
    ],
)
def test_identitys_password_advice_reads_as_dutch(password: str) -> None:
    with pytest.raises(PasswordPolicyViolation) as refused:
        check_password_strength(password, ["anna.de.vries@example.nl"])
    said = dutch(refused.value.rule, str(refused.value), "password")
    assert said.startswith(("Dit ", "Deze ")) and not ENGLISH.search(said), said


def test_the_password_length_rule_in_dutch() -> None:
    with pytest.raises(PasswordPolicyViolation) as refused:
        check_password_length("kort")
    assert refused.value.rule == LENGTH_RULE
    assert dutch(LENGTH_RULE, str(refused.value)) == "Een wachtwoord heeft 12 tot 128 tekens."


@pytest.mark.parametrize("number", ["geen nummer", "+31 6 1"])
def test_phone_numbers_that_cannot_be_dialled_in_dutch(number: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as refused:
        normalise_phone(number)
    said = dutch("phone-number", str(refused.value), "phone")
    assert said != str(refused.value) and not ENGLISH.search(said), said


def test_an_address_that_is_no_address_in_dutch() -> None:
    with pytest.raises(ValueError, match="not an e-mail address") as refused:
        normalise_email("niemand")
    assert dutch("value_error", str(refused.value), "email") == "Dit is geen e-mailadres."


WRONG_IDENTIFIERS: list[tuple[Callable[[str], Any], str]] = [
    (identifiers.kvk_number, ""),
    (identifiers.kvk_number, "6959908x"),
    (identifiers.kvk_number, "695990"),
    (identifiers.kvk_number, "00000000"),
    (identifiers.establishment_number, "1234"),
    (identifiers.rsin, "123456788"),
    (identifiers.nl_vat_id, ""),
    (identifiers.nl_vat_id, "DE123456789"),
    (identifiers.nl_vat_id, "123456789B01"),
    (identifiers.nl_vat_id, "NL"),
    (identifiers.nl_vat_id, "NL12345X789B01"),
    (identifiers.nl_vat_id, "NL123456789"),
    (identifiers.nl_vat_id, "NL12345678B01"),
    (identifiers.nl_vat_id, "NL123456789B1"),
    (identifiers.nl_vat_id, "NL000000000B01"),
    (identifiers.nl_vat_id, "NL004495445B00"),
    (identifiers.nl_vat_id, "NL004495446B01"),
    (identifiers.oin, "1234"),
    (identifiers.oin, "00000005003227376000"),
    (identifiers.oin, "00000003695990841234"),
    (identifiers.oin, "00000001003227376123"),
    (identifiers.oin, "00000002123456789123"),
    (identifiers.oin, "00000001123456788000"),
    (identifiers.oin, "00000003000000000000"),
    (lambda value: identifiers.participant_value("9999", value), "69599084"),
]


@pytest.mark.parametrize(("check", "value"), WRONG_IDENTIFIERS)
def test_organisations_identifier_checks_in_dutch(check: Callable[[str], Any], value: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        check(value)
    said = dutch(refused.value.check, refused.value.message, refused.value.field)
    assert said != refused.value.message and not ENGLISH.search(said), said


def test_an_identifiers_message_keeps_what_was_typed() -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        identifiers.nl_vat_id("NL12345678B01")
    assert dutch(refused.value.check, refused.value.message) == (
        "Het btw-id klopt niet (lengte): het heeft 8 cijfers voor de B en 2 erna "
        "(voorloopnullen tellen mee). Verwacht: NL + 9 cijfers + B + 2 cijfers, bijvoorbeeld "
        "NL004495445B01 of, voor een eenmanszaak sinds 2020, NL000099998B57."
    )
    with pytest.raises(InvalidIdentifier) as refused:
        identifiers.kvk_number("6959908x")
    assert "er staat 'X' in" in dutch(refused.value.check, refused.value.message).replace(
        "'x'", "'X'"
    )


def refusal(model: type[BaseModel], data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)
    return refused.value


def test_forms_that_break_the_request_models_in_dutch() -> None:
    sign_up = explain_form(
        refusal(RegistrationRequest, {"email": "niemand", "password": "kort", "language": "de"}),
        "nl",
    )
    said = {item["name"]: item["message"] for item in sign_up.fields}
    assert said == {
        "email": "Dit is geen geldig e-mailadres.",
        "password": "Gebruik minstens 12 tekens.",
        "full_name": "Vul dit in.",
        "language": "Kies 'nl' of 'en'.",
    }
    assert all(item["rule"] is None for item in sign_up.fields)
    by_hand = explain_form(refusal(NewOrganisation, {"name": "Bakkerij"}), "nl")
    assert [item["message"] for item in by_hand.fields] == [
        "Een organisatie die je zelf invult, heeft een naam én een adres nodig."
    ]
    profile = explain_form(refusal(ProfileChanges, {"full_name": None}), "nl")
    assert [item["message"] for item in profile.fields] == [
        "Dit kan niet leeg blijven; laat het weg om het te houden."
    ]
    english = explain_form(refusal(RegistrationRequest, {"email": "niemand"}), "en")
    assert any("valid email address" in item["message"] for item in english.fields)


def test_a_services_refusal_on_a_dutch_page_says_it_once_in_dutch() -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        identifiers.kvk_number("695990")
    message = refused.value.message
    problem = Problem(
        422,
        "urn:problem:organisation:invalid-identifier",
        "Invalid identifier",
        message,
        errors=[{"field": "kvk_number", "rule": "length", "message": message}],
    )
    page = explain(problem, "nl")
    assert page.detail is None  # the English detail says what the field says in Dutch
    assert page.fields[0]["message"].startswith("Het KvK-nummer klopt niet (lengte)")
    assert explain(problem, "en").fields[0]["message"] == message


def test_a_message_it_does_not_know_is_shown_as_it_came() -> None:
    assert dutch("something-new", "A sentence nobody taught us.") == (
        "A sentence nobody taught us."
    )
