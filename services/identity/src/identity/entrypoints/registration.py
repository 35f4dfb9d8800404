"""cmd.identity.register and cmd.identity.verify-email."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from contracts.commands.base import Violation
from contracts.commands.identity import (
    INVALID_REGISTRATION,
    INVALID_VERIFICATION_TOKEN,
    EmailVerifiedReply,
    RegisterUser,
    RegistrationAccepted,
    VerifyEmail,
)
from eventsourcing.persistence import IntegrityError
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from servicekit.rpc import Refused

from identity.bootstrap import Identity
from identity.domain.errors import InvalidVerificationToken
from identity.domain.values import normalise_email
from identity.entrypoints.passwords import open_password, require_good_password
from identity.usecases.registration import SignUp

log = structlog.get_logger(__name__)


class RegistrationHandlers:
    """Sign-up and verification; `saved` wakes the relay after a save."""

    def __init__(self, identity: Identity, saved: Callable[[], None]) -> None:
        self._identity = identity
        self._saved = saved

    async def register(self, command: RegisterUser) -> RegistrationAccepted:
        """Sign up; a known e-mail address gets the same answer and a mail to its owner."""
        password = open_password(
            self._identity.settings.identity_private_key, command.sealed_password
        )
        try:
            email = normalise_email(command.email)
        except ValueError as error:
            message = str(error)
            raise Refused(
                INVALID_REGISTRATION.reply(message, [Violation(field="email", message=message)])
            ) from error
        await require_good_password(password, [email, command.full_name], "password")
        # argon2 takes tens of milliseconds and releases the GIL: keep it off the store thread.
        # It runs for known addresses too, so the answer takes as long either way.
        password_hash = await asyncio.to_thread(self._identity.passwords.hash, password)

        def register() -> SignUp:
            return self._identity.registration.register(
                email=email,
                password_hash=password_hash,
                full_name=command.full_name,
                language=command.language,
                environment_name=command.environment_name,
            )

        with caused_by(current_correlation_id()):
            try:
                outcome = await self._identity.executor.run(register)
            except IntegrityError:
                # A concurrent sign-up of this address committed first: now it is known.
                outcome = await self._identity.executor.run(register)
        if outcome.new_user_id is not None:
            log.info("user registered", user_id=str(outcome.new_user_id))
            self._saved()
        elif outcome.owner_notified:
            log.info(
                "sign-up with a known address; owner told", user_id=str(outcome.existing_user_id)
            )
            self._saved()
        else:
            log.info("sign-up with a known address; nothing created")
        return RegistrationAccepted()

    async def verify_email(self, command: VerifyEmail) -> EmailVerifiedReply:
        """Verify the e-mail address a token was sent to."""
        try:
            with caused_by(current_correlation_id()):
                verification = await self._identity.executor.run(
                    self._identity.registration.verify_email, command.token
                )
        except InvalidVerificationToken as error:
            raise Refused(INVALID_VERIFICATION_TOKEN.reply(str(error))) from error
        self._saved()
        log.info("e-mail verified", user_id=str(verification.user_id))
        return EmailVerifiedReply(
            user_id=verification.user_id, environment_id=verification.environment_id
        )
