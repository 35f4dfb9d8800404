"""Invitation, membership and environment-move domain events as public contracts (see outbound)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.memberships import (
    InvitationAccepted,
    MembershipGranted,
    MembershipRevoked,
    UserInvited,
    UserMovedToEnvironment,
)


def _invited(e: Any) -> IntegrationEvent:
    return UserInvited(
        invitation_id=e.originator_id,
        environment_id=e.environment_id,
        environment_name=e.environment_name,
        email=e.email,
        language=e.language,
        organisation_ids=list(e.organisation_ids),
        organisation_names=list(e.organisation_names),
        role=e.role,
        invited_by=e.invited_by,
        inviter_name=e.inviter_name,
        sealed_token=e.sealed_token,
        expires_at=e.expires_at,
    )


def _accepted(e: Any) -> IntegrationEvent:
    return InvitationAccepted(
        invitation_id=e.originator_id,
        environment_id=e.environment_id,
        user_id=e.user_id,
        email=e.email,
        accepted_at=e.accepted_at,
    )


def _granted(e: Any) -> IntegrationEvent:
    return MembershipGranted(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        organisation_id=e.organisation_id,
        role=e.role,
        granted_by=e.granted_by,
        granted_at=e.granted_at,
    )


def _revoked(e: Any) -> IntegrationEvent:
    return MembershipRevoked(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        organisation_id=e.organisation_id,
        role=e.role,
        revoked_by=e.revoked_by,
        revoked_at=e.revoked_at,
    )


def _moved_to_environment(e: Any) -> IntegrationEvent:
    return UserMovedToEnvironment(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        from_environment_id=e.from_environment_id,
        organisation_id=e.organisation_id,
        moved_at=e.moved_at,
    )


MEMBERSHIP_EVENTS: dict[str, Callable[[Any], IntegrationEvent]] = {
    "Invitation.Invited": _invited,
    "Invitation.Accepted": _accepted,
    "User.MembershipGranted": _granted,
    "User.MembershipRevoked": _revoked,
    "User.MovedToEnvironment": _moved_to_environment,
}
"""Domain event class name → its public contract."""
