"""Password hashes (argon2id), one row per user."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from identity.state.tables import credentials


def store_password_hash(
    session: Session, user_id: uuid.UUID, password_hash: str, changed_at: datetime
) -> None:
    """The first password of a new user."""
    session.execute(
        credentials.insert().values(
            user_id=str(user_id), password_hash=password_hash, changed_at=changed_at
        )
    )


def replace_password_hash(
    session: Session, user_id: uuid.UUID, password_hash: str, changed_at: datetime
) -> None:
    """A new password."""
    session.execute(
        update(credentials)
        .where(credentials.c.user_id == str(user_id))
        .values(password_hash=password_hash, changed_at=changed_at)
    )


def rehash_password(session: Session, user_id: uuid.UUID, old_hash: str, new_hash: str) -> None:
    """The same password hashed with today's parameters, unless it changed meanwhile."""
    session.execute(
        update(credentials)
        .where(credentials.c.user_id == str(user_id), credentials.c.password_hash == old_hash)
        .values(password_hash=new_hash)
    )


def password_hash_of(session: Session, user_id: uuid.UUID) -> str | None:
    """The user's password hash, if they have one."""
    value = session.execute(
        select(credentials.c.password_hash).where(credentials.c.user_id == str(user_id))
    ).scalar_one_or_none()
    return None if value is None else str(value)
