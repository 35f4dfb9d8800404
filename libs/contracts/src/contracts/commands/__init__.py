"""Request/reply contracts on `cmd.<context>.<verb>` and `qry.<context>.<what>`."""

from contracts.commands.base import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    SERVICE_UNAVAILABLE,
    Command,
    ProblemReply,
    ProblemType,
    Reply,
    Violation,
    invalid_request,
)
from contracts.commands.health import Readiness, ReadinessQuery, readiness_subject
from contracts.commands.identity import (
    EmailVerifiedReply,
    RegisterUser,
    RegistrationAccepted,
    VerifyEmail,
)
from contracts.commands.wire import (
    MalformedReply,
    RefusedReply,
    ResultReply,
    ok_reply,
    parse_reply,
    problem_reply,
)

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_REQUEST",
    "SERVICE_UNAVAILABLE",
    "Command",
    "EmailVerifiedReply",
    "MalformedReply",
    "ProblemReply",
    "ProblemType",
    "Readiness",
    "ReadinessQuery",
    "RefusedReply",
    "RegisterUser",
    "RegistrationAccepted",
    "Reply",
    "ResultReply",
    "VerifyEmail",
    "Violation",
    "invalid_request",
    "ok_reply",
    "parse_reply",
    "problem_reply",
    "readiness_subject",
]
