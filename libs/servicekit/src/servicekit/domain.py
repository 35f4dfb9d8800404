"""The aggregate base every service's domain uses: events carry the correlation id.

Pure: imports eventsourcing and the standard library only, so domain/ packages may use it
without depending on any infrastructure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from eventsourcing.domain import Aggregate

_correlation: ContextVar[str] = ContextVar("domain_correlation_id", default="")


@contextmanager
def caused_by(correlation_id: str | None) -> Iterator[None]:
    """Stamp every event recorded inside this block with the given correlation id."""
    token = _correlation.set(correlation_id or "")
    try:
        yield
    finally:
        _correlation.reset(token)


class CorrelatedAggregate(Aggregate):
    """An aggregate whose events remember which request caused them."""

    class Event(Aggregate.Event):
        correlation_id: str

    class Created(Aggregate.Created, Event):
        pass

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("correlation_id", _correlation.get())
        super().trigger_event(event_class, **kwargs)

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("correlation_id", _correlation.get())
        return super()._create(event_class, id=id, **kwargs)
