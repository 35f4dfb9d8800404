"""The organisation service's commands and queries on NATS: check, run the use case, answer.

Input checks that need no store (identifiers, the KvK register) happen here, before the use
case runs on the store thread; every refusal becomes a problem with a named reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from uuid import UUID

import structlog
from contracts.commands.base import ProblemReply, Violation
from contracts.commands.caller import Caller
from contracts.commands.organisations import (
    CONFLICT,
    INVALID_IDENTIFIER,
    NOT_ALLOWED,
    ORGANISATION_NOT_FOUND,
    PEPPOL_DOCUMENT_TYPES,
    REGISTER_REFUSED,
    REGISTER_UNAVAILABLE,
    UNKNOWN_KVK_NUMBER,
    VAT_CHECK_UNAVAILABLE,
    AddIdentifier,
    AddOrganisationByHand,
    AddOrganisationFromRegister,
    ChangeOrganisation,
    DecideActivation,
    GetOrganisation,
    ListOrganisations,
    ListPendingActivations,
    LookupParticipant,
    MoveOrganisation,
    Organisation,
    OrganisationList,
    Participant,
    PendingActivations,
    RegisterEntry,
    RegisterResults,
    RemoveIdentifier,
    RequestActivation,
    SearchRegister,
    SetPdfOptions,
    SetReceiving,
)
from contracts.events.organisation import PostalAddress
from eventsourcing.persistence import IntegrityError
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from servicekit.rpc import Refused

from organisation.bootstrap import OrganisationService
from organisation.domain import identifiers
from organisation.domain.errors import Conflict, NotAllowed, NotFound
from organisation.kvk import KvkAddress, KvkError, KvkNumberUnknown, KvkUnavailable
from organisation.vat_check import VatCheckUnavailable

log = structlog.get_logger(__name__)


def problem_of(error: Exception) -> ProblemReply:
    """The refusal an organisation error is answered with."""
    if isinstance(error, NotFound):
        return ORGANISATION_NOT_FOUND.reply(str(error))
    if isinstance(error, NotAllowed):
        return NOT_ALLOWED.reply(str(error))
    if isinstance(error, Conflict):
        said = str(error)[:1].upper() + str(error)[1:]
        return CONFLICT.reply(said if said.endswith(".") else f"{said}.")
    if isinstance(error, IntegrityError):
        return CONFLICT.reply(
            "The organisation was changed by another request at the same time; nothing of "
            "this one was stored. Read it again and retry."
        )
    if isinstance(error, identifiers.InvalidIdentifier):
        return INVALID_IDENTIFIER.reply(
            error.message,
            [Violation(field=error.field, rule=error.check, message=error.message)],
        )
    if isinstance(error, KvkNumberUnknown):
        return UNKNOWN_KVK_NUMBER.reply(
            error.detail,
            [Violation(field="kvk_number", rule=error.code, message=error.detail)],
        )
    if isinstance(error, KvkUnavailable):
        return REGISTER_UNAVAILABLE.reply(
            f"{error.detail} Nothing was changed; try again in {error.retry_after} seconds.",
            retry_after_seconds=max(1, error.retry_after),
        )
    if isinstance(error, VatCheckUnavailable):
        return VAT_CHECK_UNAVAILABLE.reply(
            f"The VAT registry (VIES) cannot check the VAT id now ({error.reason}). Nothing "
            f"was changed; try again in {error.retry_after} seconds.",
            retry_after_seconds=max(1, error.retry_after),
        )
    if isinstance(error, KvkError):
        return REGISTER_REFUSED.reply(
            error.detail, [Violation(rule=error.code, message=error.detail)]
        )
    raise error


_REFUSALS = (
    NotFound,
    NotAllowed,
    Conflict,
    IntegrityError,
    identifiers.InvalidIdentifier,
    KvkError,
    VatCheckUnavailable,
)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the domain's and the register's refusals into problems for the caller."""
    try:
        yield
    except _REFUSALS as error:
        raise Refused(problem_of(error)) from error


def _address(address: KvkAddress | None) -> PostalAddress | None:
    return None if address is None else PostalAddress(**address.model_dump())


def _optional(check: Callable[[str, str], str], value: str | None, field: str) -> str | None:
    return None if value is None or not value.strip() else check(value, field)


