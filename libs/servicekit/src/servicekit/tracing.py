"""OpenTelemetry tracing: one trace from the HTTP request through NATS into every consumer.

Off by default: without `OTEL_EXPORTER_OTLP_ENDPOINT` no provider is installed and every span
is the API's no-op (nothing is recorded or sent). With it, spans go to that OTLP/HTTP collector
in batches (the SDK's `OTEL_BSP_*` variables tune the batching).

The trace context travels as W3C `traceparent` headers on NATS messages: requests to services,
and events the relay publishes. A stored event is published later, by the relay, from the
outbox, so the context of the work that saved it is remembered in memory by notification id
(`remember` / `recall`) until the relay publishes it; the same for a mail the notifications
service sends later. After a restart the backlog is published without its trace (tracing is
best effort; correlation ids are durable).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

_provider: Any = None
_REMEMBERED_MAX = 50_000
_remembered: OrderedDict[Any, otel_context.Context] = OrderedDict()


def configure_tracing(service: str, otlp_endpoint: str) -> bool:
    """Export this process's spans to `otlp_endpoint` (OTLP/HTTP); no endpoint: tracing off."""
    global _provider
    if not otlp_endpoint or _provider is not None:
        return _provider is not None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    endpoint = otlp_endpoint.rstrip("/")
    if not endpoint.endswith("/v1/traces"):
        endpoint += "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _provider = provider
    return True


def shutdown_tracing() -> None:
    """Send the spans still waiting in the batch (on a clean stop)."""
    if _provider is not None:
        _provider.shutdown()


def tracer() -> trace.Tracer:
    """The platform's tracer (a no-op one while tracing is off)."""
    return trace.get_tracer("einvoice")


# While tracing is off and there is no trace to pass on, spans and extraction skip the
# OpenTelemetry API: its no-op path still looks the tracer up, parses headers and attaches a
# context, for every message consumed and every mail sent (measured: ~4% of the notifications
# service's CPU per mail). A trace a caller started is still continued (see `extract`).
_NO_SPAN: AbstractContextManager[Span] = nullcontext(trace.INVALID_SPAN)
_NO_CONTEXT = otel_context.Context()
_TRACE_HEADER = "traceparent"


def inject(headers: dict[str, str]) -> dict[str, str]:
    """Add the current trace context (`traceparent`) to outgoing message headers."""
    propagate.inject(headers)
    return headers


def extract(headers: Mapping[str, str] | None) -> otel_context.Context:
    """The trace context an incoming message carries (an empty one when it carries none)."""
    if _provider is None and (not headers or _TRACE_HEADER not in headers):
        return _NO_CONTEXT
    return propagate.extract(dict(headers or {}))


def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: otel_context.Context | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> AbstractContextManager[Span]:
    """A span around a unit of work, child of `parent` (or of the current span)."""
    if _provider is None and _nothing_to_continue(parent):
        return _NO_SPAN
    return _recorded_span(name, kind, parent, attributes)


def _nothing_to_continue(parent: otel_context.Context | None) -> bool:
    if parent is not None and parent is not _NO_CONTEXT:
        return False
    return not trace.get_current_span().get_span_context().is_valid


@contextmanager
def _recorded_span(
    name: str,
    kind: SpanKind,
    parent: otel_context.Context | None,
    attributes: Mapping[str, Any] | None,
) -> Iterator[Span]:
    with tracer().start_as_current_span(
        name, context=parent, kind=kind, attributes=dict(attributes or {})
    ) as current:
        yield current


def remember(key: Any) -> None:
    """Keep the current trace context for work done later under `key` (e.g. publishing)."""
    if _provider is None:
        return
    _remembered[key] = otel_context.get_current()
    while len(_remembered) > _REMEMBERED_MAX:
        _remembered.popitem(last=False)


def recall(key: Any) -> otel_context.Context | None:
    """The trace context remembered under `key`, once (None when tracing is off or unknown)."""
    if _provider is None:
        return None
    return _remembered.pop(key, None)
