"""Access is per organisation; an invitation is taken up once, within its seven days."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.application import Application
from identity.domain.access import (
    NoSuchMembership,
    NotAllowed,
    NotFound,
    may_act_for,
    may_administer,
    require_administration,
    require_environment_admin,
    require_own_organisations,
)
from identity.domain.invitation import InvalidInvitation, Invitation
from identity.domain.user import User
from identity.domain.values import DEFAULT_EMAIL_PREFERENCES, EnvironmentRole
from identity.integration.outbound import to_integration_event

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ENVIRONMENT = uuid.uuid4()
SALES, BOOKS = uuid.uuid4(), uuid.uuid4()


def a_user(role: EnvironmentRole = "basic", environment_id: uuid.UUID = ENVIRONMENT) -> User:
    return User(
        email=f"{uuid.uuid4().hex[:6]}@example.nl",
        full_name="Ann de Boer",
        language="nl",
        environment_id=environment_id,
        environment_name="example.nl",
        role=role,
        email_preferences=dict(DEFAULT_EMAIL_PREFERENCES),
        receiving_prompt_enabled=True,
    )


def an_invitation(expires_at: datetime = NOW + timedelta(days=7)) -> Invitation:
    return Invitation(
        email="bob@example.nl",
        language="en",
        environment_id=ENVIRONMENT,
        environment_name="example.nl",
        organisation_ids=[SALES, BOOKS],
        organisation_names=["Sales BV", "Books BV"],
        role="member",
        invited_by=uuid.uuid4(),
        inviter_name="Ann de Boer",
        sealed_token="sealed",
        expires_at=expires_at,
    )


def test_an_environment_admin_acts_for_and_administers_every_organisation() -> None:
    admin = a_user("admin")
    assert may_act_for(admin, SALES) and may_administer(admin, BOOKS)
    require_administration(admin, [SALES, BOOKS])
    require_environment_admin(admin)


def test_a_member_acts_only_for_their_organisations_and_administers_none() -> None:
    member = a_user("advanced")
    member.grant_membership(SALES, "member", None, NOW)
    assert may_act_for(member, SALES) and not may_act_for(member, BOOKS)
    assert not may_administer(member, SALES)
    with pytest.raises(NotAllowed, match="not an admin of"):
        require_administration(member, [SALES])
    with pytest.raises(NotAllowed):
        require_environment_admin(member)


def test_an_organisation_admin_administers_that_organisation_only() -> None:
    user = a_user()
    user.grant_membership(SALES, "admin", None, NOW)
    require_administration(user, [SALES])
    with pytest.raises(NotAllowed, match=str(BOOKS)):
        require_administration(user, [SALES, BOOKS])


def test_an_organisation_of_another_environment_is_as_unknown_as_a_made_up_one() -> None:
    admin = a_user("admin")
    require_own_organisations(admin, {SALES: ENVIRONMENT})
    with pytest.raises(NotFound):
        require_own_organisations(admin, {SALES: uuid.uuid4()})
    with pytest.raises(NotFound):
        require_own_organisations(admin, {SALES: None})


def test_memberships_are_granted_once_per_role_and_revoked_as_events() -> None:
    user = a_user()
    assert user.grant_membership(SALES, "member", None, NOW)
    assert not user.grant_membership(SALES, "member", None, NOW)
    assert user.grant_membership(SALES, "admin", None, NOW)
    user.revoke_membership(SALES, uuid.uuid4(), NOW)
    assert user.memberships == {}
    with pytest.raises(NoSuchMembership):
        user.revoke_membership(SALES, uuid.uuid4(), NOW)
    names = [type(e).__qualname__ for e in user.collect_events()]
    assert names[-3:] == [
        "User.MembershipGranted",
        "User.MembershipGranted",
        "User.MembershipRevoked",
    ]


def test_memberships_survive_a_round_trip_through_the_event_store() -> None:
    app: Application = Application()
    user = a_user()
    user.grant_membership(SALES, "admin", None, NOW)
    invitation = an_invitation()
    app.save(user, invitation)
    assert app.repository.get(user.id).memberships == {SALES: "admin"}
    assert app.repository.get(invitation.id).organisation_ids == [SALES, BOOKS]


def test_an_invitation_is_accepted_once() -> None:
    invitation = an_invitation()
    user_id = uuid.uuid4()
    invitation.accept(user_id, NOW)
    assert invitation.accepted_by == user_id
    with pytest.raises(InvalidInvitation, match="already accepted"):
        invitation.accept(uuid.uuid4(), NOW)


def test_an_expired_invitation_cannot_be_accepted() -> None:
    invitation = an_invitation(expires_at=NOW)
    with pytest.raises(InvalidInvitation, match="expired"):
        invitation.accept(uuid.uuid4(), NOW)


def test_the_published_invitation_carries_the_token_only_sealed() -> None:
    invitation = an_invitation()
    invitation.accept(uuid.uuid4(), NOW)
    invited, accepted = (to_integration_event(e) for e in invitation.collect_events())
    assert invited is not None and accepted is not None
    assert invited.event_type == "UserInvited" and accepted.event_type == "InvitationAccepted"
    assert invited.model_dump()["sealed_token"] == "sealed"
    assert invited.model_dump()["organisation_ids"] == [SALES, BOOKS]
