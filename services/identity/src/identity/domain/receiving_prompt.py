"""The question at every login: do you want to receive e-invoices too?"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from identity.domain.user import User


@dataclass(frozen=True)
class OrganisationReceiving:
    """One of the user's organisations and whether it receives e-invoices."""

    id: uuid.UUID
    name: str
    receiving_enabled: bool


@dataclass(frozen=True)
class ReceivingPromptDecision:
    """Whether to ask, and about which organisations."""

    show: bool
    organisations: tuple[OrganisationReceiving, ...]


def receiving_prompt(
    user: User, organisations: Sequence[OrganisationReceiving]
) -> ReceivingPromptDecision:
    """Ask while an organisation does not receive, unless the user switched the prompt off."""
    show = user.receiving_prompt_enabled and any(not o.receiving_enabled for o in organisations)
    return ReceivingPromptDecision(show=show, organisations=tuple(organisations))
