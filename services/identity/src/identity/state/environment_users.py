"""The users of each environment, kept beside the event store and written with the user."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from identity.state.tables import environment_users


def record_environment_user(
    session: Session, user_id: uuid.UUID, environment_id: uuid.UUID, email: str
) -> None:
    """Remember that a new user belongs to an environment (same transaction as its events)."""
    session.execute(
        environment_users.insert().values(
            user_id=str(user_id), environment_id=str(environment_id), email=email
        )
    )


def move_environment_user(session: Session, user_id: uuid.UUID, environment_id: uuid.UUID) -> None:
    """The user belongs to another environment now (same transaction as the user's event)."""
    session.execute(
        update(environment_users)
        .where(environment_users.c.user_id == str(user_id))
        .values(environment_id=str(environment_id))
    )


def users_in_environment(session: Session, environment_id: uuid.UUID) -> list[uuid.UUID]:
    """The ids of an environment's users, by e-mail address."""
    rows = session.execute(
        select(environment_users.c.user_id)
        .where(environment_users.c.environment_id == str(environment_id))
        .order_by(environment_users.c.email)
    )
    return [uuid.UUID(row.user_id) for row in rows]
