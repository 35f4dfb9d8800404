"""Identity's request/reply handlers: what the gateway asks, answered from the application."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from contracts.commands.base import ProblemReply, Violation
from contracts.commands.identity import (
    INVALID_REGISTRATION,
    INVALID_VERIFICATION_TOKEN,
    UNREADABLE_SEALED_PASSWORD,
    EmailVerifiedReply,
    RegisterUser,
    RegistrationAccepted,
    VerifyEmail,
)
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from servicekit.rpc import Refused
from servicekit.sealing import SealedSecretError, open_sealed

from identity.bootstrap import Identity
from identity.domain.errors import InvalidVerificationToken, PasswordPolicyViolation
from identity.domain.values import check_password_policy, normalise_email

log = structlog.get_logger(__name__)


class IdentityCommands:
    """Handlers for cmd.identity.*; `saved` is called after every successful save."""

    def __init__(self, identity: Identity, saved: Callable[[], None]) -> None:
        self._identity = identity
        self._saved = saved

    async def register(self, command: RegisterUser) -> RegistrationAccepted:
        """Sign up; a known e-mail address gets the same answer and creates nothing."""
        try:
            password = open_sealed(
                self._identity.settings.identity_private_key, command.sealed_password
            )
            check_password_policy(password)
            email = normalise_email(command.email)
        except SealedSecretError as error:
            raise Refused(
                UNREADABLE_SEALED_PASSWORD.reply("the password was not sealed for identity")
            ) from error
        except PasswordPolicyViolation as error:
            raise Refused(_invalid("password", str(error))) from error
        except ValueError as error:
            raise Refused(_invalid("email", str(error))) from error
        # argon2 takes tens of milliseconds and releases the GIL: keep it off the store thread.
        password_hash = await asyncio.to_thread(self._identity.passwords.hash, password)
        with caused_by(current_correlation_id()):
            registration = await self._identity.executor.run(
                lambda: self._identity.app.register(
                    email=email,
                    password_hash=password_hash,
                    full_name=command.full_name,
                    language=command.language,
                    environment_name=command.environment_name,
                )
            )
        if registration.user_id is None:
            log.info("registration for a known e-mail address; nothing created")
        else:
            log.info("user registered", user_id=str(registration.user_id))
            self._saved()
        return RegistrationAccepted()

    async def verify_email(self, command: VerifyEmail) -> EmailVerifiedReply:
        """Verify the e-mail address a token was sent to."""
        try:
            with caused_by(current_correlation_id()):
                verification = await self._identity.executor.run(
                    self._identity.app.verify_email, command.token
                )
        except InvalidVerificationToken as error:
            raise Refused(INVALID_VERIFICATION_TOKEN.reply(str(error))) from error
        self._saved()
        log.info("e-mail verified", user_id=str(verification.user_id))
        return EmailVerifiedReply(
            user_id=verification.user_id, environment_id=verification.environment_id
        )


def _invalid(field: str, message: str) -> ProblemReply:
    return INVALID_REGISTRATION.reply(message, [Violation(field=field, message=message)])
