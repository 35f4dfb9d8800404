"""A breaking change ships as a new version next to the old one, and both keep working."""

from datetime import UTC, datetime
from typing import ClassVar
from uuid import UUID

import pytest
from contracts.asyncapi import build_asyncapi
from contracts.catalogue import CATALOGUE
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.identity import UserRegistered
from contracts.vocabulary import BoundedContext
from pydantic import Field


class UserRegisteredV2(IntegrationEvent):
    """A person signed up (v2: the name is split in given and family name)."""

    event_type: ClassVar[str] = "UserRegistered"
    version: ClassVar[int] = 2
    context: ClassVar[BoundedContext] = "identity"

    user_id: UUID = Field(description="The id of the new user account.")
    given_name: str = Field(description="The user's given name.")
    family_name: str = Field(description="The user's family name.")


@pytest.fixture
def catalogue_with_v2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CATALOGUE, ("UserRegistered", 2), UserRegisteredV2)


@pytest.mark.usefixtures("catalogue_with_v2")
def test_a_consumer_reads_old_and_new_versions_from_the_same_subject(
    user_registered_envelope: Envelope, user_registered: UserRegistered
) -> None:
    newer = UserRegisteredV2(
        user_id=user_registered.user_id, given_name="Anne", family_name="Vries"
    )
    v2_envelope = Envelope.wrap(
        newer,
        id=UUID("e0e0e0e0-0000-4000-8000-000000000002"),
        source="/services/identity",
        time=datetime(2025, 6, 1, tzinfo=UTC),
        subject=newer.user_id,
        sequence=1,
        correlation_id="req-8b1c",
    )

    assert UserRegisteredV2.nats_subject() == UserRegistered.nats_subject()
    assert Envelope.from_json(user_registered_envelope.to_json()).open() == user_registered
    assert Envelope.from_json(v2_envelope.to_json()).open() == newer


@pytest.mark.usefixtures("catalogue_with_v2")
def test_the_asyncapi_document_lists_both_versions_on_one_channel() -> None:
    document = build_asyncapi()

    channel = document["channels"]["events-identity-UserRegistered"]
    operation = document["operations"]["send-events-identity-UserRegistered"]
    assert set(channel["messages"]) == {"UserRegisteredV1", "UserRegisteredV2"}
    assert len(operation["messages"]) == 2
