"""cmd.identity.change-profile, change-email-preferences, set-receiving-prompt and
change-password: a signed-in user changing their own account."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from contracts.commands.base import INVALID_REQUEST, Violation
from contracts.commands.my_account import (
    WRONG_CURRENT_PASSWORD,
    ChangeEmailPreferences,
    ChangePassword,
    ChangeProfile,
    PasswordChangedReply,
    SetReceivingPrompt,
)
from contracts.commands.profile import Profile
from contracts.commands.sessions import TOO_MANY_LOGIN_ATTEMPTS
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from servicekit.rpc import Refused

from identity.bootstrap import Identity, utc_now
from identity.domain.phones import InvalidPhoneNumber, normalise_phone
from identity.entrypoints.passwords import open_password, require_good_password
from identity.entrypoints.sessions import publish_revocations
from identity.usecases.my_account import MyAccount
from identity.usecases.password_change import PasswordChangedMeanwhile, PasswordChanges

log = structlog.get_logger(__name__)


class MyAccountHandlers:
    """The caller's own profile, preferences, prompt and password; `saved` wakes the relay."""

    def __init__(self, identity: Identity, saved: Callable[[], None]) -> None:
        self._identity = identity
        self._saved = saved
        self._account = MyAccount(identity.app, identity.database, utc_now)
        self._passwords = PasswordChanges(identity.app, identity.database, utc_now)

    async def change_profile(self, command: ChangeProfile) -> Profile:
        """Change name, phone or language; a phone number that cannot be dialled is a 422."""
        phone = None
        if command.phone is not None and not command.remove_phone:
            try:
                phone = normalise_phone(command.phone)
            except InvalidPhoneNumber as error:
                raise Refused(
                    INVALID_REQUEST.reply(
                        "1 field(s) need attention",
                        [Violation(field="phone", rule="phone-number", message=str(error))],
                    )
                ) from error
        with caused_by(current_correlation_id()):
            profile = await self._identity.executor.run(
                self._account.change_profile,
                command.caller.user_id,
                command.full_name,
                phone,
                command.remove_phone,
                command.language,
            )
        self._saved()
        return profile

    async def change_email_preferences(self, command: ChangeEmailPreferences) -> Profile:
        """Replace the choice of optional e-mails."""
        with caused_by(current_correlation_id()):
            profile = await self._identity.executor.run(
                self._account.change_email_preferences,
                command.caller.user_id,
                command.preferences.model_dump(),
            )
        self._saved()
        return profile

    async def set_receiving_prompt(self, command: SetReceivingPrompt) -> Profile:
        """Switch the receiving prompt off or back on."""
        with caused_by(current_correlation_id()):
            profile = await self._identity.executor.run(
                self._account.set_receiving_prompt, command.caller.user_id, command.enabled
            )
        self._saved()
        return profile

    async def change_password(self, command: ChangePassword) -> PasswordChangedReply:
        """Prove the current password, set the new one, end every session before answering."""
        identity = self._identity
        key = identity.settings.identity_private_key
        current = open_password(key, command.sealed_current_password)
        new = open_password(key, command.sealed_new_password)
        user, current_hash = await identity.executor.run(
            self._passwords.current, command.caller.user_id
        )
        # Guessing the current password with a stolen access token is guessing a login:
        # the same throttle and the same failure counters.
        address = command.client_address
        candidate = await identity.executor.run(
            identity.sessions.prepare_login, user.email, address
        )
        if candidate.retry_after_seconds is not None:
            raise Refused(
                TOO_MANY_LOGIN_ATTEMPTS.reply(
                    f"Too many wrong passwords. Try again in {candidate.retry_after_seconds} "
                    "seconds.",
                    retry_after_seconds=candidate.retry_after_seconds,
                )
            )
        right = await asyncio.to_thread(identity.passwords.verify, current_hash, current)
        if not right or current_hash is None:
            await identity.executor.run(identity.sessions.record_failed_login, user.email, address)
            raise Refused(
                WRONG_CURRENT_PASSWORD.reply(
                    "The current password is not right; nothing was changed.",
                    [Violation(field="current_password", message="not the current password")],
                )
            )
        await require_good_password(new, [user.email, user.full_name], "new_password")
        new_hash = await asyncio.to_thread(identity.passwords.hash, new)
        try:
            with caused_by(current_correlation_id()):
                revoked = await identity.executor.run(
                    self._passwords.change, user.id, current_hash, new_hash
                )
        except PasswordChangedMeanwhile as error:
            raise Refused(
                WRONG_CURRENT_PASSWORD.reply("The password was changed meanwhile; log in again.")
            ) from error
        self._saved()
        await publish_revocations(identity)
        log.info("password changed", user_id=str(user.id), sessions_ended=len(revoked))
        return PasswordChangedReply(revoked_session_ids=revoked)
