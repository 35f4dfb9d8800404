"""cmd.identity.invite-user, qry.identity.invitation, cmd.identity.accept-invitation,
qry.identity.users and cmd.identity.revoke-membership."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import structlog
from contracts.commands.base import ProblemReply, Violation
from contracts.commands.identity import INVALID_REGISTRATION
from contracts.commands.invitations import (
    ACCOUNT_IN_OTHER_ENVIRONMENT,
    FORBIDDEN,
    INVALID_INVITATION,
    NOT_FOUND,
    AcceptInvitation,
    AuthoriseOrganisation,
    DescribeInvitation,
    EnvironmentUser,
    InvitationAcceptedReply,
    InvitationDescription,
    InvitationSent,
    InviteUser,
    ListUsers,
    MembershipRevokedReply,
    OrganisationAccess,
    RevokeMembership,
    UserList,
)
from contracts.commands.profile import OrganisationGrant
from contracts.vocabulary import OrganisationRole
from eventsourcing.persistence import IntegrityError
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from servicekit.rpc import Refused
from servicekit.sealing import seal

from identity.bootstrap import Identity, utc_now
from identity.domain.access import NotAllowed, NotFound
from identity.domain.invitation import InvalidInvitation
from identity.domain.user import User
from identity.domain.values import normalise_email
from identity.entrypoints.passwords import open_password, require_good_password
from identity.usecases.invitations import Acceptance, AccountInOtherEnvironment, Invitations
from identity.usecases.memberships import Memberships

log = structlog.get_logger(__name__)

INVITATION_TTL = timedelta(days=7)


def refusal(error: Exception) -> ProblemReply:
    """The problem a named domain refusal is answered with."""
    if isinstance(error, NotFound):
        return NOT_FOUND.reply(str(error))
    if isinstance(error, NotAllowed):
        return FORBIDDEN.reply(str(error))
    if isinstance(error, AccountInOtherEnvironment):
        return ACCOUNT_IN_OTHER_ENVIRONMENT.reply(str(error))
    return INVALID_INVITATION.reply(str(error))


class InvitationHandlers:
    """Invitations and memberships; `saved` wakes the relay after a save."""

    def __init__(self, identity: Identity, saved: Callable[[], None]) -> None:
        self._identity = identity
        self._saved = saved
        self._invitations = Invitations(
            identity.app,
            identity.database,
            seal_token=partial(seal, identity.settings.notifications_public_key),
            ttl=INVITATION_TTL,
            clock=utc_now,
        )
        self._memberships = Memberships(identity.app, identity.database, utc_now)

    async def invite(self, command: InviteUser) -> InvitationSent:
        """Invite someone into organisations of the caller's environment."""
        try:
            email = normalise_email(command.email)
        except ValueError as error:
            raise Refused(
                INVALID_REGISTRATION.reply(
                    str(error), [Violation(field="email", message="not an e-mail address")]
                )
            ) from error
        try:
            with caused_by(current_correlation_id()):
                invitation = await self._identity.executor.run(
                    self._invitations.invite,
                    command.caller.user_id,
                    email,
                    list(command.organisation_ids),
                    command.role,
                    command.language,
                )
        except (NotFound, NotAllowed) as error:
            raise Refused(refusal(error)) from error
        self._saved()
        log.info("user invited", invitation_id=str(invitation.id))
        return InvitationSent(
            invitation_id=invitation.id,
            email=email,
            organisation_ids=invitation.organisation_ids,
            role=invitation.role,
            expires_at=invitation.expires_at,
        )

    async def describe(self, query: DescribeInvitation) -> InvitationDescription:
        """What the token's invitation offers, for the page its link opens; nothing is spent."""
        try:
            offer = await self._identity.executor.run(self._invitations.offer, query.token)
        except (InvalidInvitation, AccountInOtherEnvironment) as error:
            raise Refused(refusal(error)) from error
        invitation = offer.invitation
        return InvitationDescription(
            email=invitation.email,
            environment_name=invitation.environment_name,
            organisation_names=offer.organisation_names,
            role=invitation.role,
            inviter_name=invitation.inviter_name,
            expires_at=invitation.expires_at,
            existing_account=offer.existing_account,
        )

    async def accept(self, command: AcceptInvitation) -> InvitationAcceptedReply:
        """Accept with the mailed token; a new account gets the password, checked as at sign-up."""
        identity = self._identity
        password = open_password(identity.settings.identity_private_key, command.sealed_password)
        try:
            prospect = await identity.executor.run(self._invitations.prospect, command.token)
            password_hash: str | None = None
            if prospect.existing_user is None:
                await require_good_password(
                    password, [prospect.invitation.email, command.full_name], "password"
                )
                password_hash = await asyncio.to_thread(identity.passwords.hash, password)
            with caused_by(current_correlation_id()):
                try:
                    acceptance: Acceptance = await identity.executor.run(
                        self._invitations.accept, command.token, password_hash, command.full_name
                    )
                except IntegrityError:
                    # A sign-up of the same address committed first: now it has an account.
                    acceptance = await identity.executor.run(
                        self._invitations.accept, command.token, password_hash, command.full_name
                    )
        except (InvalidInvitation, AccountInOtherEnvironment) as error:
            raise Refused(refusal(error)) from error
        self._saved()
        log.info(
            "invitation accepted",
            invitation_id=str(acceptance.invitation_id),
            user_id=str(acceptance.user_id),
            new_account=acceptance.new_account,
        )
        return InvitationAcceptedReply(
            user_id=acceptance.user_id,
            environment_id=acceptance.environment_id,
            new_account=acceptance.new_account,
        )

    async def users(self, query: ListUsers) -> UserList:
        """The users of the caller's environment (environment admins), or the members of the
        organisations the caller administers."""
        try:
            users, visible = await self._identity.executor.run(
                self._memberships.users_of_environment, query.caller.user_id
            )
        except NotAllowed as error:
            raise Refused(refusal(error)) from error
        return UserList(users=[_summary(user, visible) for user in users])

    async def revoke(self, command: RevokeMembership) -> MembershipRevokedReply:
        """End a user's access to an organisation."""
        try:
            with caused_by(current_correlation_id()):
                await self._identity.executor.run(
                    self._memberships.revoke,
                    command.caller.user_id,
                    command.user_id,
                    command.organisation_id,
                )
        except (NotFound, NotAllowed) as error:
            raise Refused(refusal(error)) from error
        self._saved()
        log.info("membership revoked", user_id=str(command.user_id))
        return MembershipRevokedReply()

    async def organisation_access(self, query: AuthoriseOrganisation) -> OrganisationAccess:
        """May the caller act for (or administer) the organisation a route is about?"""
        try:
            role = await self._identity.executor.run(
                self._memberships.access,
                query.caller.user_id,
                query.organisation_id,
                query.administer,
            )
        except (NotFound, NotAllowed) as error:
            raise Refused(refusal(error)) from error
        return OrganisationAccess(organisation_id=query.organisation_id, role=role)


def _summary(user: User, visible: frozenset[uuid.UUID] | None = None) -> EnvironmentUser:
    return EnvironmentUser(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        email_verified=user.email_verified,
        role=user.role,
        memberships=[
            OrganisationGrant(organisation_id=organisation_id, role=_role(role))
            for organisation_id, role in sorted(user.memberships.items(), key=lambda m: str(m[0]))
            if visible is None or organisation_id in visible
        ],
    )


def _role(role: str) -> OrganisationRole:
    return "admin" if role == "admin" else "member"
