"""The readiness query every service answers, so the gateway and ops can see who is up."""

from typing import ClassVar

from pydantic import Field

from contracts.commands.base import Command, Reply
from contracts.vocabulary import BOUNDED_CONTEXTS, BoundedContext

READINESS_SUBJECT_TEMPLATE = "qry.{context}.ready"


def readiness_subject(context: BoundedContext) -> str:
    """The subject a service answers readiness on, e.g. `qry.identity.ready`."""
    if context not in BOUNDED_CONTEXTS:
        raise ValueError(f"unknown bounded context {context!r}; expected one of {BOUNDED_CONTEXTS}")
    return READINESS_SUBJECT_TEMPLATE.format(context=context)


class Readiness(Reply):
    """Whether a service can do its work now, and which of its dependencies say so."""

    service: str = Field(description="The service answering, e.g. identity.")
    ready: bool = Field(description="True when every check passed.")
    checks: dict[str, bool] = Field(
        default_factory=dict,
        description="Each dependency checked (nats, database, ...) and its state.",
    )


class ReadinessQuery(Command):
    """Ask one service whether it is ready; send it to `readiness_subject(context)`."""

    subject: ClassVar[str] = READINESS_SUBJECT_TEMPLATE
    reply_model: ClassVar[type[Reply]] = Readiness


__all__ = ["READINESS_SUBJECT_TEMPLATE", "Readiness", "ReadinessQuery", "readiness_subject"]
