"""Correlation ids and Prometheus metrics for every HTTP request."""

from __future__ import annotations

import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter, Histogram
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


def correlation_and_metrics(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: bind the request's correlation id, echo it, and record the request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", [])).get(_HEADER)
        supplied = incoming.decode("latin-1")[:128] if incoming else None
        started = time.perf_counter()
        status = {"code": 500}
        with correlation_scope(supplied) as correlation_id:

            async def send_with_header(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                    headers = list(message.get("headers", []))
                    headers.append((_HEADER, correlation_id.encode()))
                    message = {**message, "headers": headers}
                await send(message)

            try:
                await app(scope, receive, send_with_header)
            finally:
                route = _route_of(scope)
                method = str(scope.get("method", ""))
                HTTP_REQUESTS.labels(method, route, str(status["code"])).inc()
                HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)

    return middleware


def _route_of(scope: Scope) -> str:
    # The route template, not the raw path, so ids do not explode the label set.
    template = scope.get("path_template")
    return str(template) if template else "unmatched"
