"""Every public contract in one place: events by (type, version), commands by subject."""

from dataclasses import dataclass

from contracts.commands.base import Command, Reply
from contracts.commands.health import ReadinessQuery
from contracts.commands.identity import RegisterUser, VerifyEmail
from contracts.commands.invitations import (
    AcceptInvitation,
    AuthoriseOrganisation,
    DescribeInvitation,
    InviteUser,
    ListUsers,
    RevokeMembership,
)
from contracts.commands.invoicing import (
    GetInvoice,
    GetInvoiceDocument,
    GetInvoicePdf,
    ListInvoices,
    SubmitInvoice,
    ValidateDocument,
)
from contracts.commands.my_account import (
    ChangeEmailPreferences,
    ChangePassword,
    ChangeProfile,
    GetPhoto,
    SetPhoto,
    SetReceivingPrompt,
)
from contracts.commands.notifications import (
    AnnounceProductNews,
    ListMyNotifications,
    SearchNotifications,
)
from contracts.commands.organisations import (
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
    RemoveIdentifier,
    RequestActivation,
    SearchRegister,
    SetPdfOptions,
    SetReceiving,
)
from contracts.commands.partners import (
    ListDeliveries,
    ListWebhooks,
    RegisterWebhook,
    RemoveWebhook,
    ReplayDelivery,
    RotateWebhookSecret,
)
from contracts.commands.password_reset import ConfirmPasswordReset, RequestPasswordReset
from contracts.commands.profile import GetProfile
from contracts.commands.sessions import EndSession, Login, RefreshSession
from contracts.events import (
    identity,
    invoicing,
    memberships,
    my_account,
    notifications,
    organisation,
    partners,
)
from contracts.events.base import IntegrationEvent


class UnknownEventType(ValueError):
    """No event contract is known for this (type, version); the consumer cannot read it."""

    def __init__(self, event_type: str, version: int) -> None:
        super().__init__(
            f"no contract for event {event_type!r} version {version}; "
            "upgrade einvoice-contracts or check the producer"
        )
        self.event_type = event_type
        self.version = version


def _index(*events: type[IntegrationEvent]) -> dict[tuple[str, int], type[IntegrationEvent]]:
    catalogue: dict[tuple[str, int], type[IntegrationEvent]] = {}
    for event in events:
        key = (event.event_type, event.version)
        if key in catalogue:
            raise TypeError(f"{event.__name__} and {catalogue[key].__name__} both claim {key}")
        catalogue[key] = event
    return catalogue


CATALOGUE: dict[tuple[str, int], type[IntegrationEvent]] = _index(
    *identity.EVENTS,
    *my_account.EVENTS,
    *memberships.EVENTS,
    *organisation.EVENTS,
    *invoicing.EVENTS,
    *notifications.EVENTS,
    *partners.EVENTS,
)
"""Every integration event contract, old versions kept while consumers migrate."""


def model_for(event_type: str, version: int) -> type[IntegrationEvent]:
    """The contract of one event version; `UnknownEventType` when there is none."""
    try:
        return CATALOGUE[(event_type, version)]
    except KeyError:
        raise UnknownEventType(event_type, version) from None


def all_events() -> list[type[IntegrationEvent]]:
    """Every event contract, ordered by context, type and version."""
    return sorted(CATALOGUE.values(), key=lambda e: (e.context, e.event_type, e.version))


@dataclass(frozen=True)
class CommandContract:
    """One request/reply pair on core NATS."""

    subject: str
    request: type[Command]
    reply: type[Reply]


COMMANDS: tuple[CommandContract, ...] = tuple(
    CommandContract(command.subject, command, command.reply_model)
    for command in (
        RegisterUser,
        VerifyEmail,
        Login,
        RefreshSession,
        EndSession,
        GetProfile,
        RequestPasswordReset,
        ConfirmPasswordReset,
        ChangeProfile,
        ChangeEmailPreferences,
        SetReceivingPrompt,
        ChangePassword,
        SetPhoto,
        GetPhoto,
        InviteUser,
        AcceptInvitation,
        DescribeInvitation,
        ListUsers,
        RevokeMembership,
        AuthoriseOrganisation,
        AddOrganisationFromRegister,
        AddOrganisationByHand,
        GetOrganisation,
        ListOrganisations,
        ChangeOrganisation,
        AddIdentifier,
        RemoveIdentifier,
        RequestActivation,
        SetReceiving,
        SetPdfOptions,
        SearchRegister,
        ListPendingActivations,
        DecideActivation,
        MoveOrganisation,
        LookupParticipant,
        ValidateDocument,
        SubmitInvoice,
        ListInvoices,
        GetInvoice,
        GetInvoiceDocument,
        GetInvoicePdf,
        ListMyNotifications,
        SearchNotifications,
        AnnounceProductNews,
        RegisterWebhook,
        ListWebhooks,
        RotateWebhookSecret,
        RemoveWebhook,
        ListDeliveries,
        ReplayDelivery,
        ReadinessQuery,
    )
)
"""Every command and query a service answers; readiness's subject is a template."""

__all__ = [
    "CATALOGUE",
    "COMMANDS",
    "CommandContract",
    "UnknownEventType",
    "all_events",
    "model_for",
]
