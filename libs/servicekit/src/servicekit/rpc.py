"""Request/reply between the gateway and the services on core NATS.

Subjects are `cmd.<context>.<verb>` and `qry.<context>.<what>`; each service answers in a
queue group named after its context, so replicas share the work. A reply is either a result or
a problem (a refusal the gateway turns into problem+json). The client side names what went
wrong in transport: nobody answering is `ServiceUnavailable` (503), no answer in time is
`ServiceTimeout` (504).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from contracts.commands.base import (
    INTERNAL_ERROR,
    SERVICE_UNAVAILABLE,
    Command,
    ProblemReply,
    Reply,
    invalid_request,
)
from contracts.commands.wire import ok_reply, parse_reply, problem_reply
from faststream.message import StreamMessage
from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage
from nats.aio.client import Client
from nats.errors import ConnectionClosedError, NoRespondersError, OutboundBufferLimitError
from nats.errors import TimeoutError as NatsTimeoutError
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from servicekit import metrics, tracing
from servicekit.database import store_unreachable
from servicekit.logs import CORRELATION_HEADER, correlation_scope, current_correlation_id

log = structlog.get_logger(__name__)

C = TypeVar("C", bound=Command)
R = TypeVar("R", bound=Reply)


class Refused(Exception):
    """A service's reasoned refusal of a command, carried back to the caller as a problem."""

    def __init__(self, problem: ProblemReply) -> None:
        super().__init__(problem.detail or problem.title)
        self.problem = problem


class ServiceUnavailable(Exception):
    """No service answers on the subject (not running, or NATS is down)."""


class ServiceTimeout(Exception):
    """The service did not answer in time."""


def serve(
    broker: NatsBroker,
    request_model: type[C],
    handler: Callable[[C], Awaitable[Reply]],
    *,
    queue: str,
    subject: str | None = None,
    max_workers: int = 32,
) -> None:
    """Answer `request_model.subject` with `handler`; bad requests and refusals become problems."""
    address = subject or request_model.subject

    # Several requests in flight at once, so their writes can share one commit.
    @broker.subscriber(
        address, queue=queue, title=address, max_workers=max_workers, decoder=_undecoded
    )
    async def answer(body: bytes) -> bytes:
        # The message from faststream's context, not as an injected `NatsMessage` argument:
        # the injection resolves that synchronously on a worker thread, a thread hand-off per
        # request (measured: a tenth of a busy invoicing event loop's Python time).
        message: NatsMessage = broker.context.get_local("message")
        started = time.perf_counter()
        headers = message.headers or {}
        with (
            correlation_scope(headers.get(CORRELATION_HEADER)),
            tracing.span(address, kind=SpanKind.SERVER, parent=tracing.extract(headers)),
        ):
            outcome = "ok"
            try:
                request = request_model.model_validate_json(body)
                reply = ok_reply(await handler(request))
            except ValidationError as error:
                outcome = "invalid"
                reply = problem_reply(invalid_request(error))
            except Refused as refusal:
                outcome = "refused"
                reply = problem_reply(refusal.problem)
            except Exception as error:
                if store_unreachable(error):
                    # An outage, not a bug: the caller may retry, and /ready says the same.
                    outcome = "unavailable"
                    log.warning("store unreachable", subject=address, error=repr(error))
                    reply = problem_reply(STORE_UNREACHABLE)
                    metrics.COMMAND_LATENCY.labels(address, outcome).observe(
                        time.perf_counter() - started
                    )
                    return reply
                outcome = "error"
                log.exception("command failed", subject=address)
                reply = problem_reply(
                    INTERNAL_ERROR.reply("The service could not complete the request.")
                )
            metrics.COMMAND_LATENCY.labels(address, outcome).observe(time.perf_counter() - started)
            return reply


async def _undecoded(message: StreamMessage[Any]) -> bytes:
    """The request's bytes as they came: `answer` reads them with the command's own model
    (faststream's default decoder parses a body without a content type as JSON first, for
    nothing)."""
    return message.body


STORE_UNREACHABLE = SERVICE_UNAVAILABLE.reply(
    "The service's database cannot be reached right now; try again in a few seconds.",
    retry_after_seconds=5,
)


class RpcClient:
    """The gateway's side: send a command, get a result or a refusal."""

    def __init__(self, nc: Client, default_timeout: float = 5.0) -> None:
        self._nc = nc
        self._timeout = default_timeout

    async def call(
        self, command: Command, result_model: type[R], timeout: float | None = None
    ) -> R:
        """The command's result; raises Refused, ServiceUnavailable or ServiceTimeout."""
        headers: dict[str, str] = {}
        correlation_id = current_correlation_id()
        if correlation_id:
            headers[CORRELATION_HEADER] = correlation_id
        try:
            with tracing.span(command.subject, kind=SpanKind.CLIENT):
                response = await self._nc.request(
                    command.subject,
                    command.model_dump_json().encode(),
                    timeout=timeout or self._timeout,
                    headers=tracing.inject(headers),
                )
        except NoRespondersError as error:
            raise ServiceUnavailable(f"no service answers {command.subject}") from error
        except (ConnectionClosedError, OutboundBufferLimitError) as error:
            raise ServiceUnavailable("the message bus is not reachable") from error
        except NatsTimeoutError as error:
            if not self._nc.is_connected:
                raise ServiceUnavailable("the message bus is not reachable") from error
            raise ServiceTimeout(f"no answer on {command.subject} in time") from error
        result = parse_reply(response.data, result_model)
        if isinstance(result, ProblemReply):
            raise Refused(result)
        return result
