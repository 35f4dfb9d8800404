"""An organisation moves to another environment: who works only for it goes along, the rest stay.

Identity's consumer of organisation events runs the move's effect in one transaction: the read
model files the organisation under its new environment, then the members follow or lose their
membership. Each scenario runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from contracts.envelope import Envelope, parse_event
from contracts.events.base import IntegrationEvent
from contracts.events.memberships import MembershipRevoked, UserMovedToEnvironment
from contracts.events.organisation import OrganisationAdded, OrganisationMoved
from identity.bootstrap import Identity
from identity.domain.access import NotFound
from identity.domain.indexes import EmailIndex
from identity.domain.invitation import InvalidInvitation
from identity.domain.user import User
from identity.domain.values import (
    DEFAULT_EMAIL_PREFERENCES,
    EnvironmentRole,
    OrganisationRole,
    operator_actor_id,
)
from identity.integration.outbound import to_envelope
from identity.projections.organisations import OrganisationNotYetKnown, find_organisation
from identity.state.environment_users import record_environment_user, users_in_environment
from identity.state.sessions import unpublished_revocations
from identity.usecases.invitations import Invitations
from identity.usecases.memberships import Memberships
from identity.usecases.sessions import Refreshed, RefreshRefused
from servicekit.sealing import open_sealed, seal

from tests.scenery import Clock, identity_on, register

NOW = datetime.now(UTC)
OPERATOR = "ops-anna"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def identity(database_url: str, keys: dict[str, str], clock: Clock) -> Identity:
    return identity_on(database_url, keys, clock)


class World:
    """Two environments, each with its admin, and organisations in the old one."""

    def __init__(self, identity: Identity, clock: Clock) -> None:
        self.identity = identity
        self.clock = clock
        self.old_admin = self._signed_up("olga@old.example")
        self.new_admin = self._signed_up("nina@new.example")
        self.old = self.old_admin.environment_id
        self.new = self.new_admin.environment_id
        self.bakery = self.organisation("Bakkerij de Vries")
        self.garage = self.organisation("Garage Jansen")

    def _signed_up(self, email: str) -> User:
        register(self.identity, email)
        user = self.identity.app.user_for(email)
        assert user is not None
        return user

    def organisation(self, name: str) -> uuid.UUID:
        organisation_id = uuid.uuid4()
        self.deliver(
            OrganisationAdded(
                organisation_id=organisation_id,
                environment_id=self.old,
                name=name,
                source="manual",
                added_at=NOW,
            )
        )
        return organisation_id

    def person(
        self,
        email: str,
        memberships: dict[uuid.UUID, OrganisationRole],
        role: EnvironmentRole = "basic",
    ) -> uuid.UUID:
        """A user of the old environment with these memberships (as an accepted invitation)."""
        user = User(
            email=email,
            full_name=email.split("@")[0].title(),
            language="nl",
            environment_id=self.old,
            environment_name=self.old_admin.environment_name,
            role=role,
            email_preferences=dict(DEFAULT_EMAIL_PREFERENCES),
            receiving_prompt_enabled=True,
        )
        for organisation_id, organisation_role in memberships.items():
            user.grant_membership(organisation_id, organisation_role, self.old_admin.id, NOW)
        with self.identity.database.transaction() as session:
            record_environment_user(session, user.id, self.old, email)
            self.identity.app.save(user, EmailIndex(email=email, user_id=user.id))
        return user.id

    def grant(self, user_id: uuid.UUID, organisation_id: uuid.UUID) -> None:
        with self.identity.database.transaction():
            user = self.identity.app.user(user_id)
            user.grant_membership(organisation_id, "member", self.old_admin.id, NOW)
            self.identity.app.save(user)

    def move_bakery(self) -> OrganisationMoved:
        moved = OrganisationMoved(
            organisation_id=self.bakery,
            environment_id=self.new,
            from_environment_id=self.old,
            name="Bakkerij de Vries",
            moved_by=OPERATOR,
            moved_at=NOW,
        )
        self.deliver(moved)
        return moved

    def deliver(self, event: IntegrationEvent) -> None:
        """What the consumer does with one delivery: the effect in one transaction."""
        envelope = Envelope.wrap(
            event,
            id=uuid.uuid4(),
            source="/services/organisation",
            time=NOW,
            subject=None,
            sequence=1,
            correlation_id="move-corr",
        )
        with self.identity.database.transaction() as session:
            self.identity.organisation_events.apply(session, envelope, event)

    def user(self, user_id: uuid.UUID) -> User:
        return self.identity.app.user(user_id)

    def users_of(self, environment_id: uuid.UUID) -> set[uuid.UUID]:
        with self.identity.database.transaction(commit=False) as session:
            return set(users_in_environment(session, environment_id))

    def published(self, user_id: uuid.UUID) -> list[IntegrationEvent]:
        """The public events of a user's last recorded facts, as the relay would publish them."""
        stored = self.identity.app.recorder.select_events(user_id)
        domain_events = [self.identity.app.mapper.to_domain_event(s) for s in stored]
        envelopes = [e for e in map(to_envelope, domain_events) if e is not None]
        return [parse_event(Envelope.from_json(e.to_json())) for e in envelopes]

    def last_notification_id(self) -> int:
        return int(self.identity.app.recorder.max_notification_id() or 0)


