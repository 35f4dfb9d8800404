"""Facts the identity context publishes about invitations and who may act for which organisation.

Kept apart from `contracts.events.identity` (sign-up and passwords) so each module stays small;
they are all `identity` events on `events.identity.<EventType>`.
"""

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BoundedContext, Language, OrganisationRole


class UserInvited(IntegrationEvent):
    """Someone was invited by e-mail into organisations of an environment; a mail must go out."""

    event_type: ClassVar[str] = "UserInvited"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    invitation_id: UUID = Field(description="The id of the invitation.")
    environment_id: UUID = Field(description="The environment the invitee will join.")
    environment_name: str = Field(description="The environment's name, for the mail.")
    email: str = Field(description="The address the invitation goes to.")
    language: Language = Field(description="The language to write the invitation in.")
    organisation_ids: list[UUID] = Field(description="The organisations the invitee will join.")
    organisation_names: list[str] = Field(description="Their names, for the mail.")
    role: OrganisationRole = Field(description="The role the invitee gets in each of them.")
    invited_by: UUID = Field(description="The user who sent the invitation.")
    inviter_name: str = Field(description="That user's full name, for the mail.")
    sealed_token: str = Field(
        description=(
            "The invitation token sealed (NaCl sealed box, base64) to the notifications "
            "service's public key: only notifications can open it to put the link in the mail."
        )
    )
    expires_at: AwareDatetime = Field(description="When the invitation stops working.")


class InvitationAccepted(IntegrationEvent):
    """An invitation was accepted: its memberships are granted to `user_id`."""

    event_type: ClassVar[str] = "InvitationAccepted"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    invitation_id: UUID = Field(description="The invitation that was accepted.")
    environment_id: UUID = Field(description="The environment of the invitation.")
    user_id: UUID = Field(description="The user who accepted it (new or already there).")
    email: str = Field(description="The invited address.")
    accepted_at: AwareDatetime = Field(description="When it was accepted.")


class MembershipGranted(IntegrationEvent):
    """A user may now act for an organisation of their environment, with this role."""

    event_type: ClassVar[str] = "MembershipGranted"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user given access.")
    environment_id: UUID = Field(description="The environment both belong to.")
    organisation_id: UUID = Field(description="The organisation.")
    role: OrganisationRole = Field(description="`member`, or `admin` (may also invite to it).")
    granted_by: UUID | None = Field(
        default=None, description="The user whose invitation or decision granted it."
    )
    granted_at: AwareDatetime = Field(description="When access was granted.")


class MembershipRevoked(IntegrationEvent):
    """A user may no longer act for an organisation."""

    event_type: ClassVar[str] = "MembershipRevoked"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user whose access ended.")
    environment_id: UUID = Field(description="The environment both belong to.")
    organisation_id: UUID = Field(description="The organisation.")
    role: OrganisationRole = Field(description="The role the user had in it.")
    revoked_by: UUID = Field(description="The administrator who revoked it.")
    revoked_at: AwareDatetime = Field(description="When access ended.")


class UserMovedToEnvironment(IntegrationEvent):
    """A user followed the one organisation they worked for into another environment.

    Sent when that organisation moved (`OrganisationMoved`) and the user had no other reason to
    stay: no other membership and no environment admin role in the old environment. They keep
    their membership and roles, belong to `environment_id` from now on, and their sessions of
    the old environment have ended (they sign in again).
    """

    event_type: ClassVar[str] = "UserMovedToEnvironment"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The user who moved.")
    environment_id: UUID = Field(description="The environment the user belongs to now.")
    from_environment_id: UUID = Field(description="The environment the user left.")
    organisation_id: UUID = Field(description="The organisation whose move the user followed.")
    moved_at: AwareDatetime = Field(
        description="When the organisation, and with it the user, moved."
    )


EVENTS: tuple[type[IntegrationEvent], ...] = (
    UserInvited,
    InvitationAccepted,
    MembershipGranted,
    MembershipRevoked,
    UserMovedToEnvironment,
)
"""Every invitation and membership event, in every version still in the catalogue."""

__all__ = [
    "EVENTS",
    "InvitationAccepted",
    "MembershipGranted",
    "MembershipRevoked",
    "UserInvited",
    "UserMovedToEnvironment",
]
