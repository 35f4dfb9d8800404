"""Invitation mails: a security mail, always sent, in the language the inviter chose."""

from __future__ import annotations

from contracts.events.memberships import UserInvited

from notifications.domain.mail_kinds import INVITATION

__all__ = ["INVITATION", "invitation_mail_context"]


def invitation_mail_context(event: UserInvited) -> dict[str, str]:
    """What the invitation template needs; the token stays sealed until the mail is written."""
    return {
        "inviter_name": event.inviter_name,
        "environment_name": event.environment_name,
        "organisation_names": ", ".join(event.organisation_names),
        "role": event.role,
        "sealed_token": event.sealed_token,
        "expires_at": event.expires_at.isoformat(),
    }
