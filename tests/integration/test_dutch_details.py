"""A Dutch page says why organisation refused, in Dutch: fed the refusals it really writes."""

from __future__ import annotations

import re

import pytest
from gateway.web.detail_words import detail_in
from organisation.domain.errors import Conflict
from organisation.entrypoints.handlers import problem_of
from organisation.usecases.organisations import Organisations

from tests.integration.test_organisation_usecases import (  # noqa: F401 - fixtures
    a_caller,
    app,
    by_hand,
    from_register,
    organisations,
)

ENGLISH = re.compile(r"\b(the|an?|only|first|one|it|is not|cannot|already|receives?|add)\b")


def said(refusal: pytest.ExceptionInfo[Conflict]) -> tuple[str, str]:
    detail = problem_of(refusal.value).detail
    assert detail is not None
    return detail, detail_in("nl", detail) or ""


def assert_dutch(refusal: pytest.ExceptionInfo[Conflict]) -> str:
    english, dutch = said(refusal)
    assert dutch != english and not ENGLISH.search(dutch), (english, dutch)
    assert not english.endswith(".."), english
    assert detail_in("en", english) == english
    return dutch


def test_organisations_refusals_read_as_dutch(organisations: Organisations) -> None:
    owner, other = a_caller(), a_caller()
    by_hand_added = organisations.add(owner, **by_hand())
    with pytest.raises(Conflict) as refused:
        organisations.request_activation(owner, by_hand_added.id, automatic=True)
    assert_dutch(refused)

    mine = organisations.add(owner, **from_register())
    with pytest.raises(Conflict) as refused:
        organisations.set_receiving(owner, mine.id, True)
    assert "deze is toegevoegd" in assert_dutch(refused)
    organisations.request_activation(owner, mine.id, automatic=True)

    theirs = organisations.add(other, **from_register())
    with pytest.raises(Conflict) as refused:
        organisations.request_activation(other, theirs.id, automatic=True)
    assert "KvK-nummer 69599084 met vestigingsnummer 000037178598" in assert_dutch(refused)

    organisations.set_receiving(owner, mine.id, True)
    branch = organisations.add(other, **from_register(establishment="000038509504"))
    organisations.request_activation(other, branch.id, automatic=True)
    with pytest.raises(Conflict) as refused:
        organisations.set_receiving(other, branch.id, True)
    assert "0106:69599084" in assert_dutch(refused)

    with pytest.raises(Conflict) as refused:
        organisations.remove_identifier(owner, mine.id, "0106")
    assert_dutch(refused)


def test_a_sentence_it_does_not_know_is_shown_as_it_came() -> None:
    assert detail_in("nl", "Something nobody taught us.") == "Something nobody taught us."
    assert detail_in("nl", None) is None
