"""Facts the identity context publishes about people and their sign-up."""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BoundedContext, Language


class UserRegistered(IntegrationEvent):
    """A person signed up, creating a new environment with themselves as its first user."""

    event_type: ClassVar[str] = "UserRegistered"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The id of the new user account.")
    environment_id: UUID = Field(description="The id of the environment created at sign-up.")
    environment_name: str = Field(description="The name the environment was given.")
    email: str = Field(description="The e-mail address the user signed up with (not verified).")
    full_name: str = Field(description="The user's full name, as they typed it.")
    language: Language = Field(description="The language the user reads e-mails in.")
    registered_at: AwareDatetime = Field(description="When the user signed up.")


class EmailVerificationRequested(IntegrationEvent):
    """A verification e-mail must be sent so the user can prove they own the address."""

    event_type: ClassVar[str] = "EmailVerificationRequested"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user whose address must be verified.")
    environment_id: UUID = Field(description="The environment the user belongs to.")
    email: str = Field(description="The address to send the verification e-mail to.")
    full_name: str = Field(description="The user's full name, to greet them in the e-mail.")
    language: Language = Field(description="The language to write the e-mail in.")
    sealed_token: str = Field(
        description=(
            "The verification token sealed (NaCl sealed box, base64) to the notifications "
            "service's public key: only notifications can open it to put the link in the "
            "e-mail; the event store and the bus never hold it in clear."
        )
    )
    expires_at: AwareDatetime = Field(description="When the token stops being accepted.")


class EmailVerified(IntegrationEvent):
    """A user proved they own their e-mail address by following the verification link."""

    event_type: ClassVar[str] = "EmailVerified"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user who verified their address.")
    environment_id: UUID = Field(description="The environment the user belongs to.")
    email: str = Field(description="The address that is now verified.")
    verified_at: AwareDatetime = Field(description="When the address was verified.")


class SignUpAttemptedForExistingAccount(IntegrationEvent):
    """Someone signed up with an address that already has an account; its owner is told."""

    event_type: ClassVar[str] = "SignUpAttemptedForExistingAccount"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The existing account the address belongs to.")
    environment_id: UUID = Field(description="The environment the account belongs to.")
    email: str = Field(description="The account's address, where the owner is told.")
    full_name: str = Field(description="The owner's full name, to greet them.")
    language: Language = Field(description="The language the owner reads e-mails in.")
    attempted_at: AwareDatetime = Field(description="When the sign-up was tried.")


class PasswordResetRequested(IntegrationEvent):
    """A user asked for a password reset link; it must be mailed to them."""

    event_type: ClassVar[str] = "PasswordResetRequested"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user who may set a new password.")
    environment_id: UUID = Field(description="The environment the user belongs to.")
    email: str = Field(description="The address to send the reset link to.")
    full_name: str = Field(description="The user's full name, to greet them in the e-mail.")
    language: Language = Field(description="The language to write the e-mail in.")
    sealed_token: str = Field(
        description=(
            "The reset token sealed (NaCl sealed box, base64) to the notifications service's "
            "public key: only notifications can open it to put the link in the e-mail."
        )
    )
    expires_at: AwareDatetime = Field(description="When the link stops working.")


class PasswordChanged(IntegrationEvent):
    """A user's password was changed; every session they had is ended."""

    event_type: ClassVar[str] = "PasswordChanged"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user whose password changed.")
    environment_id: UUID = Field(description="The environment the user belongs to.")
    reason: Literal["reset", "change"] = Field(
        description="`reset` through a mailed link, `change` by the signed-in user."
    )
    changed_at: AwareDatetime = Field(description="When the new password took effect.")


EVENTS: tuple[type[IntegrationEvent], ...] = (
    UserRegistered,
    EmailVerificationRequested,
    EmailVerified,
    SignUpAttemptedForExistingAccount,
    PasswordResetRequested,
    PasswordChanged,
)
"""Every identity event, in every version still in the catalogue."""

__all__ = [
    "EVENTS",
    "EmailVerificationRequested",
    "EmailVerified",
    "PasswordChanged",
    "PasswordResetRequested",
    "SignUpAttemptedForExistingAccount",
    "UserRegistered",
]
