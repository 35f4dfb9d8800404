"""The CloudEvents 1.0 envelope every integration event travels in."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from contracts.catalogue import UnknownEventType, model_for
from contracts.events.base import IntegrationEvent


def _canonical_uuid(value: str) -> str:
    return str(UUID(value))


EventId = Annotated[
    str, AfterValidator(_canonical_uuid), Field(json_schema_extra={"format": "uuid"})
]


class Envelope(BaseModel):
    """One integration event on the bus: CloudEvents attributes, tenancy and ordering."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: EventId = Field(description="The event id; also the Nats-Msg-Id for deduplication.")
    source: str = Field(description="The producing service, e.g. /services/identity.")
    type: str = Field(description="The event type, e.g. UserRegistered.")
    specversion: Literal["1.0"] = Field(default="1.0", description="CloudEvents version.")
    time: AwareDatetime = Field(description="When the fact happened.")
    subject: str | None = Field(default=None, description="The id of the aggregate it is about.")
    datacontenttype: Literal["application/json"] = Field(
        default="application/json", description="The media type of `data`."
    )
    dataversion: int = Field(ge=1, description="The contract version `data` follows.")
    data: dict[str, Any] = Field(description="The event, as its versioned contract says.")
    environmentid: str | None = Field(default=None, description="The tenant it belongs to.")
    organisationid: str | None = Field(default=None, description="The organisation concerned.")
    sequence: int | None = Field(
        default=None, ge=1, description="The aggregate version, for per-aggregate ordering."
    )
    correlationid: str | None = Field(
        default=None, description="The request that started the chain this event belongs to."
    )
    causationid: str | None = Field(
        default=None, description="The event or command that caused it."
    )

    @classmethod
    def wrap(
        cls,
        event: IntegrationEvent,
        *,
        id: UUID | str,
        source: str,
        time: datetime,
        subject: UUID | str | None,
        sequence: int | None,
        correlation_id: str | None,
        causation_id: str | None = None,
        environment_id: UUID | str | None = None,
        organisation_id: UUID | str | None = None,
    ) -> "Envelope":
        """Put an event in its envelope, ready to publish."""
        return cls(
            id=str(id),
            source=source,
            type=event.event_type,
            time=time,
            subject=_text(subject),
            dataversion=event.version,
            data=event.model_dump(mode="json"),
            environmentid=_text(environment_id),
            organisationid=_text(organisation_id),
            sequence=sequence,
            correlationid=correlation_id,
            causationid=causation_id,
        )

    def open(self) -> IntegrationEvent:
        """The event inside, validated against its contract."""
        return parse_event(self)

    def to_json(self) -> bytes:
        """The bytes to publish."""
        return self.__pydantic_serializer__.to_json(self)

    @classmethod
    def from_json(cls, raw: bytes | str) -> "Envelope":
        """The envelope in bytes received from the bus."""
        return cls.model_validate_json(raw)


def _text(value: UUID | str | None) -> str | None:
    return None if value is None else str(value)


def parse_event(envelope: Envelope) -> IntegrationEvent:
    """The event in an envelope; `UnknownEventType` when no contract matches its type/version."""
    return model_for(envelope.type, envelope.dataversion).model_validate(envelope.data)


__all__ = ["Envelope", "EventId", "UnknownEventType", "parse_event"]
