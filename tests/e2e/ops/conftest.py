"""Operations scenarios: one whole system, with a trace collector listening for its spans."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from devstack.stack import Stack
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.e2e.organisation.world import OPERATOR
from tests.e2e.system import new_stack


class TraceCollector:
    """A real OTLP/HTTP receiver (protobuf): what the processes export, as flat span dicts."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = ExportTraceServiceRequest.FromString(body)
                collector._take(request)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _take(self, request: ExportTraceServiceRequest) -> None:
        for resource_spans in request.resource_spans:
            service = next(
                (
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                ),
                "?",
            )
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    with self._lock:
                        self.spans.append(
                            {
                                "service": service,
                                "name": span.name,
                                "trace_id": span.trace_id.hex(),
                                "span_id": span.span_id.hex(),
                                "parent_id": span.parent_span_id.hex(),
                            }
                        )

    def in_trace(self, trace_id: str) -> list[dict[str, Any]]:
        """Every span of one trace received so far."""
        with self._lock:
            return [s for s in self.spans if s["trace_id"] == trace_id]

    def close(self) -> None:
        """Stop listening."""
        self._server.shutdown()


@pytest.fixture(scope="package")
def collector() -> Iterator[TraceCollector]:
    """The trace collector the system exports to."""
    receiver = TraceCollector()
    try:
        yield receiver
    finally:
        receiver.close()


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory, collector: TraceCollector) -> Iterator[Stack]:
    """Activations decided by operators; tracing on, exported to the collector at once."""
    stack = new_stack(
        tmp_path_factory.mktemp("ops-var"),
        {
            "GATEWAY_TRUSTED_PROXIES": "127.0.0.1",
            "ACTIVATION": "operator",
            "OPERATOR_TOKEN": OPERATOR,
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
    )
    stack.start()
    try:
        stack.wait_ready(timeout=60)
        yield stack
    finally:
        stack.stop()
