"""/ops/api: the bus (streams, consumers, lag), dead letters, read-model rebuilds."""

from __future__ import annotations

import json
from typing import Annotated, Any

from contracts.commands.organisations import Operator
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from servicekit.readmodels import RebuildRequest, RebuildStatus, rebuild_subject

from gateway import bus_state, ops_overview
from gateway.bus import Bus
from gateway.operators import OPERATOR_SECURITY, operator
from gateway.problems import Problem
from gateway.settings import GatewaySettings

DeadLetterNumber = Annotated[
    int, Parameter(ge=1, le=2**63 - 1, description="The dead letter's number.")
]


async def start_rebuild(
    bus: Bus, settings: GatewaySettings, context: str, model: str
) -> RebuildStatus:
    """Ask the service to rebuild its read model; 404 for an unknown service or model."""
    if context not in settings.service_contexts:
        raise _no_such_model(context, model)
    try:
        answer = await bus.client.request(
            rebuild_subject(context), RebuildRequest(model=model).model_dump_json().encode(), 5.0
        )
    except Problem:
        raise
    except Exception as error:
        raise Problem(
            503,
            "urn:problem:service-unavailable",
            "The service is not available right now",
            f"{context} does not answer rebuild requests. Nothing was changed.",
            headers={"Retry-After": "5"},
        ) from error
    body = json.loads(answer.data)
    if "state" not in body:  # the service names the models it has instead
        raise _no_such_model(context, model)
    return RebuildStatus.model_validate(body)


async def requeue_letter(bus: Bus, seq: int) -> bus_state.DeadLetter:
    """Requeue a dead letter; 404 when it is gone, 409 when it is not an event."""
    try:
        return await bus_state.requeue(bus.client, seq)
    except bus_state.DeadLetterGone as error:
        raise _letter_gone(seq) from error
    except bus_state.NotRequeueable as error:
        raise Problem(
            409,
            "urn:problem:ops:not-requeueable",
            "This dead letter cannot be requeued",
            f"It is not an event ({error}): a held mail is retried by the mailer by itself; "
            "discard it once it is dealt with.",
        ) from error


async def discard_letter(bus: Bus, seq: int) -> bus_state.DeadLetter:
    """Discard a dead letter; 404 when it is gone."""
    try:
        return await bus_state.discard(bus.client, seq)
    except bus_state.DeadLetterGone as error:
        raise _letter_gone(seq) from error


class OperatorBusController(Controller):
    """Streams, consumers and their lag; dead letters; read-model rebuilds (operator token)."""

    path = "/ops/api"
    tags = ["operations"]
    dependencies = {"operator": Provide(operator)}
    security = OPERATOR_SECURITY

    @get(
        "/overview",
        operation_id="opsOverview",
        summary="Everything the /ops dashboard shows, as JSON",
        description="Services and readiness, streams and durable consumers with their lag, "
        "dead letters (newest 50), activations waiting, recent failed mails, read models.",
    )
    async def overview(
        self,
        operator: NamedDependency[Operator],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> dict[str, Any]:
        """Gathered at once; parts that could not be read are named in `problems`."""
        result: dict[str, Any] = ops_overview.as_json(
            await ops_overview.gather(bus, settings, operator)
        )
        return result

    @post(
        "/dead-letters/{seq:int}/requeue",
        operation_id="requeueDeadLetter",
        status_code=200,
        summary="Publish a dead letter again on its original subject",
        description="Every consumer of that subject sees it again (those that applied it "
        "already ignore it); the dead letter is then deleted. 404 when it is gone, 409 for "
        "a dead letter that is not an event.",
    )
    async def requeue(
        self, seq: DeadLetterNumber, operator: NamedDependency[Operator], bus: NamedDependency[Bus]
    ) -> dict[str, Any]:
        """Requeue it."""
        letter = await requeue_letter(bus, seq)
        return {"requeued": ops_overview.as_json(letter)}

    @delete(
        "/dead-letters/{seq:int}",
        operation_id="discardDeadLetter",
        status_code=HTTP_204_NO_CONTENT,
        summary="Discard a dead letter",
    )
    async def discard(
        self, seq: DeadLetterNumber, operator: NamedDependency[Operator], bus: NamedDependency[Bus]
    ) -> None:
        """Delete it for good."""
        await discard_letter(bus, seq)

    @post(
        "/read-models/{context:str}/{model:str}/rebuild",
        operation_id="rebuildReadModel",
        status_code=HTTP_202_ACCEPTED,
        summary="Rebuild a service's read model from the event stream",
        description="Builds a copy from the EVENTS stream while the live model keeps "
        "serving, then swaps it in; GET /ops/api/overview shows its progress and whether the "
        "rebuilt model matched the live one.",
    )
    async def rebuild(
        self,
        context: str,
        model: str,
        operator: NamedDependency[Operator],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> RebuildStatus:
        """Start it (a rebuild already running is reported, not started twice)."""
        return await start_rebuild(bus, settings, context, model)


def _letter_gone(seq: int) -> Problem:
    return Problem(
        404,
        "urn:problem:not-found",
        "No such dead letter",
        f"Dead letter {seq} is not there (requeued or discarded already?).",
    )


def _no_such_model(context: str, model: str) -> Problem:
    return Problem(
        404,
        "urn:problem:not-found",
        "No such read model",
        f"{context} has no read model {model!r} to rebuild.",
    )
