"""Logging in, refreshing a session, logging out, and ending every session of a user."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from servicekit.eventstore import SharedDatabase

from identity.application import IdentityApplication
from identity.domain.throttling import LoginThrottle
from identity.domain.user import User
from identity.state.credentials import password_hash_of, rehash_password
from identity.state.login_failures import recent_failures, record_failure
from identity.state.sessions import (
    address_known_to_account,
    open_session,
    refresh_token_state,
    revoke_session,
    rotate_refresh_token,
)


@dataclass(frozen=True)
class LoginCandidate:
    """What a login needs before the password is checked: the user, if any, and the throttle."""

    user: User | None
    password_hash: str | None
    retry_after_seconds: int | None


@dataclass(frozen=True)
class StartedSession:
    """A new session of a user and its first refresh token."""

    user: User
    session_id: uuid.UUID
    refresh_token: str


@dataclass(frozen=True)
class Refreshed:
    """The next refresh token of a session, for a user as recorded now."""

    user: User
    session_id: uuid.UUID
    refresh_token: str


@dataclass(frozen=True)
class RefreshRefused:
    """The refresh token does not work; `revoked` lists sessions ended because it was reused."""

    reason: str
    revoked: list[uuid.UUID]


class Sessions:
    """Starts, renews and ends sessions, throttling password guesses."""

    def __init__(
        self,
        app: IdentityApplication,
        database: SharedDatabase,
        *,
        throttle: LoginThrottle,
        refresh_token_lifetime: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._app = app
        self._db = database
        self._throttle = throttle
        self._refresh_ttl = refresh_token_lifetime
        self._clock = clock

    def prepare_login(self, email: str, client_address: str) -> LoginCandidate:
        """Find the account and decide whether this attempt must wait."""
        now = self._clock()
        with self._db.transaction(commit=False) as session:
            user = self._app.user_for(email)
            password_hash = None if user is None else password_hash_of(session, user.id)
            failures = recent_failures(session, email, client_address, now - self._throttle.window)
            known = user is not None and address_known_to_account(
                session, user.id, client_address, now - self._throttle.known_address_memory
            )
        wait = self._throttle.retry_after(now, failures.from_address, failures.on_account, known)
        return LoginCandidate(user=user, password_hash=password_hash, retry_after_seconds=wait)

    def record_failed_login(self, email: str, client_address: str) -> None:
        """Count a wrong password or an unknown address against the account and the address."""
        now = self._clock()
        with self._db.transaction() as session:
            record_failure(session, email, client_address, now, now - self._throttle.window)

    def start_session(
        self,
        user: User,
        client_address: str,
        rehashed: tuple[str, str] | None = None,
    ) -> StartedSession:
        """Open a session after a right password; `rehashed` = (old, new) hash to store."""
        now = self._clock()
        with self._db.transaction() as session:
            if rehashed is not None:
                rehash_password(session, user.id, *rehashed)
            opened = open_session(
                session,
                user_id=user.id,
                environment_id=user.environment_id,
                client_address=client_address,
                now=now,
                refresh_ttl=self._refresh_ttl,
            )
        return StartedSession(
            user=user, session_id=opened.session_id, refresh_token=opened.refresh_token
        )

    def refresh(self, refresh_token: str) -> Refreshed | RefreshRefused:
        """Exchange a refresh token for the next; a spent one ends its whole session."""
        now = self._clock()
        with self._db.transaction() as session:
            state = refresh_token_state(session, refresh_token, now)
            if state is None:
                return RefreshRefused("the refresh token is not known", [])
            if state.session_revoked:
                return RefreshRefused("the session has ended", [])
            if state.spent:
                revoked = revoke_session(
                    session, state.session_id, state.user_id, "refresh-token-reused", now
                )
                return RefreshRefused(
                    "the refresh token was used before; the session is ended to be safe", revoked
                )
            if state.expired:
                return RefreshRefused("the refresh token has expired", [])
            successor = rotate_refresh_token(session, refresh_token, state, now, self._refresh_ttl)
            if successor is None:
                # Another request spent it between our read and our write: reuse all the same.
                revoked = revoke_session(
                    session, state.session_id, state.user_id, "refresh-token-reused", now
                )
                return RefreshRefused("the refresh token was used at the same time", revoked)
            user = self._app.user(state.user_id)
        return Refreshed(user=user, session_id=state.session_id, refresh_token=successor)

    def end_session(self, user_id: uuid.UUID, session_id: uuid.UUID) -> list[uuid.UUID]:
        """Log out: end this session; the ids ended (none if it had ended already)."""
        with self._db.transaction() as session:
            return revoke_session(session, session_id, user_id, "logout", self._clock())
