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
from identity.domain.photos import NotAnImage, clean_photo
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


GENERIC = "Dit wachtwoord is te makkelijk te raden."


def test_every_sentence_of_zxcvbn_has_dutch_words() -> None:
    sentences = zxcvbn_sentences()
    assert len(sentences) > 20
    for sentence in sentences:
        said = dutch(STRENGTH_RULE, sentence)
        # More than the sentence said when nothing is known: its own translation.
        assert said != GENERIC, f"no Dutch for {sentence!r}"
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
    # Each of zxcvbn's sentences came through, not only the general one.
    english = [s for s in zxcvbn_sentences() if s in str(refused.value)]
    assert english and said.count(".") >= len(english), (said, english)


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


@pytest.mark.parametrize("upload", [b"not a picture at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_a_photo_that_will_not_do_in_dutch(upload: bytes) -> None:
    with pytest.raises(NotAnImage) as refused:
        clean_photo(upload)
    said = dutch(None, str(refused.value), "body")
    assert said != str(refused.value) and not ENGLISH.search(said), said


def test_the_senders_endpoint_id_in_dutch() -> None:
    assert dutch(None, "must be one of the organisation's identifiers") == (
        "Dit moet een van de kenmerken van de organisatie zijn."
    )


def test_a_dutch_page_names_no_english_rule_codes() -> None:
    identifier = Problem(
        422,
        "urn:problem:organisation:invalid-identifier",
        "Invalid",
        None,
        errors=[{"field": "phone", "rule": "phone-number", "message": "x"}],
    )
    assert explain(identifier, "nl").fields[0]["rule"] is None
    assert explain(identifier, "en").fields[0]["rule"] == "phone-number"


def test_organisations_not_found_and_unavailable_details_in_dutch() -> None:
    from gateway.web.detail_words import detail_in
    from organisation.domain.errors import NotFound
    from organisation.entrypoints.handlers import problem_of
    from organisation.kvk import KvkUnavailable
    from organisation.vat_check import VatCheckUnavailable

    down = problem_of(
        KvkUnavailable("IPD0005", "The KvK register failed on the search: HTTP 503", 30)
    )
    assert (
        detail_in("nl", down.detail)
        == "Er is niets veranderd; probeer het over 30 seconden opnieuw."
    )
    vies = problem_of(
        VatCheckUnavailable(
            "the member state is unavailable", retry_after=60, code="MS_UNAVAILABLE"
        )
    )
    assert (
        detail_in("nl", vies.detail)
        == "Er is niets veranderd; probeer het over 60 seconden opnieuw."
    )
    gone = problem_of(NotFound("organisation 8c1f3d4e-0000-4000-8000-000000000000 is not known"))
    assert detail_in("nl", gone.detail) == (
        "Deze organisatie bestaat niet (meer), of hoort niet bij jouw omgeving."
    )
    assert detail_in("nl", "invoice 8c1f3d4e-0000-4000-8000-000000000000 is not known") == (
        "Deze factuur bestaat niet (meer), of hoort niet bij deze organisatie."
    )


def test_a_wrong_current_password_is_said_once_and_a_changed_one_is_not_called_wrong() -> None:
    from contracts.commands.my_account import WRONG_CURRENT_PASSWORD

    def page(detail: str) -> tuple[str, str | None]:
        reply = WRONG_CURRENT_PASSWORD.reply(detail)
        problem = Problem(reply.status, reply.type, reply.title, reply.detail)
        said = explain(problem, "nl")
        return said.message, said.detail

    assert page("The current password is not right; nothing was changed.") == (
        "Het wachtwoord is niet gewijzigd.",
        "Het huidige wachtwoord klopt niet; er is niets gewijzigd.",
    )
    assert page("The password was changed meanwhile; log in again.") == (
        "Het wachtwoord is niet gewijzigd.",
        "Het wachtwoord is intussen al gewijzigd; log opnieuw in.",
    )


def test_a_control_character_is_named_and_said_in_dutch() -> None:
    refused = explain_form(
        refusal(
            RegistrationRequest,
            {"email": "a@example.nl", "password": "x" * 12, "full_name": "Anna\u202e"},
        ),
        "nl",
    )
    assert [item["message"] for item in refused.fields] == [
        "Hierin staat een stuurteken (U+202E); haal het weg."
    ]
