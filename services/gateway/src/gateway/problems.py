"""RFC 9457 problem details for every error the gateway answers."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import structlog
from contracts.commands.base import ProblemReply
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(HTTPException):
    """An error the gateway answers as problem+json, with a type URN naming the kind."""

    def __init__(
        self,
        status: int,
        type_: str,
        title: str,
        detail: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=detail or title, headers=headers)
        self.type_ = type_
        self.title = title
        self.problem_detail = detail
        self.errors = errors or []

    @classmethod
    def from_reply(cls, reply: ProblemReply) -> Problem:
        """A service's refusal, as the gateway answers it."""
        headers = None
        if reply.retry_after_seconds is not None:
            headers = {"Retry-After": str(reply.retry_after_seconds)}
        return cls(
            reply.status,
            reply.type,
            reply.title,
            reply.detail,
            [error.model_dump(exclude_none=True) for error in reply.errors],
            headers=headers,
        )


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    type_: str,
    title: str,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    """The problem+json response for one error."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.url.path
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _type_for(status: int) -> str:
    phrase = (
        HTTPStatus(status).phrase.lower().replace(" ", "-")
        if status in HTTPStatus._value2member_map_
        else "error"
    )
    return f"urn:problem:{phrase}"


def handle_problem(request: Request[Any, Any, Any], exc: Problem) -> Response[dict[str, Any]]:
    """Answer a Problem."""
    return problem_response(
        request, exc.status_code, exc.type_, exc.title, exc.problem_detail, exc.errors, exc.headers
    )


def handle_validation(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Body or parameter validation: 422 with one entry per field (400 for unreadable JSON)."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    if _no_body(request) and any(_about_the_body(item) for item in extra):
        return problem_response(
            request,
            400,
            "urn:problem:malformed-body",
            "The request body cannot be read",
            "The request has no body. Send a JSON object with Content-Type: application/json.",
        )
    items = [item for item in extra if isinstance(item, dict)]
    if any(not item.get("key") and item.get("source") in (None, "body") for item in items):
        # The body as a whole is the wrong kind (a list, a string, null), not a field of it.
        return problem_response(
            request,
            400,
            "urn:problem:malformed-body",
            "The request body cannot be read",
            "The body is JSON but not an object. Send a JSON object with Content-Type: "
            "application/json.",
        )
    errors = [{"field": _field_of(item), "message": _message_of(item)} for item in items]
    if not errors:
        return problem_response(
            request,
            400,
            "urn:problem:malformed-body",
            "The request body cannot be read",
            f"{exc.detail}. Send a JSON object with Content-Type: application/json.",
        )
    return problem_response(
        request,
        422,
        "urn:problem:invalid-request",
        "The request is not valid",
        f"{len(errors)} field(s) need attention",
        errors,
    )


def _field_of(item: dict[str, Any]) -> str | None:
    """The field as the caller wrote it: a header by its own name (Idempotency-Key)."""
    key = item.get("key") or item.get("source") or None
    if key and item.get("source") == "header":
        return "-".join(part.capitalize() for part in str(key).split("_"))
    return key


def _message_of(item: dict[str, Any]) -> str:
    """The message, with a parameter's length limit said in words."""
    message = str(item.get("message", ""))
    longest = _TOO_LONG.fullmatch(message)
    return f"at most {longest['limit']} characters" if longest else message


_TOO_LONG = re.compile(r"Expected `str` of length <= (?P<limit>\d+)")


def _no_body(request: Request[Any, Any, Any]) -> bool:
    """The request carries no body at all (none announced, or an announced length of 0)."""
    headers = request.headers
    return "transfer-encoding" not in headers and headers.get("content-length", "0") == "0"


def _about_the_body(item: object) -> bool:
    """A validation error about the route's body (its `data`), not a parameter."""
    return isinstance(item, dict) and item.get("source") == "body"


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Any other HTTP error (404, 405, 413, 415, ...), worded for a person."""
    status = exc.status_code
    if status == 400:
        # Litestar's 400s come from bodies it could not decode (malformed JSON, bad form).
        return problem_response(
            request,
            400,
            "urn:problem:malformed-body",
            "The request body cannot be read",
            f"{exc.detail}. Send a JSON object with Content-Type: application/json.",
        )
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    detail = exc.detail or title
    if status == 413:
        detail = (
            "The body is larger than this route takes: 64 KiB for JSON, 5 MB for a photo, "
            "10 MB for an invoice document."
        )
    return problem_response(request, status, _type_for(status), title, detail, headers=exc.headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """A bug: log it in full, tell the client only that it happened."""
    log.exception("unhandled error", path=request.url.path)
    return problem_response(
        request,
        500,
        "urn:problem:internal-error",
        "Something went wrong on our side",
        "The request could not be completed. Nothing you sent was lost; please try again.",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    Problem: handle_problem,
    ValidationException: handle_validation,
    HTTPException: handle_http,
    Exception: handle_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "Problem", "problem_response"]
