"""Resetting a forgotten password: ask for a link, then set a new password with its token."""

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts.commands.base import Command, ProblemType, Reply


class PasswordResetAccepted(Reply):
    """The request is taken; a mail goes out if the address has an account (never said)."""


class RequestPasswordReset(Command):
    """Mail a single-use reset link to the address, if it has an account."""

    subject: ClassVar[str] = "cmd.identity.request-password-reset"
    reply_model: ClassVar[type[Reply]] = PasswordResetAccepted

    email: str = Field(description="The address the user signs in with.")


class PasswordResetConfirmed(Reply):
    """The new password is set and every session of the user is ended."""

    revoked_session_ids: list[UUID] = Field(
        default_factory=list,
        description="The sessions ended, so the gateway can refuse their tokens at once.",
    )


class ConfirmPasswordReset(Command):
    """Set a new password with the token from the reset mail."""

    subject: ClassVar[str] = "cmd.identity.confirm-password-reset"
    reply_model: ClassVar[type[Reply]] = PasswordResetConfirmed

    token: str = Field(max_length=512, description="The token from the reset link.")
    sealed_new_password: str = Field(
        description="The new password sealed (NaCl sealed box, base64) to identity's public key."
    )


INVALID_RESET_TOKEN = ProblemType(
    "urn:problem:identity:invalid-reset-token",
    "This password reset link is not valid",
    400,
)

__all__ = [
    "INVALID_RESET_TOKEN",
    "ConfirmPasswordReset",
    "PasswordResetAccepted",
    "PasswordResetConfirmed",
    "RequestPasswordReset",
]
