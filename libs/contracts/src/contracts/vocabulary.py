"""Small value types that events and commands share."""

from typing import Literal, get_args

BoundedContext = Literal["identity", "organisation", "invoicing", "notifications", "partners"]
"""A service that owns its data and publishes facts about it."""

BOUNDED_CONTEXTS: tuple[BoundedContext, ...] = get_args(BoundedContext)

Language = Literal["nl", "en"]
"""The language a person reads the product and its e-mails in."""

EnvironmentRole = Literal["basic", "advanced", "admin"]
"""What a user may do in their environment; `admin` manages its users and organisations."""

OrganisationRole = Literal["member", "admin"]
"""What a user may do in one organisation of their environment."""

__all__ = ["BOUNDED_CONTEXTS", "BoundedContext", "EnvironmentRole", "Language", "OrganisationRole"]
