"""Everything the operators' dashboard shows, gathered at once (each part may fail alone)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from contracts.commands.health import Readiness, readiness_subject
from contracts.commands.notifications import (
    NotificationPage,
    NotificationRecord,
    SearchNotifications,
)
from contracts.commands.organisations import (
    ListPendingActivations,
    Operator,
    Organisation,
    PendingActivations,
)
from pydantic import ValidationError
from servicekit.readmodels import RebuildStatus, read_models_subject

from gateway import bus_state
from gateway.bus import Bus
from gateway.problems import Problem
from gateway.settings import GatewaySettings

RECENT_FAILURES = 10


@dataclass
class ServiceHealth:
    """One service's readiness and its checks."""

    name: str
    ready: bool
    checks: dict[str, bool]


@dataclass
class ReadModelRow:
    """A read model a service can rebuild, with its last rebuild."""

    context: str
    status: RebuildStatus


@dataclass
class Overview:
    """The dashboard's content; `problems` says which parts could not be read."""

    nats: bool
    services: list[ServiceHealth] = field(default_factory=list)
    streams: list[bus_state.StreamState] = field(default_factory=list)
    dead_letter_count: int = 0
    dead_letters: list[bus_state.DeadLetter] = field(default_factory=list)
    pending: list[Organisation] = field(default_factory=list)
    failures: list[NotificationRecord] = field(default_factory=list)
    read_models: list[ReadModelRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Every service ready, NATS connected, nothing dead-lettered."""
        return self.nats and all(s.ready for s in self.services) and not self.dead_letter_count


async def gather(bus: Bus, settings: GatewaySettings, operator: Operator) -> Overview:
    """Ask NATS and every service; a part that fails is named in `problems`, not raised."""
    overview = Overview(nats=bus.connected)
    overview.services = list(
        await asyncio.gather(*(_health(bus, c) for c in settings.service_contexts))
    )
    if not bus.connected:
        overview.problems.append("NATS is not reachable: streams and services are unknown.")
        return overview
    parts = await asyncio.gather(
        bus_state.streams(bus.client),
        bus_state.dead_letters(bus.client),
        bus.call(ListPendingActivations(operator=operator), PendingActivations, timeout=2.0),
        bus.call(
            SearchNotifications(operator=operator, outcome="failed", per_page=RECENT_FAILURES),
            NotificationPage,
            timeout=2.0,
        ),
        read_models(bus, settings),
        return_exceptions=True,
    )
    streams, letters, pending, failures, models = parts
    if isinstance(streams, BaseException):
        overview.problems.append(f"streams: {_say(streams)}")
    else:
        overview.streams = streams
    if isinstance(letters, BaseException):
        overview.problems.append(f"dead letters: {_say(letters)}")
    else:
        overview.dead_letter_count, overview.dead_letters = letters
    if isinstance(pending, BaseException):
        overview.problems.append(f"activations: {_say(pending)}")
    else:
        overview.pending = pending.organisations
    if isinstance(failures, BaseException):
        overview.problems.append(f"failed mails: {_say(failures)}")
    else:
        overview.failures = failures.notifications
    if isinstance(models, BaseException):
        overview.problems.append(f"read models: {_say(models)}")
    else:
        overview.read_models = models
    return overview


async def read_models(bus: Bus, settings: GatewaySettings) -> list[ReadModelRow]:
    """Every service's rebuildable read models with their last rebuild."""
    answers = await asyncio.gather(
        *(bus.request_raw(read_models_subject(c), timeout=2.0) for c in settings.service_contexts)
    )
    rows = []
    for context, raw in zip(settings.service_contexts, answers, strict=True):
        if not raw:
            continue  # a service without read models to rebuild does not answer
        for item in json.loads(raw):
            rows.append(ReadModelRow(context, RebuildStatus.model_validate(item)))
    return rows


async def _health(bus: Bus, context: str) -> ServiceHealth:
    raw = await bus.request_raw(readiness_subject(context), timeout=2.0)  # type: ignore[arg-type]
    if raw is None:
        return ServiceHealth(context, False, {"answers": False})
    try:
        readiness = Readiness.model_validate_json(raw)
    except ValidationError:
        return ServiceHealth(context, False, {"answers": False})
    return ServiceHealth(context, readiness.ready, dict(readiness.checks))


def _say(error: BaseException) -> str:
    if isinstance(error, Problem):
        return error.problem_detail or error.title
    return repr(error)[:200]


def as_json(value: Any) -> Any:
    """Dataclasses and models of the overview as plain JSON values."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        return {name: as_json(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value
