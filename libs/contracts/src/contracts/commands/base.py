"""Request/reply contracts between the gateway and the services on core NATS."""

from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Reply(BaseModel):
    """What a service answers when it carried out a command or query."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Command(BaseModel):
    """A request to one service on `cmd.<context>.<verb>` or `qry.<context>.<what>`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: ClassVar[str]
    reply_model: ClassVar[type[Reply]]


class Violation(BaseModel):
    """One broken rule: where, which rule, and what to do about it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str | None = Field(
        default=None, description="Dotted path of the offending field, or null for the whole."
    )
    rule: str | None = Field(default=None, description="The id of the rule that was broken.")
    message: str = Field(description="What is wrong and how to fix it, for a person.")
    severity: str | None = Field(
        default=None, description="For business rules: `fatal` or `warning`; else null."
    )
    location: str | None = Field(
        default=None, description="For documents: the XPath of the offending node; else null."
    )


class ProblemReply(BaseModel):
    """A service's refusal as data; the gateway answers it as application/problem+json."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(description="A URN naming the kind of problem, e.g. urn:problem:...")
    title: str = Field(description="A short, stable summary of the kind of problem.")
    status: int = Field(ge=400, le=599, description="The HTTP status the gateway answers with.")
    detail: str | None = Field(default=None, description="What went wrong in this case.")
    errors: list[Violation] = Field(
        default_factory=list, description="Each broken rule, when there are several."
    )
    retry_after_seconds: int | None = Field(
        default=None,
        ge=1,
        description="When to try again (the gateway answers it as Retry-After), or null.",
    )


@dataclass(frozen=True)
class ProblemType:
    """A kind of refusal a service can answer with, so every service words it the same."""

    type: str
    title: str
    status: int

    def reply(
        self,
        detail: str | None = None,
        errors: list[Violation] | None = None,
        retry_after_seconds: int | None = None,
    ) -> ProblemReply:
        """The refusal of one request, with what went wrong this time."""
        return ProblemReply(
            type=self.type,
            title=self.title,
            status=self.status,
            detail=detail,
            errors=errors or [],
            retry_after_seconds=retry_after_seconds,
        )


INVALID_REQUEST = ProblemType("urn:problem:invalid-request", "The request is not valid", 422)
SERVICE_UNAVAILABLE = ProblemType(
    "urn:problem:service-unavailable", "The service cannot answer right now", 503
)
INTERNAL_ERROR = ProblemType("urn:problem:internal-error", "Something went wrong on our side", 500)


def invalid_request(error: ValidationError) -> ProblemReply:
    """The refusal of a command that did not match its contract, one violation per field."""
    violations = [
        Violation(
            field=".".join(str(part) for part in item["loc"]) or None,
            rule=item["type"],
            message=item["msg"],
        )
        for item in error.errors(include_url=False)
    ]
    return INVALID_REQUEST.reply(
        f"{len(violations)} field(s) do not match the contract", violations
    )


__all__ = [
    "INTERNAL_ERROR",
    "INVALID_REQUEST",
    "SERVICE_UNAVAILABLE",
    "Command",
    "ProblemReply",
    "ProblemType",
    "Reply",
    "Violation",
    "invalid_request",
]
