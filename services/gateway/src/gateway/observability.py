"""Correlation ids, Prometheus metrics and the trace of every HTTP request."""

from __future__ import annotations

import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Histogram
from servicekit import tracing
from servicekit.logs import CORRELATION_HEADER, correlation_scope

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

_HEADER = CORRELATION_HEADER.lower().encode()
_TRACE_HEADERS = (b"traceparent", b"tracestate")

# The labelled children, found once per (method, route, status): `labels()` takes a lock and
# checks its arguments on every call. Routes are templates, so the set stays small.
_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def correlation_and_metrics(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: bind the request's correlation id, echo it, and record the request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await app(scope, receive, send)
            return
        supplied = None
        carried: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name == _HEADER:
                supplied = value.decode("latin-1")[:128]
            elif name in _TRACE_HEADERS:
                carried[name.decode()] = value.decode("latin-1")[:512]
        started = time.perf_counter()
        status = 500
        method = str(scope.get("method", ""))
        with (
            correlation_scope(supplied) as correlation_id,
            tracing.span(
                f"HTTP {method}", kind=SpanKind.SERVER, parent=tracing.extract(carried)
            ) as span,
        ):
            echoed = (_HEADER, correlation_id.encode())

            async def send_with_header(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message = {**message, "headers": [*message.get("headers", ()), echoed]}
                await send(message)

            try:
                await app(scope, receive, send_with_header)
            finally:
                route = _route_of(scope)
                _record(method, route, status, started)
                if span.is_recording():
                    span.update_name(f"HTTP {method} {route}")
                    span.set_attribute("http.route", route)
                    span.set_attribute("http.response.status_code", status)
                    span.set_attribute("correlation_id", correlation_id)

    return middleware


def _record(method: str, route: str, status: int, started: float) -> None:
    key = (method, route, str(status))
    children = _children.get(key)
    if children is None:
        children = _children[key] = (
            HTTP_REQUESTS.labels(*key),
            HTTP_LATENCY.labels(method, route),
        )
    children[0].inc()
    children[1].observe(time.perf_counter() - started)


def _route_of(scope: Scope) -> str:
    # The route template, not the raw path, so ids do not explode the label set.
    template = scope.get("path_template")
    return str(template) if template else "unmatched"
