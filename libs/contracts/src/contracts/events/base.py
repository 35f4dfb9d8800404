"""The base every public integration event builds on."""

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from contracts.vocabulary import BOUNDED_CONTEXTS, BoundedContext

EVENT_SUBJECT_PREFIX = "events"
"""Every integration event travels on `events.<context>.<EventType>` in the stream EVENTS."""

_PAST_TENSE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]+$")


class IntegrationEvent(BaseModel):
    """A fact one bounded context publishes for the others; the `data` of an envelope."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    version: ClassVar[int]
    context: ClassVar[BoundedContext]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Fail at import time, not on the bus, when an event class is declared incompletely.
        super().__pydantic_init_subclass__(**kwargs)
        missing = [name for name in ("event_type", "version", "context") if not hasattr(cls, name)]
        if missing:
            raise TypeError(f"{cls.__name__} must declare the ClassVars {', '.join(missing)}")
        if not _PAST_TENSE_NAME.match(cls.event_type):
            raise TypeError(f"{cls.__name__}.event_type must be a PascalCase name")
        if cls.version < 1:
            raise TypeError(f"{cls.__name__}.version must be 1 or more")
        if cls.context not in BOUNDED_CONTEXTS:
            raise TypeError(f"{cls.__name__}.context must be one of {BOUNDED_CONTEXTS}")

    @classmethod
    def nats_subject(cls) -> str:
        """The NATS subject this event is published on, e.g. `events.identity.UserRegistered`."""
        return f"{EVENT_SUBJECT_PREFIX}.{cls.context}.{cls.event_type}"


__all__ = ["EVENT_SUBJECT_PREFIX", "IntegrationEvent"]
