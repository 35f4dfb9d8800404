"""GET /api/v1/directory/{scheme}:{value}: who receives on a participant id (public)."""

from __future__ import annotations

from typing import Annotated

from contracts.commands.organisations import (
    PEPPOL_DOCUMENT_TYPES,
    LookupParticipant,
    Participant,
)
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter
from pydantic import BaseModel, ConfigDict, Field

from gateway.bus import Bus
from gateway.directory import Ask, DirectoryMirror, Listing
from gateway.problems import Problem

SCHEMES = ("0106", "9944", "0190")


class DirectoryEntry(BaseModel):
    """A receiving participant, as a network lookup answers."""

    model_config = ConfigDict(frozen=True)

    participant_id: str = Field(description="`<scheme>:<value>`, e.g. 0106:69599084")
    name: str = Field(description="The receiving organisation's name")
    receiving: bool = Field(description="Always true: only receivers are listed")
    document_types: list[str] = Field(description="The document types it accepts")


def _not_listed(participant_id: str) -> Problem:
    return Problem(
        404,
        "urn:problem:not-found",
        "Not found",
        f"No organisation receives e-invoices on {participant_id}.",
    )


class DirectoryController(Controller):
    """The participant directory, public like a network lookup."""

    path = "/api/v1/directory"
    tags = ["organisations"]

    @get(
        "/{participant_id:str}",
        operation_id="lookupParticipant",
        summary="Look up a participant",
        description="`{scheme}:{value}` with scheme 0106 (KvK), 9944 (NL VAT id) or 0190 "
        "(OIN), e.g. `0106:69599084`. 200 for a receiving organisation, else 404.",
    )
    async def lookup(
        self,
        participant_id: Annotated[str, Parameter(max_length=100)],
        directory: NamedDependency[DirectoryMirror],
    ) -> DirectoryEntry:
        """From the gateway's mirror; the organisation service's table when it has nothing.

        One dependency only: Litestar resolves two or more in a task group per request."""
        scheme, _, value = participant_id.partition(":")
        if scheme not in SCHEMES or not value:
            raise _not_listed(participant_id)
        listing = await directory.lookup(participant_id)
        if listing is None:
            raise _not_listed(participant_id)
        return DirectoryEntry(
            participant_id=participant_id,
            name=listing.name,
            receiving=True,
            document_types=list(PEPPOL_DOCUMENT_TYPES),
        )


def asking(bus: Bus) -> Ask:
    """How the mirror asks the organisation service about a participant it does not list."""

    async def ask(participant_id: str) -> Listing | None:
        try:
            found = await bus.call(LookupParticipant(participant_id=participant_id), Participant)
        except Problem as problem:
            if problem.status_code == 404:
                return None
            raise
        return Listing(str(found.organisation_id), found.name)

    return ask
