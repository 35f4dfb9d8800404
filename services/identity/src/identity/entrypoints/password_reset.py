"""cmd.identity.request-password-reset and cmd.identity.confirm-password-reset."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from contracts.commands.password_reset import (
    INVALID_RESET_TOKEN,
    ConfirmPasswordReset,
    PasswordResetAccepted,
    PasswordResetConfirmed,
    RequestPasswordReset,
)
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from servicekit.rpc import Refused

from identity.bootstrap import Identity
from identity.domain.errors import InvalidResetToken
from identity.domain.values import normalise_email
from identity.entrypoints.passwords import open_password, require_good_password
from identity.entrypoints.sessions import publish_revocations

log = structlog.get_logger(__name__)


class PasswordResetHandlers:
    """Reset links and new passwords; `saved` wakes the relay after a save."""

    def __init__(self, identity: Identity, saved: Callable[[], None]) -> None:
        self._identity = identity
        self._saved = saved

    async def request(self, command: RequestPasswordReset) -> PasswordResetAccepted:
        """Mail a reset link if the address has an account; the answer never says."""
        try:
            email = normalise_email(command.email)
        except ValueError:
            return PasswordResetAccepted()
        with caused_by(current_correlation_id()):
            sent = await self._identity.executor.run(self._identity.password_resets.request, email)
        if sent:
            self._saved()
        log.info("password reset requested", mailed=sent)
        return PasswordResetAccepted()

    async def confirm(self, command: ConfirmPasswordReset) -> PasswordResetConfirmed:
        """Set the new password; every session of the user ends before this answers."""
        identity = self._identity
        password = open_password(
            identity.settings.identity_private_key, command.sealed_new_password
        )
        try:
            user = await identity.executor.run(identity.password_resets.holder, command.token)
            await require_good_password(password, [user.email, user.full_name], "new_password")
            password_hash = await asyncio.to_thread(identity.passwords.hash, password)
            with caused_by(current_correlation_id()):
                reset = await identity.executor.run(
                    identity.password_resets.confirm, command.token, password_hash
                )
        except InvalidResetToken as error:
            raise Refused(INVALID_RESET_TOKEN.reply(str(error))) from error
        self._saved()
        await publish_revocations(identity)
        log.info(
            "password reset", user_id=str(reset.user_id), sessions_ended=len(reset.revoked_sessions)
        )
        return PasswordResetConfirmed(revoked_session_ids=reset.revoked_sessions)
