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
from contracts.commands.caller import Caller
from contracts.commands.health import Readiness, ReadinessQuery, readiness_subject
from contracts.commands.identity import (
    EmailVerifiedReply,
    RegisterUser,
    RegistrationAccepted,
    VerifyEmail,
)
from contracts.commands.password_reset import (
    ConfirmPasswordReset,
    PasswordResetAccepted,
    PasswordResetConfirmed,
    RequestPasswordReset,
)
from contracts.commands.profile import EmailPreferences, GetProfile, Profile, Roles
from contracts.commands.sessions import (
    EndSession,
    Login,
    ReceivingPrompt,
    RefreshSession,
    SessionEnded,
    SessionStarted,
    TokenPair,
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
    "Caller",
    "Command",
    "ConfirmPasswordReset",
    "EmailPreferences",
    "EmailVerifiedReply",
    "EndSession",
    "GetProfile",
    "Login",
    "MalformedReply",
    "PasswordResetAccepted",
    "PasswordResetConfirmed",
    "ProblemReply",
    "ProblemType",
    "Profile",
    "Readiness",
    "ReadinessQuery",
    "ReceivingPrompt",
    "RefreshSession",
    "RefusedReply",
    "RegisterUser",
    "RegistrationAccepted",
    "Reply",
    "RequestPasswordReset",
    "ResultReply",
    "Roles",
    "SessionEnded",
    "SessionStarted",
    "TokenPair",
    "VerifyEmail",
    "Violation",
    "invalid_request",
    "ok_reply",
    "parse_reply",
    "problem_reply",
    "readiness_subject",
]