@pytest.fixture
def world(identity: Identity, clock: Clock) -> World:
    return World(identity, clock)


def test_a_member_of_only_the_moved_organisation_goes_along_with_it(world: World) -> None:
    mia = world.person("mia@old.example", {world.bakery: "admin"}, role="advanced")

    world.move_bakery()

    moved = world.user(mia)
    assert moved.environment_id == world.new
    assert moved.environment_name == world.new_admin.environment_name == "new.example"
    assert moved.memberships == {world.bakery: "admin"}, "membership and role come along"
    assert moved.role == "advanced", "their environment role is kept"
    assert mia in world.users_of(world.new) and mia not in world.users_of(world.old)

    [*_, published] = world.published(mia)
    assert published == UserMovedToEnvironment(
        user_id=mia,
        environment_id=world.new,
        from_environment_id=world.old,
        organisation_id=world.bakery,
        moved_at=NOW,
    )


def test_the_one_who_moved_reaches_the_organisation_in_the_new_environment(
    world: World,
) -> None:
    mia = world.person("mia@old.example", {world.bakery: "member"})
    world.move_bakery()

    memberships = Memberships(world.identity.app, world.identity.database, world.clock)
    assert memberships.access(mia, world.bakery, administer=False) == "member"
    assert memberships.access(world.new_admin.id, world.bakery, administer=True) == "admin"
    with pytest.raises(NotFound):
        memberships.access(world.old_admin.id, world.bakery, administer=False)
    listed, everything = memberships.users_of_environment(world.new_admin.id)
    assert [u.email for u in listed] == ["mia@old.example", "nina@new.example"]
    assert everything is None  # an environment admin sees every membership
    assert "mia@old.example" not in [
        u.email for u in memberships.users_of_environment(world.old_admin.id)[0]
    ]


def test_everyone_with_another_reason_to_stay_loses_only_the_membership(world: World) -> None:
    sam = world.person("sam@old.example", {world.bakery: "member", world.garage: "member"})
    world.grant(world.old_admin.id, world.bakery)  # an environment admin, member as well

    world.move_bakery()

    for user_id in (sam, world.old_admin.id):
        stays = world.user(user_id)
        assert stays.environment_id == world.old
        assert world.bakery not in stays.memberships
        assert user_id in world.users_of(world.old)
        [*_, revoked] = world.published(user_id)
        assert isinstance(revoked, MembershipRevoked)
        assert revoked.organisation_id == world.bakery
        assert revoked.environment_id == world.old
        assert revoked.revoked_by == operator_actor_id(OPERATOR)
    assert world.user(sam).memberships == {world.garage: "member"}


def test_the_sessions_of_the_one_who_moved_end_and_only_theirs(world: World) -> None:
    mia = world.person("mia@old.example", {world.bakery: "member"})
    sessions = world.identity.sessions
    phone = sessions.start_session(world.user(mia), "192.0.2.1")
    laptop = sessions.start_session(world.user(mia), "192.0.2.2")
    olga = sessions.start_session(world.old_admin, "192.0.2.3")

    world.move_bakery()

    # Ended, and waiting for the publisher to tell the gateway (their tokens name the old one).
    tokens_alive_since = world.clock() - world.identity.settings.access_token_lifetime
    with world.identity.database.transaction(commit=False) as tx:
        pending = set(unpublished_revocations(tx, tokens_alive_since))
    assert pending == {phone.session_id, laptop.session_id}
    assert isinstance(sessions.refresh(phone.refresh_token), RefreshRefused)
    assert isinstance(sessions.refresh(olga.refresh_token), Refreshed)
    # Signing in again gives a session in the new environment.
    again = sessions.refresh(sessions.start_session(world.user(mia), "192.0.2.1").refresh_token)
    assert isinstance(again, Refreshed) and again.user.environment_id == world.new