class OrganisationHandlers:
    """Every command and query; `saved` wakes the relay after a write."""

    def __init__(self, service: OrganisationService, saved: Callable[[], None]) -> None:
        self._service = service
        self._saved = saved
        self._use = service.organisations

    async def _write(self, fn: Callable[..., Organisation], *args: object) -> Organisation:
        with refusals(), caused_by(current_correlation_id()):
            view = await self._service.executor.run(fn, *args)
        self._saved()
        return view

    async def _reachable(self, caller: Caller, organisation_id: UUID) -> None:
        """Another environment's organisation is a 404 before anything about the input."""
        with refusals():
            await self._service.executor.run(self._use.get, caller, organisation_id)

    # -- adding --------------------------------------------------------------------------

    async def add_from_register(self, command: AddOrganisationFromRegister) -> Organisation:
        """Look the number up in the register and add what it says."""
        with refusals():
            if command.caller.role != "admin":
                raise NotAllowed(
                    "only an administrator of the environment can add organisations; ask one"
                )
            number = identifiers.kvk_number(command.kvk_number)
            profile = await self._service.register.profile(number)
        details = {
            "name": profile.name,
            "source": "kvk",
            "kvk_number": profile.kvk_number,
            "establishment_number": profile.establishment_number,
            "vat_id": None,
            "oin": None,
            "rsin": profile.rsin,
            "legal_form": profile.legal_form,
            "address": _dump(_address(profile.address)),
        }
        return await self._write(self._add, command, details)

    def _add(
        self,
        command: AddOrganisationFromRegister | AddOrganisationByHand,
        details: dict[str, object],
    ) -> Organisation:
        return self._use.add(command.caller, **details)

    async def add_by_hand(self, command: AddOrganisationByHand) -> Organisation:
        """Add what the user typed in, each identifier checked."""
        with refusals():
            details = {
                "name": command.name.strip(),
                "source": "manual",
                "kvk_number": _optional(identifiers.kvk_number, command.kvk_number, "kvk_number"),
                "establishment_number": None,
                "vat_id": _optional(identifiers.nl_vat_id, command.vat_id, "vat_id"),
                "oin": _optional(identifiers.oin, command.oin, "oin"),
                "rsin": None,
                "legal_form": None,
                "address": _dump(command.address),
            }
        return await self._write(self._add, command, details)

    # -- reading -------------------------------------------------------------------------

    async def organisation(self, query: GetOrganisation) -> Organisation:
        """One organisation of the caller's environment."""
        with refusals():
            return await self._service.executor.run(
                self._use.get, query.caller, query.organisation_id
            )

    async def organisations(self, query: ListOrganisations) -> OrganisationList:
        """The organisations the caller may see."""
        found = await self._service.executor.run(self._use.listed, query.caller, query.only)
        return OrganisationList(organisations=found)

    async def search_register(self, query: SearchRegister) -> RegisterResults:
        """Search the KvK register by name, number and place."""
        with refusals():
            number = _optional(identifiers.kvk_number, query.kvk_number, "kvk_number")
            hits = await self._service.register.search(
                name=(query.q or "").strip() or None,
                kvk_number=number,
                place=(query.place or "").strip() or None,
                page=query.page,
                per_page=query.per_page,
            )
        return RegisterResults(
            results=[
                RegisterEntry(
                    kvk_number=hit.kvk_number,
                    establishment_number=hit.establishment_number,
                    name=hit.name,
                    type=hit.type,
                    address=_address(hit.address),
                )
                for hit in hits
            ]
        )

    async def participant(self, query: LookupParticipant) -> Participant:
        """Who receives on a participant id; 404 when nobody does."""
        entry = await self._service.executor.run(self._use.participant, query.participant_id)
        if entry is None:
            raise Refused(
                ORGANISATION_NOT_FOUND.reply(
                    f"No organisation receives e-invoices on {query.participant_id}."
                )
            )
        return Participant(
            participant_id=query.participant_id,
            name=entry["name"],
            receiving=True,
            document_types=list(PEPPOL_DOCUMENT_TYPES),
            organisation_id=entry["organisation_id"],
        )

    async def pending(self, query: ListPendingActivations) -> PendingActivations:
        """What waits for an operator."""
        return PendingActivations(organisations=await self._service.executor.run(self._use.pending))

    # -- changing ------------------------------------------------------------------------

    async def change(self, command: ChangeOrganisation) -> Organisation:
        """Change name or address."""
        return await self._write(
            self._use.change,
            command.caller,
            command.organisation_id,
            command.name.strip() if command.name else None,
            _dump(command.address),
        )

    async def add_identifier(self, command: AddIdentifier) -> Organisation:
        """Check the identifier by its scheme's rules, then add it."""
        await self._reachable(command.caller, command.organisation_id)
        with refusals():
            scheme, value = identifiers.participant_value(command.scheme, command.value)
            if scheme == "9944":
                verification = await self._service.vat_checker.verify(value)
                if not verification.valid:
                    raise identifiers.InvalidIdentifier(
                        "value",
                        "registration",
                        "a VAT id the tax authorities know (VIES)",
                        f"The VAT id {value} passes its checksum but the VAT registry (VIES) "
                        "does not know it; check it with your tax adviser.",
                    )
        return await self._write(
            self._use.add_identifier, command.caller, command.organisation_id, scheme, value
        )

    async def remove_identifier(self, command: RemoveIdentifier) -> Organisation:
        """Remove the identifier of one scheme."""
        await self._reachable(command.caller, command.organisation_id)
        scheme = command.scheme.strip()
        if scheme not in identifiers.SCHEMES:
            with refusals():
                identifiers.participant_value(scheme, "")  # refuses the scheme, by name
        return await self._write(
            self._use.remove_identifier, command.caller, command.organisation_id, scheme
        )

    async def request_activation(self, command: RequestActivation) -> Organisation:
        """Ask for activation; approved at once when verification is automatic."""
        automatic = self._service.settings.activation == "automatic"
        return await self._write(
            self._use.request_activation, command.caller, command.organisation_id, automatic
        )

    async def decide_activation(self, command: DecideActivation) -> Organisation:
        """An operator approves or refuses."""
        return await self._write(
            self._use.decide_activation,
            f"operator:{command.operator.name}",
            command.organisation_id,
            command.approve,
            command.reason,
        )

    async def set_receiving(self, command: SetReceiving) -> Organisation:
        """Switch receiving on or off."""
        return await self._write(
            self._use.set_receiving, command.caller, command.organisation_id, command.enabled
        )

    async def set_pdf_options(self, command: SetPdfOptions) -> Organisation:
        """Choose the PDF options."""
        return await self._write(
            self._use.set_pdf_options, command.caller, command.organisation_id, command.options
        )

    async def move(self, command: MoveOrganisation) -> Organisation:
        """An operator moves an organisation to another environment."""
        return await self._write(
            self._use.move,
            f"operator:{command.operator.name}",
            command.organisation_id,
            command.environment_id,
        )


def _dump(address: PostalAddress | None) -> dict[str, object] | None:
    return None if address is None else address.model_dump()
