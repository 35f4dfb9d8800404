"""Who goes along when an organisation moves: the rule and the fact, on the user aggregate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from contracts.envelope import Envelope, parse_event
from contracts.events.memberships import UserMovedToEnvironment
from eventsourcing.application import Application
from identity.domain.errors import CannotFollowOrganisation
from identity.domain.user import User
from identity.domain.values import DEFAULT_EMAIL_PREFERENCES, EnvironmentRole
from identity.integration.outbound import to_envelope
from servicekit.domain import caused_by

NOW = datetime.now(UTC)
OLD, NEW = uuid.uuid4(), uuid.uuid4()
BAKERY, GARAGE = uuid.uuid4(), uuid.uuid4()


def a_user(role: EnvironmentRole = "basic", *organisations: uuid.UUID) -> User:
    user = User(
        email="mia@example.nl",
        full_name="Mia",
        language="nl",
        environment_id=OLD,
        environment_name="old.example",
        role=role,
        email_preferences=dict(DEFAULT_EMAIL_PREFERENCES),
        receiving_prompt_enabled=True,
    )
    for organisation_id in organisations:
        user.grant_membership(organisation_id, "member", None, NOW)
    return user


def test_only_someone_who_works_for_nothing_else_here_may_follow() -> None:
    assert a_user("basic", BAKERY).may_follow(BAKERY)
    assert a_user("advanced", BAKERY).may_follow(BAKERY)
    assert not a_user("admin", BAKERY).may_follow(BAKERY), "environment admins stay"
    assert not a_user("basic", BAKERY, GARAGE).may_follow(BAKERY), "another organisation"
    assert not a_user("basic").may_follow(BAKERY), "no member at all"
    assert not a_user("basic", GARAGE).may_follow(BAKERY)


def test_following_records_the_new_environment_and_survives_the_event_store() -> None:
    app: Application = Application()
    user = a_user("basic", BAKERY)
    assert user.follow_organisation(BAKERY, NEW, "new.example", NOW) is True
    app.save(user)

    again = app.repository.get(user.id)
    assert (again.environment_id, again.environment_name) == (NEW, "new.example")
    assert again.memberships == {BAKERY: "member"}
    assert again.follow_organisation(BAKERY, NEW, "new.example", NOW) is False, "already there"


def test_someone_with_another_reason_to_stay_is_refused_and_nothing_is_recorded() -> None:
    user = a_user("basic", BAKERY, GARAGE)
    user.collect_events()
    with pytest.raises(CannotFollowOrganisation, match="revoke their membership"):
        user.follow_organisation(BAKERY, NEW, "new.example", NOW)
    assert user.collect_events() == []
    assert user.environment_id == OLD


def test_the_move_is_published_in_the_new_environment_with_where_it_came_from() -> None:
    user = a_user("basic", BAKERY)
    user.collect_events()
    with caused_by("corr-move"):
        user.follow_organisation(BAKERY, NEW, "new.example", NOW)
    [envelope] = [e for e in map(to_envelope, user.collect_events()) if e is not None]
    assert envelope.type == "UserMovedToEnvironment"
    assert envelope.environmentid == str(NEW)
    assert envelope.correlationid == "corr-move"
    assert parse_event(Envelope.from_json(envelope.to_json())) == UserMovedToEnvironment(
        user_id=user.id,
        environment_id=NEW,
        from_environment_id=OLD,
        organisation_id=BAKERY,
        moved_at=NOW,
    )
