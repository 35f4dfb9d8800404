"""Sessions and their refresh tokens: one session per login, its refresh tokens a family.

A refresh token works once and is replaced by the next of its family. Presenting a spent one
means two parties hold the family (a stolen token, or a thief who already used it), so the
whole session is revoked: its access tokens die through the revocation list, its refresh tokens
with it.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, and_, exists, select, update
from sqlalchemy.orm import Session

from identity.domain.values import hash_token
from identity.state.tables import refresh_tokens, sessions


@dataclass(frozen=True)
class OpenedSession:
    """A new session and its first refresh token (in clear: handed to the client once)."""

    session_id: uuid.UUID
    refresh_token: str


@dataclass(frozen=True)
class RefreshTokenState:
    """What the store knows about a presented refresh token."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    generation: int
    spent: bool
    expired: bool
    session_revoked: bool


def open_session(
    session: Session,
    *,
    user_id: uuid.UUID,
    environment_id: uuid.UUID,
    client_address: str,
    now: datetime,
    refresh_ttl: timedelta,
) -> OpenedSession:
    """Record a login and hand out the first refresh token of its family."""
    session_id = uuid.uuid4()
    session.execute(
        sessions.insert().values(
            session_id=str(session_id),
            user_id=str(user_id),
            environment_id=str(environment_id),
            client_address=client_address,
            created_at=now,
            last_issued_at=now,
        )
    )
    token = _issue_refresh_token(session, session_id, 1, now, refresh_ttl)
    return OpenedSession(session_id=session_id, refresh_token=token)


def refresh_token_state(session: Session, token: str, now: datetime) -> RefreshTokenState | None:
    """The presented token's family and standing; None when it was never issued."""
    row = session.execute(
        select(
            refresh_tokens.c.session_id,
            refresh_tokens.c.generation,
            refresh_tokens.c.used_at,
            refresh_tokens.c.expires_at,
            sessions.c.user_id,
            sessions.c.revoked_at,
        )
        .join(sessions, sessions.c.session_id == refresh_tokens.c.session_id)
        .where(refresh_tokens.c.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    return RefreshTokenState(
        session_id=uuid.UUID(row.session_id),
        user_id=uuid.UUID(row.user_id),
        generation=row.generation,
        spent=row.used_at is not None,
        expired=row.expires_at <= now,
        session_revoked=row.revoked_at is not None,
    )


def rotate_refresh_token(
    session: Session, token: str, state: RefreshTokenState, now: datetime, refresh_ttl: timedelta
) -> str | None:
    """Spend `token` and issue the next of its family; None if another request spent it first."""
    result: CursorResult[tuple[()]] = session.execute(  # type: ignore[assignment]
        update(refresh_tokens)
        .where(refresh_tokens.c.token_hash == hash_token(token), refresh_tokens.c.used_at.is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:
        return None
    session.execute(
        update(sessions)
        .where(sessions.c.session_id == str(state.session_id))
        .values(last_issued_at=now)
    )
    return _issue_refresh_token(session, state.session_id, state.generation + 1, now, refresh_ttl)


def revoke_session(
    session: Session, session_id: uuid.UUID, user_id: uuid.UUID, reason: str, now: datetime
) -> list[uuid.UUID]:
    """End one session of this user; the ids ended (empty if it had ended already)."""
    return _revoke(
        session,
        and_(sessions.c.session_id == str(session_id), sessions.c.user_id == str(user_id)),
        reason,
        now,
    )


def revoke_all_sessions(
    session: Session, user_id: uuid.UUID, reason: str, now: datetime
) -> list[uuid.UUID]:
    """End every session of a user (a new password, a compromised account)."""
    return _revoke(session, sessions.c.user_id == str(user_id), reason, now)


def address_known_to_account(
    session: Session, user_id: uuid.UUID, client_address: str, since: datetime
) -> bool:
    """Whether the user signed in successfully from this address since `since`."""
    query = select(
        exists().where(
            sessions.c.user_id == str(user_id),
            sessions.c.client_address == client_address,
            sessions.c.created_at > since,
        )
    )
    return bool(session.execute(query).scalar())


def unpublished_revocations(session: Session, tokens_alive_since: datetime) -> list[uuid.UUID]:
    """Revoked sessions the gateway has not been told of whose access tokens may still live."""
    rows = session.execute(
        select(sessions.c.session_id).where(
            sessions.c.revoked_at.is_not(None),
            sessions.c.revocation_published_at.is_(None),
            sessions.c.last_issued_at > tokens_alive_since,
        )
    )
    return [uuid.UUID(row.session_id) for row in rows]


def mark_revocations_published(
    session: Session, session_ids: list[uuid.UUID], now: datetime
) -> None:
    """The revocation list holds these sessions now."""
    if session_ids:
        session.execute(
            update(sessions)
            .where(sessions.c.session_id.in_([str(i) for i in session_ids]))
            .values(revocation_published_at=now)
        )


def _revoke(session: Session, which: object, reason: str, now: datetime) -> list[uuid.UUID]:
    condition = and_(which, sessions.c.revoked_at.is_(None))  # type: ignore[arg-type]
    ids = [
        uuid.UUID(r.session_id)
        for r in session.execute(select(sessions.c.session_id).where(condition))
    ]
    if ids:
        session.execute(
            update(sessions)
            .where(sessions.c.session_id.in_([str(i) for i in ids]))
            .values(revoked_at=now, revoked_reason=reason)
        )
    return ids


def _issue_refresh_token(
    session: Session, session_id: uuid.UUID, generation: int, now: datetime, ttl: timedelta
) -> str:
    token = secrets.token_urlsafe(32)
    session.execute(
        refresh_tokens.insert().values(
            token_hash=hash_token(token),
            session_id=str(session_id),
            generation=generation,
            issued_at=now,
            expires_at=now + ttl,
            used_at=None,
        )
    )
    return token
