"""The catalogue is the one list producers and consumers agree on."""

import importlib
import pkgutil
from typing import ClassVar

import contracts.events
import pytest
from contracts.catalogue import CATALOGUE, COMMANDS, UnknownEventType, all_events, model_for
from contracts.commands import ReadinessQuery, RegisterUser, readiness_subject
from contracts.events.base import IntegrationEvent
from contracts.events.identity import UserRegistered


def _every_event_class_declared() -> set[type[IntegrationEvent]]:
    for module in pkgutil.iter_modules(contracts.events.__path__, "contracts.events."):
        importlib.import_module(module.name)
    found: set[type[IntegrationEvent]] = set()
    pending = list(IntegrationEvent.__subclasses__())
    while pending:
        event = pending.pop()
        if event.__module__.startswith("contracts.events."):
            found.add(event)
        pending += event.__subclasses__()
    return found


def test_no_event_class_is_forgotten_in_the_catalogue() -> None:
    assert _every_event_class_declared() == set(CATALOGUE.values())


def test_a_consumer_finds_the_contract_by_type_and_version() -> None:
    assert model_for("UserRegistered", 1) is UserRegistered
    assert UserRegistered in all_events()


def test_asking_for_an_unknown_version_names_the_event_and_the_version() -> None:
    with pytest.raises(UnknownEventType, match=r"'UserRegistered' version 2"):
        model_for("UserRegistered", 2)


def test_an_incomplete_event_class_is_refused_when_it_is_declared() -> None:
    with pytest.raises(TypeError, match="context"):

        class Forgetful(IntegrationEvent):
            event_type: ClassVar[str] = "SomethingHappened"
            version: ClassVar[int] = 1


def test_every_command_lives_on_a_cmd_or_qry_subject_of_its_context() -> None:
    subjects = [contract.subject for contract in COMMANDS]

    assert "cmd.identity.register" in subjects
    assert len(subjects) == len(set(subjects))
    assert all(s.split(".")[0] in {"cmd", "qry"} and len(s.split(".")) == 3 for s in subjects)
    assert {contract.request: contract.reply for contract in COMMANDS}[RegisterUser] is (
        RegisterUser.reply_model
    )


def test_each_service_answers_readiness_on_its_own_subject() -> None:
    assert readiness_subject("identity") == "qry.identity.ready"
    assert ReadinessQuery.subject == "qry.{context}.ready"
    with pytest.raises(ValueError, match="unknown bounded context"):
        readiness_subject("gateway")  # type: ignore[arg-type]
