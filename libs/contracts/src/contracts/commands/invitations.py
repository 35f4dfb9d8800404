"""Inviting people into organisations, accepting invitations, and managing memberships."""

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.commands.base import Command, ProblemType, Reply
from contracts.commands.caller import Caller
from contracts.commands.profile import OrganisationGrant
from contracts.vocabulary import EnvironmentRole, Language, OrganisationRole


class InvitationSent(Reply):
    """The invitation is recorded; its mail is on its way."""

    invitation_id: UUID = Field(description="The id of the invitation.")
    email: str = Field(description="The invited address, normalised.")
    organisation_ids: list[UUID] = Field(description="The organisations it grants.")
    role: OrganisationRole = Field(description="The role it grants in each.")
    expires_at: AwareDatetime = Field(description="When the link stops working.")


class InviteUser(Command):
    """Invite someone by e-mail into organisations of the caller's environment."""

    subject: ClassVar[str] = "cmd.identity.invite-user"
    reply_model: ClassVar[type[Reply]] = InvitationSent

    caller: Caller = Field(description="The authenticated user inviting.")
    email: str = Field(max_length=320, description="The address to invite.")
    organisation_ids: list[UUID] = Field(
        min_length=1, max_length=100, description="Organisations of the caller's environment."
    )
    role: OrganisationRole = Field(description="The role the invitee gets in each of them.")
    language: Language = Field(default="nl", description="The language of the invitation mail.")


class InvitationAcceptedReply(Reply):
    """The invitation is accepted; the user may sign in and act for its organisations."""

    user_id: UUID = Field(description="The user that now holds the memberships.")
    environment_id: UUID = Field(description="The environment they belong to.")
    new_account: bool = Field(description="False when the address already had an account here.")


class AcceptInvitation(Command):
    """Accept an invitation with the token from its mail, creating the account if needed."""

    subject: ClassVar[str] = "cmd.identity.accept-invitation"
    reply_model: ClassVar[type[Reply]] = InvitationAcceptedReply

    token: str = Field(max_length=512, description="The token from the invitation link.")
    sealed_password: str = Field(
        description="The chosen password sealed (NaCl sealed box, base64) to identity's key."
    )
    full_name: str = Field(max_length=200, description="The invitee's full name.")


class InvitationDescription(Reply):
    """What an invitation offers, for the page its link opens, before anything is accepted."""

    email: str = Field(description="The invited address.")
    environment_name: str = Field(description="The environment the invitee joins.")
    organisation_names: list[str] = Field(description="The organisations it grants.")
    role: OrganisationRole = Field(description="The role it grants in each.")
    inviter_name: str = Field(description="The full name of the user who sent it.")
    expires_at: AwareDatetime = Field(description="When the link stops working.")
    existing_account: bool = Field(
        description="True when the address already has an account here: accepting joins it, "
        "and no name or password is asked."
    )


class DescribeInvitation(Command):
    """What the invitation behind a token offers; the token is not spent."""

    subject: ClassVar[str] = "qry.identity.invitation"
    reply_model: ClassVar[type[Reply]] = InvitationDescription

    token: str = Field(max_length=512, description="The token from the invitation link.")


class EnvironmentUser(BaseModel):
    """One user of an environment, as its administrators see them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID = Field(description="The user's id.")
    email: str = Field(description="The address they sign in with.")
    full_name: str = Field(description="Their full name.")
    email_verified: bool = Field(description="Whether they proved their address.")
    role: EnvironmentRole = Field(description="Their role in the environment.")
    memberships: list[OrganisationGrant] = Field(description="Their organisations and roles.")


class UserList(Reply):
    """The users of the caller's environment."""

    users: list[EnvironmentUser] = Field(description="By e-mail address.")


class ListUsers(Command):
    """The users of the caller's environment; for environment administrators."""

    subject: ClassVar[str] = "qry.identity.users"
    reply_model: ClassVar[type[Reply]] = UserList

    caller: Caller = Field(description="The authenticated user asking.")


class MembershipRevokedReply(Reply):
    """The user no longer acts for the organisation."""


class RevokeMembership(Command):
    """End a user's access to one organisation of the caller's environment."""

    subject: ClassVar[str] = "cmd.identity.revoke-membership"
    reply_model: ClassVar[type[Reply]] = MembershipRevokedReply

    caller: Caller = Field(description="The authenticated administrator.")
    user_id: UUID = Field(description="The user whose access ends.")
    organisation_id: UUID = Field(description="The organisation.")


class OrganisationAccess(Reply):
    """The caller may act for the organisation; with which role, and may they administer it."""

    organisation_id: UUID = Field(description="The organisation.")
    role: OrganisationRole = Field(
        description="Their role in it; `admin` for every organisation of an environment admin."
    )


class AuthoriseOrganisation(Command):
    """May the caller act for (or administer) this organisation? 404 for another tenant's."""

    subject: ClassVar[str] = "qry.identity.organisation-access"
    reply_model: ClassVar[type[Reply]] = OrganisationAccess

    caller: Caller = Field(description="The authenticated user asking.")
    organisation_id: UUID = Field(description="The organisation a route is about.")
    administer: bool = Field(
        default=False, description="True when the route changes who may act for it."
    )


NOT_FOUND = ProblemType("urn:problem:not-found", "Not found", 404)
FORBIDDEN = ProblemType("urn:problem:forbidden", "You may not do this", 403)
INVALID_INVITATION = ProblemType(
    "urn:problem:identity:invalid-invitation", "This invitation link is not valid", 400
)
ACCOUNT_IN_OTHER_ENVIRONMENT = ProblemType(
    "urn:problem:identity:account-in-other-environment",
    "This address already has an account in another environment",
    409,
)

__all__ = [
    "ACCOUNT_IN_OTHER_ENVIRONMENT",
    "FORBIDDEN",
    "INVALID_INVITATION",
    "NOT_FOUND",
    "AcceptInvitation",
    "AuthoriseOrganisation",
    "DescribeInvitation",
    "EnvironmentUser",
    "InvitationAcceptedReply",
    "InvitationDescription",
    "InvitationSent",
    "InviteUser",
    "ListUsers",
    "MembershipRevokedReply",
    "OrganisationAccess",
    "RevokeMembership",
    "UserList",
]
