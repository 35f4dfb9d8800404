"""The public form of the events of a user's own settings (see `outbound.py`, which uses this)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.my_account import (
    EmailPreferencesChanged,
    PhotoChanged,
    ProfileChanged,
    ReceivingPromptDismissed,
    ReceivingPromptRestored,
)


def _profile_changed(e: Any) -> IntegrationEvent:
    changes: dict[str, Any] = e.changes
    return ProfileChanged(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        changed=sorted(changes),
        changed_at=e.changed_at,
        **changes,
    )


def _photo_changed(e: Any) -> IntegrationEvent:
    return PhotoChanged(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        changed_at=e.changed_at,
        **e.reference,
    )


def _email_preferences_changed(e: Any) -> IntegrationEvent:
    return EmailPreferencesChanged(
        user_id=e.originator_id,
        environment_id=e.environment_id,
        changed_at=e.changed_at,
        **e.preferences,
    )


def _receiving_prompt_dismissed(e: Any) -> IntegrationEvent:
    return ReceivingPromptDismissed(
        user_id=e.originator_id, environment_id=e.environment_id, dismissed_at=e.at
    )


def _receiving_prompt_restored(e: Any) -> IntegrationEvent:
    return ReceivingPromptRestored(
        user_id=e.originator_id, environment_id=e.environment_id, restored_at=e.at
    )


MY_ACCOUNT_PUBLIC: dict[str, Callable[[Any], IntegrationEvent]] = {
    "User.ProfileChanged": _profile_changed,
    "User.PhotoChanged": _photo_changed,
    "User.EmailPreferencesChanged": _email_preferences_changed,
    "User.ReceivingPromptDismissed": _receiving_prompt_dismissed,
    "User.ReceivingPromptRestored": _receiving_prompt_restored,
}
"""Domain event name -> its public contract, for the user's own settings."""
