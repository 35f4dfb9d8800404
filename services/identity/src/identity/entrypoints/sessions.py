"""cmd.identity.login, cmd.identity.refresh-session and cmd.identity.end-session."""

from __future__ import annotations

import asyncio
import uuid

import structlog
from contracts.commands.sessions import (
    EMAIL_NOT_VERIFIED,
    INVALID_CREDENTIALS,
    INVALID_REFRESH_TOKEN,
    TOO_MANY_LOGIN_ATTEMPTS,
    EndSession,
    Login,
    RefreshSession,
    SessionEnded,
    SessionStarted,
    TokenPair,
)
from servicekit.rpc import Refused

from identity.bootstrap import Identity
from identity.domain.user import User
from identity.domain.values import normalise_email
from identity.entrypoints.passwords import open_password
from identity.usecases.profile import profile_of, prompt_for
from identity.usecases.sessions import RefreshRefused

log = structlog.get_logger(__name__)

# Word for word the same for an unknown address and a wrong password: nothing to tell apart.
WRONG_CREDENTIALS = "The e-mail address or password is not right."


class SessionHandlers:
    """Login, refresh and logout."""

    def __init__(self, identity: Identity) -> None:
        self._identity = identity

    async def login(self, command: Login) -> SessionStarted:
        """Check the password (throttled), then open a session and sign its first tokens."""
        identity = self._identity
        password = open_password(identity.settings.identity_private_key, command.sealed_password)
        try:
            email = normalise_email(command.email)
        except ValueError:
            email = command.email.strip().lower()
        address = command.client_address
        candidate = await identity.executor.run(identity.sessions.prepare_login, email, address)
        if candidate.retry_after_seconds is not None:
            log.info(
                "login throttled", client_address=address, retry_after=candidate.retry_after_seconds
            )
            raise Refused(
                TOO_MANY_LOGIN_ATTEMPTS.reply(
                    f"Too many failed logins. Try again in {candidate.retry_after_seconds} "
                    "seconds, or reset your password.",
                    retry_after_seconds=candidate.retry_after_seconds,
                )
            )
        # Always one argon2 verification, against a dummy hash when the address is unknown.
        right = await asyncio.to_thread(
            identity.passwords.verify, candidate.password_hash, password
        )
        user = candidate.user
        if not right or user is None or candidate.password_hash is None:
            await identity.executor.run(identity.sessions.record_failed_login, email, address)
            log.info("login failed", client_address=address)
            raise Refused(INVALID_CREDENTIALS.reply(WRONG_CREDENTIALS))
        if not user.email_verified:
            # Only said after the right password, so it tells a stranger nothing.
            raise Refused(
                EMAIL_NOT_VERIFIED.reply(
                    "Confirm your e-mail address with the link we sent you first. "
                    "Lost the mail or did the link expire? Reset your password: that link "
                    "confirms your address too."
                )
            )
        rehashed = None
        if identity.passwords.needs_rehash(candidate.password_hash):
            new_hash = await asyncio.to_thread(identity.passwords.hash, password)
            rehashed = (candidate.password_hash, new_hash)
        started = await identity.executor.run(
            identity.sessions.start_session, user, address, rehashed
        )
        log.info("logged in", user_id=str(user.id), session_id=str(started.session_id))
        prompt = await identity.executor.run_alone(prompt_for, user, identity.organisations_of)
        return SessionStarted(
            **self._pair(user, started.session_id, started.refresh_token).model_dump(),
            user=profile_of(user),
            receiving_prompt=prompt,
        )

    async def refresh(self, command: RefreshSession) -> TokenPair:
        """Exchange a refresh token once; reuse of a spent one ends its session."""
        outcome = await self._identity.executor.run(
            self._identity.sessions.refresh, command.refresh_token
        )
        if isinstance(outcome, RefreshRefused):
            if outcome.revoked:
                log.warning(
                    "spent refresh token presented; session ended",
                    sessions=[str(s) for s in outcome.revoked],
                )
                await self._publish_revocations()
            raise Refused(INVALID_REFRESH_TOKEN.reply(outcome.reason))
        return self._pair(outcome.user, outcome.session_id, outcome.refresh_token)

    async def end_session(self, command: EndSession) -> SessionEnded:
        """Log out: the session's tokens stop working before this answers."""
        caller = command.caller
        ended = await self._identity.executor.run(
            self._identity.sessions.end_session, caller.user_id, caller.session_id
        )
        if ended:
            await self._publish_revocations()
        log.info("logged out", user_id=str(caller.user_id), session_id=str(caller.session_id))
        return SessionEnded()

    def _pair(self, user: User, session_id: uuid.UUID, refresh_token: str) -> TokenPair:
        tokens = self._identity.access_tokens
        access_token = tokens.issue(
            user_id=user.id,
            environment_id=user.environment_id,
            session_id=session_id,
            role=user.role,
        )
        return TokenPair(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_in=tokens.lifetime_seconds,
        )

    async def _publish_revocations(self) -> None:
        await publish_revocations(self._identity)


async def publish_revocations(identity: Identity) -> None:
    """Put fresh revocations into the bucket now; the background loop retries on failure."""
    try:
        await identity.revocations.publish_pending()
    except Exception as error:
        log.warning("revocations not published yet; retrying in the background", error=repr(error))
