"""Without a collector configured, tracing is off: nothing is recorded, nothing is sent."""

from __future__ import annotations

from servicekit import tracing


def test_without_an_endpoint_no_span_records_and_no_header_is_added() -> None:
    assert tracing.configure_tracing("test", "") is False
    with tracing.span("work") as span:
        assert not span.is_recording()
        tracing.remember(("test", 1))
        assert tracing.recall(("test", 1)) is None
        assert tracing.inject({}) == {}


def test_an_incoming_trace_context_is_continued_even_when_off() -> None:
    # A caller's traceparent passes through a service that does not record: the trace stays one.
    parent = tracing.extract(
        {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    )
    with tracing.span("work", parent=parent):
        headers = tracing.inject({})
    assert headers["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