def test_a_second_delivery_of_the_move_changes_nothing(world: World) -> None:
    mia = world.person("mia@old.example", {world.bakery: "member"})
    sam = world.person("sam@old.example", {world.bakery: "member", world.garage: "member"})
    moved = world.move_bakery()
    recorded = world.last_notification_id()
    versions = (world.user(mia).version, world.user(sam).version)

    world.deliver(moved)

    assert world.last_notification_id() == recorded
    assert (world.user(mia).version, world.user(sam).version) == versions
    assert world.user(mia).environment_id == world.new


def test_users_of_other_environments_and_other_organisations_are_left_alone(
    world: World,
) -> None:
    garage_only = world.person("gert@old.example", {world.garage: "member"})
    before = world.user(garage_only).version

    world.move_bakery()

    assert world.user(garage_only).version == before
    assert world.user(world.new_admin.id).memberships == {}


def test_a_move_that_overtakes_its_organisation_moves_nobody(world: World) -> None:
    mia = world.person("mia@old.example", {world.bakery: "member"})
    unknown = OrganisationMoved(
        organisation_id=uuid.uuid4(),
        environment_id=world.new,
        from_environment_id=world.old,
        name="Nog Onbekend BV",
        moved_by=OPERATOR,
        moved_at=NOW,
    )
    with pytest.raises(OrganisationNotYetKnown):
        world.deliver(unknown)
    assert world.user(mia).environment_id == world.old
    with world.identity.database.transaction(commit=False) as session:
        known = find_organisation(session, world.bakery)
    assert known is not None and known.environment_id == world.old


def test_moving_back_brings_the_member_back(world: World) -> None:
    mia = world.person("mia@old.example", {world.bakery: "member"})
    world.move_bakery()
    world.deliver(
        OrganisationMoved(
            organisation_id=world.bakery,
            environment_id=world.old,
            from_environment_id=world.new,
            name="Bakkerij de Vries",
            moved_by=OPERATOR,
            moved_at=NOW,
        )
    )
    back = world.user(mia)
    assert back.environment_id == world.old
    assert back.environment_name == "old.example"
    assert mia in world.users_of(world.old)


def _invitation_token(world: World, invitation_id: uuid.UUID, keys: dict[str, str]) -> str:
    stored = world.identity.app.recorder.select_events(invitation_id)
    made = world.identity.app.mapper.to_domain_event(stored[0])
    return open_sealed(keys["NOTIFICATIONS_PRIVATE_KEY"], made.sealed_token)


def test_an_invitation_accepted_after_its_organisation_moved_grants_only_what_stayed(
    world: World, keys: dict[str, str]
) -> None:
    invitations = Invitations(
        world.identity.app,
        world.identity.database,
        seal_token=partial(seal, world.identity.settings.notifications_public_key),
        ttl=timedelta(days=7),
        clock=world.clock,
    )
    both = invitations.invite(
        world.old_admin.id, "ivo@old.example", [world.bakery, world.garage], "member", "nl"
    )
    bakery_only = invitations.invite(
        world.old_admin.id, "bea@old.example", [world.bakery], "member", "nl"
    )
    world.move_bakery()

    # The page the link opens already shows what accepting will grant.
    offer = invitations.offer(_invitation_token(world, both.id, keys))
    assert (offer.organisation_names, offer.existing_account) == (["Garage Jansen"], False)
    with pytest.raises(InvalidInvitation):
        invitations.offer(_invitation_token(world, bakery_only.id, keys))

    accepted = invitations.accept(
        _invitation_token(world, both.id, keys), "hash-of-a-password", "Ivo"
    )
    assert set(world.user(accepted.user_id).memberships) == {world.garage}
    with pytest.raises(InvalidInvitation):
        invitations.accept(
            _invitation_token(world, bakery_only.id, keys), "hash-of-a-password", "Bea"
        )
    assert world.identity.app.user_for("bea@old.example") is None
