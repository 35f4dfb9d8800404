"""Signing in, refreshing and ending sessions: the commands, their answers and refusals."""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.commands.base import Command, ProblemType, Reply
from contracts.commands.caller import Caller
from contracts.commands.profile import Profile


class PromptOrganisation(BaseModel):
    """One of the user's organisations in the receiving prompt."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID = Field(description="The organisation.")
    name: str = Field(description="Its name.")
    receiving_enabled: bool = Field(description="Whether it receives e-invoices already.")


class ReceivingPrompt(BaseModel):
    """Whether the login asks the user to start receiving e-invoices, and for which ones."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    show: bool = Field(
        description="True while an organisation does not receive and the prompt is on."
    )
    organisations: list[PromptOrganisation] = Field(
        default_factory=list, description="The user's organisations and whether each receives."
    )


class TokenPair(Reply):
    """A new access token and the refresh token that can be exchanged for the next pair once."""

    access_token: str = Field(description="A short-lived JWT for Authorization: Bearer.")
    refresh_token: str = Field(description="An opaque token that works once, for a new pair.")
    token_type: Literal["Bearer"] = Field(default="Bearer", description="How to send it.")
    expires_in: int = Field(ge=1, description="Seconds the access token stays valid.")


class SessionStarted(TokenPair):
    """A successful login: the tokens, the user's profile and the receiving prompt."""

    user: Profile = Field(description="The user who signed in.")
    receiving_prompt: ReceivingPrompt = Field(description="What to ask about receiving.")


class Login(Command):
    """Sign in with e-mail address and password."""

    subject: ClassVar[str] = "cmd.identity.login"
    reply_model: ClassVar[type[Reply]] = SessionStarted

    email: str = Field(description="The address the user signs in with.")
    sealed_password: str = Field(
        description="The password sealed (NaCl sealed box, base64) to identity's public key."
    )
    client_address: str = Field(
        max_length=64, description="The client's IP address, for throttling guesses."
    )


class RefreshSession(Command):
    """Exchange a refresh token (once) for a new token pair."""

    subject: ClassVar[str] = "cmd.identity.refresh-session"
    reply_model: ClassVar[type[Reply]] = TokenPair

    refresh_token: str = Field(max_length=512, description="The refresh token, as issued.")


class SessionEnded(Reply):
    """The session is revoked: its access and refresh tokens no longer work."""


class EndSession(Command):
    """Log out: end the caller's current session."""

    subject: ClassVar[str] = "cmd.identity.end-session"
    reply_model: ClassVar[type[Reply]] = SessionEnded

    caller: Caller = Field(description="The authenticated user and the session to end.")


INVALID_CREDENTIALS = ProblemType(
    "urn:problem:identity:invalid-credentials",
    "The e-mail address or password is not right",
    401,
)
TOO_MANY_LOGIN_ATTEMPTS = ProblemType(
    "urn:problem:identity:too-many-login-attempts",
    "Too many failed logins; wait before trying again",
    429,
)
EMAIL_NOT_VERIFIED = ProblemType(
    "urn:problem:identity:email-not-verified",
    "The e-mail address is not verified yet",
    403,
)
INVALID_REFRESH_TOKEN = ProblemType(
    "urn:problem:identity:invalid-refresh-token",
    "The refresh token is not valid",
    401,
)
SESSION_NOT_ACTIVE = ProblemType(
    "urn:problem:identity:session-not-active",
    "The session has ended",
    401,
)

__all__ = [
    "EMAIL_NOT_VERIFIED",
    "INVALID_CREDENTIALS",
    "INVALID_REFRESH_TOKEN",
    "SESSION_NOT_ACTIVE",
    "TOO_MANY_LOGIN_ATTEMPTS",
    "EndSession",
    "Login",
    "PromptOrganisation",
    "ReceivingPrompt",
    "RefreshSession",
    "SessionEnded",
    "SessionStarted",
    "TokenPair",
]
