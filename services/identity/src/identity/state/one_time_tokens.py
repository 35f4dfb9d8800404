"""Single-use tokens (verification, password reset, invitation), kept as SHA-256 hashes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from identity.domain.values import hash_token
from identity.state.tables import one_time_tokens

TokenKind = Literal["verification", "password_reset", "invitation"]


def issue_token(
    session: Session, token: str, kind: TokenKind, subject_id: uuid.UUID, expires_at: datetime
) -> None:
    """Remember a token's hash, what it is for and whose it is."""
    session.execute(
        one_time_tokens.insert().values(
            token_hash=hash_token(token),
            kind=kind,
            subject_id=str(subject_id),
            expires_at=expires_at,
            used_at=None,
        )
    )


def use_token(session: Session, token: str, kind: TokenKind, now: datetime) -> uuid.UUID | None:
    """Spend a valid token and return whose it was; None when unknown, used or expired."""
    # One conditional UPDATE: of two requests racing with the same token, only one wins; it
    # names the token's subject in the same round trip (RETURNING: PostgreSQL, SQLite 3.35+).
    subject = session.execute(
        update(one_time_tokens)
        .where(
            one_time_tokens.c.token_hash == hash_token(token),
            one_time_tokens.c.kind == kind,
            one_time_tokens.c.used_at.is_(None),
            one_time_tokens.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(one_time_tokens.c.subject_id)
    ).scalar_one_or_none()
    return None if subject is None else uuid.UUID(subject)


def holder_of_token(
    session: Session, token: str, kind: TokenKind, now: datetime
) -> uuid.UUID | None:
    """Whose valid token this is, without spending it; None when unknown, used or expired."""
    subject = session.execute(
        select(one_time_tokens.c.subject_id).where(
            one_time_tokens.c.token_hash == hash_token(token),
            one_time_tokens.c.kind == kind,
            one_time_tokens.c.used_at.is_(None),
            one_time_tokens.c.expires_at > now,
        )
    ).scalar_one_or_none()
    return None if subject is None else uuid.UUID(subject)


def retire_tokens(session: Session, kind: TokenKind, subject_id: uuid.UUID, now: datetime) -> None:
    """Spend every open token of this kind for this subject (a newer one replaces them)."""
    session.execute(
        update(one_time_tokens)
        .where(
            one_time_tokens.c.kind == kind,
            one_time_tokens.c.subject_id == str(subject_id),
            one_time_tokens.c.used_at.is_(None),
        )
        .values(used_at=now)
    )
