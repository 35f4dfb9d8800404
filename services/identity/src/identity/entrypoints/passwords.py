"""Opening sealed passwords and holding them to the rules, for every handler that takes one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from contracts.commands.base import ProblemReply, Violation
from contracts.commands.identity import UNREADABLE_SEALED_PASSWORD, WEAK_PASSWORD
from servicekit.rpc import Refused
from servicekit.sealing import SealedSecretError, open_sealed

from identity.domain.errors import PasswordPolicyViolation
from identity.domain.passwords import check_password_policy


def open_password(private_key: str, sealed_password: str) -> str:
    """The password the gateway sealed for us; a 400 problem if it is not ours to open."""
    try:
        return open_sealed(private_key, sealed_password)
    except SealedSecretError as error:
        raise Refused(
            UNREADABLE_SEALED_PASSWORD.reply("the password was not sealed for identity")
        ) from error


async def require_good_password(password: str, user_inputs: Iterable[str], field: str) -> None:
    """Refuse a password that breaks a rule, naming the rule and how to do better (422)."""
    try:
        # zxcvbn takes up to ~0.1 s on long passwords: keep it off the event loop.
        await asyncio.to_thread(check_password_policy, password, list(user_inputs))
    except PasswordPolicyViolation as violation:
        raise Refused(weak_password(field, violation)) from violation


def weak_password(field: str, violation: PasswordPolicyViolation) -> ProblemReply:
    """The 422 problem for a password that breaks a rule."""
    return WEAK_PASSWORD.reply(
        str(violation), [Violation(field=field, rule=violation.rule, message=str(violation))]
    )
