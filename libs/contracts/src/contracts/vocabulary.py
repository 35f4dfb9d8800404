"""Small value types that events and commands share."""

from typing import Literal, get_args

BoundedContext = Literal["identity", "organisation", "invoicing", "notifications"]
"""A service that owns its data and publishes facts about it."""

BOUNDED_CONTEXTS: tuple[BoundedContext, ...] = get_args(BoundedContext)

Language = Literal["nl", "en"]
"""The language a person reads the product and its e-mails in."""

__all__ = ["BOUNDED_CONTEXTS", "BoundedContext", "Language"]
