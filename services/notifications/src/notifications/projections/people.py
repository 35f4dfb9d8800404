"""Who the people are: users with their address, name, language and e-mail preferences, and
which organisations they belong to, learnt only from identity's events.

Environment admins may act for every organisation of their environment (identity's rule), so
they count as members and as admins of each of them when a mail goes to an organisation's
people. Identity publishes no environment role; it is read from how the user arrived: whoever's
sign-up created the environment is its admin, an invitee joins as a basic user.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.identity import EmailVerified, UserRegistered
from contracts.events.memberships import (
    MembershipGranted,
    MembershipRevoked,
    UserInvited,
    UserMovedToEnvironment,
)
from contracts.events.my_account import EmailPreferencesChanged, ProfileChanged
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from notifications.domain.mail_kinds import DEFAULT_PREFERENCES, Recipient
from notifications.projections.upsert import upsert
from notifications.tables import invited_addresses, known_users, memberships


class EventArrivedEarly(Exception):
    """An event about something this read model has not seen yet; retried with backoff."""


def apply_identity_event(session: Session, event: IntegrationEvent) -> None:
    """Bring the read model of people up to date with one identity event."""
    if isinstance(event, UserRegistered):
        _registered(session, event)
    elif isinstance(event, EmailVerified):
        _change_user(session, event.user_id, email_verified_at=event.verified_at)
    elif isinstance(event, ProfileChanged):
        changes: dict[str, Any] = {}
        if "full_name" in event.changed and event.full_name:
            changes["full_name"] = event.full_name
        if "language" in event.changed and event.language:
            changes["language"] = event.language
        if changes:
            _change_user(session, event.user_id, **changes)
    elif isinstance(event, EmailPreferencesChanged):
        choices = event.model_dump(include=set(DEFAULT_PREFERENCES))
        _change_user(session, event.user_id, email_preferences=choices)
    elif isinstance(event, UserMovedToEnvironment):
        _change_user(session, event.user_id, environment_id=str(event.environment_id))
    elif isinstance(event, UserInvited):
        upsert(
            session,
            invited_addresses,
            {"environment_id": str(event.environment_id), "email": event.email.lower()},
            {},
        )
    elif isinstance(event, MembershipGranted):
        values = {
            "user_id": str(event.user_id),
            "organisation_id": str(event.organisation_id),
            "role": event.role,
        }
        upsert(session, memberships, values, {"role": event.role})
    elif isinstance(event, MembershipRevoked):
        session.execute(
            delete(memberships).where(
                memberships.c.user_id == str(event.user_id),
                memberships.c.organisation_id == str(event.organisation_id),
            )
        )


def _registered(session: Session, event: UserRegistered) -> None:
    user_id, environment_id = str(event.user_id), str(event.environment_id)
    existing = session.execute(
        select(known_users.c.environment_role).where(known_users.c.user_id == user_id)
    ).first()
    role = existing.environment_role if existing is not None else None
    if role is None:
        role = "basic" if _joined(session, user_id, environment_id, event.email) else "admin"
    values = {
        "user_id": user_id,
        "environment_id": environment_id,
        "email": event.email,
        "full_name": event.full_name,
        "language": event.language,
        "registered_at": event.registered_at,
        "environment_role": role,
    }
    changes = {k: v for k, v in values.items() if k != "user_id"}
    upsert(session, known_users, values, changes)


def _joined(session: Session, user_id: str, environment_id: str, email: str) -> bool:
    """Whether the user joined an environment that was there before them (an invitee)."""
    invited = session.execute(
        select(invited_addresses.c.email).where(
            invited_addresses.c.environment_id == environment_id,
            invited_addresses.c.email == email.lower(),
        )
    ).first()
    if invited is not None:
        return True
    others = session.execute(
        select(known_users.c.user_id)
        .where(known_users.c.environment_id == environment_id, known_users.c.user_id != user_id)
        .limit(1)
    ).first()
    return others is not None


def _change_user(session: Session, user_id: Any, **changes: Any) -> None:
    result = session.execute(
        update(known_users).where(known_users.c.user_id == str(user_id)).values(**changes)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        # Overtook the user's UserRegistered (which is being retried): try again later.
        raise EventArrivedEarly(f"user {user_id} is not known yet")


# -- who gets a mail --------------------------------------------------------------------------


def user(session: Session, user_id: Any) -> Recipient | None:
    """One user, as a recipient; None when not known."""
    row = session.execute(select(known_users).where(known_users.c.user_id == str(user_id))).first()
    return None if row is None else _recipient(row._mapping)


def is_environment_admin(session: Session, user_id: Any) -> bool:
    """Whether the user administers their whole environment (and so reaches every
    organisation of it, membership or not)."""
    role = session.execute(
        select(known_users.c.environment_role).where(known_users.c.user_id == str(user_id))
    ).scalar()
    return role == "admin"


def organisation_people(
    session: Session, organisation_id: Any, environment_id: Any, admins_only: bool = False
) -> list[Recipient]:
    """Who may act for the organisation (its members, or only its admins), and the admins of
    its environment; each person once."""
    query = _ORGANISATION_ADMINS if admins_only else _ORGANISATION_PEOPLE
    rows = session.execute(
        query, {"the_organisation": str(organisation_id), "the_environment": str(environment_id)}
    ).all()
    return [_recipient(row._mapping) for row in rows]


def _people_of_organisation(admins_only: bool) -> Any:
    granted = select(memberships.c.user_id).where(
        memberships.c.organisation_id == bindparam("the_organisation")
    )
    if admins_only:
        granted = granted.where(memberships.c.role == "admin")
    return (
        select(known_users)
        .where(
            or_(
                known_users.c.user_id.in_(granted),
                (known_users.c.environment_id == bindparam("the_environment"))
                & (known_users.c.environment_role == "admin"),
            )
        )
        .order_by(known_users.c.email)
    )


# Built once: they run for every organisation mail.
_ORGANISATION_PEOPLE = _people_of_organisation(admins_only=False)
_ORGANISATION_ADMINS = _people_of_organisation(admins_only=True)


def everyone(session: Session) -> Iterator[Recipient]:
    """Every known user (for product news)."""
    for row in session.execute(select(known_users).order_by(known_users.c.registered_at)):
        yield _recipient(row._mapping)


def _recipient(row: Any) -> Recipient:
    preferences = {**DEFAULT_PREFERENCES, **(row["email_preferences"] or {})}
    return Recipient(
        email=row["email"],
        language=row["language"],
        full_name=row["full_name"],
        user_id=uuid.UUID(row["user_id"]),
        verified=row["email_verified_at"] is not None,
        preferences=preferences,
    )
