"""Notifications learns people and organisations only from events, and decides each security
mail once: whatever the preferences, and however often the event comes by."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.identity import (
    EmailVerificationRequested,
    EmailVerified,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
    UserRegistered,
)
from contracts.events.memberships import (
    MembershipGranted,
    MembershipRevoked,
    UserInvited,
    UserMovedToEnvironment,
)
from contracts.events.my_account import EmailPreferencesChanged, ProfileChanged
from notifications.bootstrap import Notifications, bootstrap
from notifications.integration.inbound import EventArrivedEarly
from notifications.projections import people
from notifications.settings import NotificationsSettings
from notifications.tables import known_users, outgoing_mails
from servicekit.sealing import new_private_key
from sqlalchemy import select

ENVIRONMENT = uuid.uuid4()
NOW = datetime.now(UTC)


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Notifications:
    return bootstrap(
        NotificationsSettings(
            var_dir=tmp_path,
            notifications_private_key=new_private_key(),
            notifications_database_url=database_url,
        )
    )


def wrapped(event: IntegrationEvent, correlation_id: str = "c-1") -> Envelope:
    return Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/identity",
        time=NOW,
        subject=None,
        sequence=1,
        correlation_id=correlation_id,
    )


def apply(
    service: Notifications, event: IntegrationEvent, envelope: Envelope | None = None
) -> None:
    with service.database.transaction() as session:
        service.inbound.apply(session, envelope or wrapped(event), event)


def registered(
    user_id: uuid.UUID, email: str, environment_id: uuid.UUID = ENVIRONMENT
) -> UserRegistered:
    return UserRegistered(
        user_id=user_id,
        environment_id=environment_id,
        environment_name="b.nl",
        email=email,
        full_name=email.split("@")[0].title(),
        language="en",
        registered_at=NOW,
    )


def mails(service: Notifications) -> list[dict[str, object]]:
    with service.database.transaction(commit=False) as session:
        return [dict(r._mapping) for r in session.execute(select(outgoing_mails)).all()]


def test_a_verification_that_overtakes_its_registration_waits_for_it(
    service: Notifications,
) -> None:
    user = uuid.uuid4()
    verified = EmailVerified(
        user_id=user, environment_id=ENVIRONMENT, email="a@b.nl", verified_at=NOW
    )
    with pytest.raises(EventArrivedEarly):
        apply(service, verified)
    apply(service, registered(user, "a@b.nl"))
    apply(service, verified)
    with service.database.transaction(commit=False) as session:
        row = session.execute(select(known_users)).one()
    assert row.email_verified_at is not None and row.language == "en"


def test_a_verification_request_is_decided_once_with_the_token_still_sealed(
    service: Notifications,
) -> None:
    request = EmailVerificationRequested(
        user_id=uuid.uuid4(),
        environment_id=ENVIRONMENT,
        email="a@b.nl",
        full_name="A",
        language="nl",
        sealed_token="c2VhbGVk",
        expires_at=NOW + timedelta(hours=48),
    )
    envelope = wrapped(request)
    apply(service, request, envelope)
    # The same event again, as a replay under another consumer would bring it: nothing new.
    apply(service, request, envelope)
    [mail] = mails(service)
    assert mail["context"]["sealed_token"] == "c2VhbGVk"  # type: ignore[index]
    assert mail["correlation_id"] == "c-1" and mail["status"] == "pending"
    assert service.app.recorder.select_notifications(1, 10) == [], "queued: nothing to publish yet"


def test_security_mails_go_out_whatever_the_preferences(service: Notifications) -> None:
    user = uuid.uuid4()
    apply(service, registered(user, "a@b.nl"))
    apply(
        service,
        EmailPreferencesChanged(
            user_id=user,
            environment_id=ENVIRONMENT,
            invoice_received=False,
            invoice_sent=False,
            invoice_delivery_failed=False,
            organisation_activated=False,
            receiving_changed=False,
            product_news=False,
            changed_at=NOW,
        ),
    )
    for event in (
        PasswordResetRequested(
            user_id=user,
            environment_id=ENVIRONMENT,
            email="a@b.nl",
            full_name="A",
            language="en",
            sealed_token="c2VhbGVkLXJlc2V0",
            expires_at=NOW + timedelta(minutes=30),
        ),
        SignUpAttemptedForExistingAccount(
            user_id=user,
            environment_id=ENVIRONMENT,
            email="a@b.nl",
            full_name="A",
            language="en",
            attempted_at=NOW,
        ),
    ):
        apply(service, event)
    queued = {m["kind"]: m for m in mails(service)}
    assert set(queued) == {"password_reset", "account_exists"}
    assert all(m["status"] == "pending" and m["recipient"] == "a@b.nl" for m in queued.values())


def test_whoever_created_the_environment_is_its_admin_and_invitees_are_not(
    service: Notifications,
) -> None:
    founder, invitee = uuid.uuid4(), uuid.uuid4()
    organisation = uuid.uuid4()
    apply(service, registered(founder, "founder@b.nl"))
    apply(
        service,
        UserInvited(
            invitation_id=uuid.uuid4(),
            environment_id=ENVIRONMENT,
            environment_name="b.nl",
            email="invitee@b.nl",
            language="en",
            organisation_ids=[organisation],
            organisation_names=["Books BV"],
            role="member",
            invited_by=founder,
            inviter_name="Founder",
            sealed_token="c2VhbGVk",
            expires_at=NOW + timedelta(days=7),
        ),
    )
    apply(service, registered(invitee, "invitee@b.nl"))
    apply(
        service,
        MembershipGranted(
            user_id=invitee,
            environment_id=ENVIRONMENT,
            organisation_id=organisation,
            role="member",
            granted_at=NOW,
        ),
    )
    with service.database.transaction(commit=False) as session:
        everyone = {p.email for p in people.organisation_people(session, organisation, ENVIRONMENT)}
        admins = {
            p.email
            for p in people.organisation_people(
                session, organisation, ENVIRONMENT, admins_only=True
            )
        }
    assert everyone == {"founder@b.nl", "invitee@b.nl"}
    assert admins == {"founder@b.nl"}, "the environment's admin administers every organisation"


def test_people_follow_their_profile_their_memberships_and_their_moves(
    service: Notifications,
) -> None:
    founder, member = uuid.uuid4(), uuid.uuid4()
    organisation, elsewhere = uuid.uuid4(), uuid.uuid4()
    apply(service, registered(founder, "founder@b.nl"))
    apply(service, registered(member, "member@b.nl"))
    grant = MembershipGranted(
        user_id=member,
        environment_id=ENVIRONMENT,
        organisation_id=organisation,
        role="admin",
        granted_at=NOW,
    )
    apply(service, grant)
    apply(
        service,
        ProfileChanged(
            user_id=member,
            environment_id=ENVIRONMENT,
            changed=["language", "full_name"],
            language="nl",
            full_name="Mia Member",
            changed_at=NOW,
        ),
    )
    apply(
        service,
        UserMovedToEnvironment(
            user_id=member,
            environment_id=elsewhere,
            from_environment_id=ENVIRONMENT,
            organisation_id=organisation,
            moved_at=NOW,
        ),
    )
    with service.database.transaction(commit=False) as session:
        moved = people.organisation_people(session, organisation, elsewhere, admins_only=True)
    assert [(p.email, p.language, p.full_name) for p in moved] == [
        ("member@b.nl", "nl", "Mia Member")
    ]
    apply(
        service,
        MembershipRevoked(
            user_id=member,
            environment_id=elsewhere,
            organisation_id=organisation,
            role="admin",
            revoked_by=founder,
            revoked_at=NOW,
        ),
    )
    with service.database.transaction(commit=False) as session:
        assert people.organisation_people(session, organisation, elsewhere) == []
