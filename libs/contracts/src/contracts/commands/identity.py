"""Commands the gateway sends to the identity service, their replies and refusals."""

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts.commands.base import Command, ProblemType, Reply
from contracts.vocabulary import Language


class RegistrationAccepted(Reply):
    """The sign-up is recorded; the user must now verify their e-mail address."""


class RegisterUser(Command):
    """Sign a person up, creating an environment with them as its first user."""

    subject: ClassVar[str] = "cmd.identity.register"
    reply_model: ClassVar[type[Reply]] = RegistrationAccepted

    email: str = Field(description="The e-mail address to sign up with.")
    sealed_password: str = Field(
        description=(
            "The chosen password sealed (NaCl sealed box, base64) by the gateway to the identity "
            "service's public key, so it never crosses the bus in clear."
        )
    )
    full_name: str = Field(description="The person's full name.")
    environment_name: str | None = Field(
        default=None, description="A name for the new environment; identity picks one if null."
    )
    language: Language = Field(default="nl", description="The language the person reads in.")


class EmailVerifiedReply(Reply):
    """The address is verified; the user may sign in to this environment."""

    user_id: UUID = Field(description="The user whose address is now verified.")
    environment_id: UUID = Field(description="The environment the user belongs to.")


class VerifyEmail(Command):
    """Prove ownership of an e-mail address with the token from the verification e-mail."""

    subject: ClassVar[str] = "cmd.identity.verify-email"
    reply_model: ClassVar[type[Reply]] = EmailVerifiedReply

    token: str = Field(description="The token from the verification link, as the user got it.")


INVALID_REGISTRATION = ProblemType(
    "urn:problem:identity:invalid-registration",
    "The registration is not valid",
    422,
)
UNREADABLE_SEALED_PASSWORD = ProblemType(
    "urn:problem:identity:unreadable-sealed-password",
    "The sealed password cannot be opened by the identity service",
    400,
)
INVALID_VERIFICATION_TOKEN = ProblemType(
    "urn:problem:identity:invalid-verification-token",
    "This verification link is not valid",
    400,
)
WEAK_PASSWORD = ProblemType(
    "urn:problem:identity:weak-password",
    "The password does not meet the password rules",
    422,
)

__all__ = [
    "INVALID_REGISTRATION",
    "INVALID_VERIFICATION_TOKEN",
    "UNREADABLE_SEALED_PASSWORD",
    "WEAK_PASSWORD",
    "EmailVerifiedReply",
    "RegisterUser",
    "RegistrationAccepted",
    "VerifyEmail",
]
