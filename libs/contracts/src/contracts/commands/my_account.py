"""A signed-in user changing their own account: profile, photo, e-mail preferences, the
receiving prompt and their password."""

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts.commands.base import Command, ProblemType, Reply
from contracts.commands.caller import Caller
from contracts.commands.profile import EmailPreferences, Profile
from contracts.vocabulary import Language


class ChangeProfile(Command):
    """Change some of name, phone and language; fields left out keep their value."""

    subject: ClassVar[str] = "cmd.identity.change-profile"
    reply_model: ClassVar[type[Reply]] = Profile

    caller: Caller = Field(description="The authenticated user.")
    full_name: str | None = Field(
        default=None, min_length=1, max_length=200, description="A new full name."
    )
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="A new phone number as typed (Dutch numbers may omit +31).",
    )
    remove_phone: bool = Field(default=False, description="Forget the phone number.")
    language: Language | None = Field(default=None, description="A new language.")


class ChangeEmailPreferences(Command):
    """Replace the user's choice of optional e-mails."""

    subject: ClassVar[str] = "cmd.identity.change-email-preferences"
    reply_model: ClassVar[type[Reply]] = Profile

    caller: Caller = Field(description="The authenticated user.")
    preferences: EmailPreferences = Field(description="The full set of choices.")


class SetReceivingPrompt(Command):
    """Switch the receiving prompt at login off ("don't ask again") or back on."""

    subject: ClassVar[str] = "cmd.identity.set-receiving-prompt"
    reply_model: ClassVar[type[Reply]] = Profile

    caller: Caller = Field(description="The authenticated user.")
    enabled: bool = Field(description="Whether logins ask about receiving e-invoices.")


class PasswordChangedReply(Reply):
    """The new password is set and every session of the user is ended."""

    revoked_session_ids: list[UUID] = Field(
        default_factory=list,
        description="The sessions ended, so the gateway can refuse their tokens at once.",
    )


class ChangePassword(Command):
    """Set a new password, proving the current one."""

    subject: ClassVar[str] = "cmd.identity.change-password"
    reply_model: ClassVar[type[Reply]] = PasswordChangedReply

    caller: Caller = Field(description="The authenticated user.")
    sealed_current_password: str = Field(
        description="The current password sealed (NaCl sealed box, base64) to identity's key."
    )
    sealed_new_password: str = Field(
        description="The new password sealed (NaCl sealed box, base64) to identity's key."
    )
    client_address: str = Field(
        max_length=64, description="The client's IP address, for throttling guesses."
    )


class PhotoReference(Reply):
    """Where a user's photo is stored: a reference, never the image (NATS messages are small)."""

    bucket: str = Field(description="The JetStream object store bucket.")
    object_name: str = Field(description="The object's name in the bucket.")
    content_type: str = Field(description="The media type of the stored image.")
    size: int = Field(ge=1, description="Its size in bytes.")
    sha256: str = Field(description="Hex SHA-256 of the stored image.")
    width: int = Field(ge=1, description="Width in pixels.")
    height: int = Field(ge=1, description="Height in pixels.")


class SetPhoto(Command):
    """Make an uploaded image the user's photo, once it passes the checks and is re-encoded."""

    subject: ClassVar[str] = "cmd.identity.set-photo"
    reply_model: ClassVar[type[Reply]] = PhotoReference

    caller: Caller = Field(description="The authenticated user.")
    upload_bucket: str = Field(description="The object store bucket holding the upload.")
    upload_name: str = Field(max_length=200, description="The upload's object name.")


class GetPhoto(Command):
    """Where the caller's photo is stored."""

    subject: ClassVar[str] = "qry.identity.photo"
    reply_model: ClassVar[type[Reply]] = PhotoReference

    caller: Caller = Field(description="The authenticated user.")


WRONG_CURRENT_PASSWORD = ProblemType(
    "urn:problem:identity:wrong-current-password",
    "The current password is not right",
    403,
)
NOT_AN_IMAGE = ProblemType(
    "urn:problem:identity:not-an-image",
    "The upload is not an image we can use",
    422,
)
NO_PHOTO = ProblemType("urn:problem:identity:no-photo", "There is no photo", 404)
UPLOAD_MISSING = ProblemType(
    "urn:problem:identity:upload-missing", "The upload could not be found; send it again", 409
)

__all__ = [
    "NOT_AN_IMAGE",
    "NO_PHOTO",
    "UPLOAD_MISSING",
    "WRONG_CURRENT_PASSWORD",
    "ChangeEmailPreferences",
    "ChangePassword",
    "ChangeProfile",
    "GetPhoto",
    "PasswordChangedReply",
    "PhotoReference",
    "SetPhoto",
    "SetReceivingPrompt",
]
