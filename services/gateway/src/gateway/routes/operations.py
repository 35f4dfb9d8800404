"""Health, readiness, metrics and the AsyncAPI document."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from contracts.asyncapi import build_asyncapi
from contracts.commands.health import Readiness, readiness_subject
from litestar import Controller, MediaType, Response, get, head
from litestar.di import NamedDependency
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from gateway import bus_state
from gateway.auth import Authentication
from gateway.bus import Bus
from gateway.settings import GatewaySettings

PROMETHEUS_TEXT = "text/plain; version=0.0.4"  # Litestar adds "; charset=utf-8"


class OperationsController(Controller):
    """/health, /ready, /metrics, /asyncapi.json."""

    tags = ["operations"]

    @get("/health", operation_id="health", summary="Liveness: 200 while the process lives")
    async def health(self) -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @head(
        "/health",
        operation_id="healthHead",
        summary="Liveness without a body",
        include_in_schema=False,
    )
    async def health_head(self) -> None:
        """Monitors that ask with HEAD get the same 200."""

    @get(
        "/ready",
        operation_id="ready",
        summary="Readiness: 200 when NATS, every service's store and the revocation list "
        "answer, else 503",
    )
    async def ready(
        self,
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
        authentication: NamedDependency[Authentication],
    ) -> Response[dict[str, Any]]:
        """Ask every service whether it is ready; report each check."""
        answers = await asyncio.gather(
            *(_readiness(bus, context) for context in settings.service_contexts)
        )
        services = {
            context: answer
            for context, answer in zip(settings.service_contexts, answers, strict=True)
        }
        # Until the revocation list is read, no access token can be judged.
        revocations = authentication.revoked.synced
        ready = bus.connected and revocations and all(a["ready"] for a in services.values())
        body = {
            "status": "ready" if ready else "not ready",
            "nats": bus.connected,
            "revocation_list": revocations,
            "services": services,
        }
        return Response(
            body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"}
        )

    @get(
        "/metrics",
        operation_id="metrics",
        summary="Prometheus metrics of the gateway and every service",
    )
    async def metrics(
        self, bus: NamedDependency[Bus], settings: NamedDependency[GatewaySettings]
    ) -> Response[bytes]:
        """The gateway's own metrics plus each service's, labelled with the service."""
        if bus.connected:
            # Platform-wide figures: every stream's consumers' lag and the dead letters.
            with contextlib.suppress(Exception):
                await bus_state.streams(bus.client)
                await bus_state.dead_letters(bus.client, limit=0)
        texts = await asyncio.gather(
            *(bus.request_raw(f"qry.{context}.metrics") for context in settings.service_contexts)
        )
        merged = _merge(
            generate_latest(REGISTRY).decode(),
            {c: t.decode() for c, t in zip(settings.service_contexts, texts, strict=True) if t},
        )
        return Response(merged.encode(), media_type=PROMETHEUS_TEXT)

    @get(
        "/asyncapi.json",
        operation_id="asyncapi",
        summary="The AsyncAPI 3.0 document of the event bus",
        media_type=MediaType.JSON,
    )
    async def asyncapi(self, settings: NamedDependency[GatewaySettings]) -> dict[str, Any]:
        """Generated from the contracts package, the same code the services publish with."""
        return build_asyncapi(
            settings.nats_servers[0] if settings.nats_servers else "nats://127.0.0.1:4222"
        )


async def _readiness(bus: NamedDependency[Bus], context: str) -> dict[str, Any]:
    raw = await bus.request_raw(readiness_subject(context), timeout=2.0)  # type: ignore[arg-type]
    if raw is None:
        return {"ready": False, "checks": {"answers": False}}
    try:
        readiness = Readiness.model_validate_json(raw)
    except ValidationError:
        return {"ready": False, "checks": {"answers": False}}
    return {"ready": readiness.ready, "checks": readiness.checks}


def _merge(own: str, services: dict[str, str]) -> str:
    """One exposition: families with the same name merged, each sample labelled by service."""
    families: dict[str, tuple[str, str, list[str]]] = {}
    for service, text in [("gateway", own), *services.items()]:
        for family in text_string_to_metric_families(text):
            _doc, _kind, samples = families.setdefault(
                family.name, (family.documentation, family.type, [])
            )
            for sample in family.samples:
                labels = {**sample.labels, "service": service}
                label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
                samples.append(f"{sample.name}{{{label_text}}} {_number(sample.value)}")
    lines: list[str] = []
    for name, (doc, kind, samples) in families.items():
        lines += [f"# HELP {name} {doc}", f"# TYPE {name} {kind}", *samples]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    if value == float("-inf"):
        return "-Inf"
    return repr(float(value))
