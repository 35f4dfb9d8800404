"""Facts identity publishes when users change their own account: profile, photo, e-mail
preferences and the receiving prompt. None carries a secret or the photo itself."""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BoundedContext, Language

ProfileField = Literal["full_name", "phone", "language"]


class ProfileChanged(IntegrationEvent):
    """A user changed their name, phone or language; only the changed fields are given."""

    event_type: ClassVar[str] = "ProfileChanged"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user who changed their profile.")
    environment_id: UUID = Field(description="The environment the user belongs to.")
    changed: list[ProfileField] = Field(
        description="Which fields changed; a field not listed here kept its value."
    )
    full_name: str | None = Field(default=None, description="The new name, if it changed.")
    phone: str | None = Field(
        default=None,
        description="The new phone number (E.164), if it changed; null with `phone` in "
        "`changed` means the number was removed.",
    )
    language: Language | None = Field(default=None, description="The new language, if changed.")
    changed_at: AwareDatetime = Field(description="When the change took effect.")


class PhotoChanged(IntegrationEvent):
    """A user set a new profile photo; the image is in the blob store, this is its reference."""

    event_type: ClassVar[str] = "PhotoChanged"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user whose photo it is.")
    environment_id: UUID = Field(description="The environment the user belongs to.")
    bucket: str = Field(description="The JetStream object store bucket holding the photo.")
    object_name: str = Field(description="The object's name in that bucket.")
    content_type: str = Field(description="The media type of the stored (re-encoded) image.")
    size: int = Field(ge=1, description="The stored image's size in bytes.")
    sha256: str = Field(description="Hex SHA-256 of the stored image, to check a download.")
    width: int = Field(ge=1, description="Width in pixels.")
    height: int = Field(ge=1, description="Height in pixels.")
    changed_at: AwareDatetime = Field(description="When the photo was set.")


class EmailPreferencesChanged(IntegrationEvent):
    """A user chose which optional e-mails they get; the full set after the change."""

    event_type: ClassVar[str] = "EmailPreferencesChanged"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user whose preferences these are.")
    environment_id: UUID = Field(description="The environment the user belongs to.")
    invoice_received: bool = Field(description="Mail when an invoice arrived.")
    invoice_sent: bool = Field(description="Mail when an invoice went out.")
    invoice_delivery_failed: bool = Field(description="Mail when a delivery failed.")
    organisation_activated: bool = Field(description="Mail when an organisation may send.")
    receiving_changed: bool = Field(description="Mail when receiving was switched on or off.")
    product_news: bool = Field(description="News about the product.")
    changed_at: AwareDatetime = Field(description="When the preferences changed.")


class ReceivingPromptDismissed(IntegrationEvent):
    """A user switched the receiving prompt off ("don't ask again")."""

    event_type: ClassVar[str] = "ReceivingPromptDismissed"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user who will no longer be asked.")
    environment_id: UUID = Field(description="The environment the user belongs to.")
    dismissed_at: AwareDatetime = Field(description="When the prompt was switched off.")


class ReceivingPromptRestored(IntegrationEvent):
    """A user switched the receiving prompt back on after dismissing it."""

    event_type: ClassVar[str] = "ReceivingPromptRestored"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user who will be asked again.")
    environment_id: UUID = Field(description="The environment the user belongs to.")
    restored_at: AwareDatetime = Field(description="When the prompt was switched on again.")


EVENTS: tuple[type[IntegrationEvent], ...] = (
    ProfileChanged,
    PhotoChanged,
    EmailPreferencesChanged,
    ReceivingPromptDismissed,
    ReceivingPromptRestored,
)
"""Every event about a user's own account settings, in every version still in the catalogue."""

__all__ = [
    "EVENTS",
    "EmailPreferencesChanged",
    "PhotoChanged",
    "ProfileChanged",
    "ReceivingPromptDismissed",
    "ReceivingPromptRestored",
]
