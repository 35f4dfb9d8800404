"""The one place the organisation's domain events become public integration events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.organisation import (
    ActivationRefused,
    ActivationRequested,
    IdentifierAdded,
    IdentifierRemoved,
    OrganisationActivated,
    OrganisationAdded,
    OrganisationDetailsChanged,
    OrganisationMoved,
    PdfOptionsChanged,
    PostalAddress,
    ReceivingDisabled,
    ReceivingEnabled,
)
from servicekit.outbound import Outbound

SOURCE = "/services/organisation"


def _address(value: dict[str, Any] | None) -> PostalAddress | None:
    return PostalAddress(**value) if value else None


def _added(e: Any) -> IntegrationEvent:
    return OrganisationAdded(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        name=e.name,
        source=e.source,
        kvk_number=e.kvk_number,
        establishment_number=e.establishment_number,
        vat_id=e.vat_id,
        oin=e.oin,
        rsin=e.rsin,
        legal_form=e.legal_form,
        address=_address(e.address),
        added_by=e.added_by,
        added_at=e.added_at,
    )


def _details_changed(e: Any) -> IntegrationEvent:
    return OrganisationDetailsChanged(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        name=e.name,
        address=_address(e.address),
        receiving=e.receiving,
        changed_by=e.changed_by,
        changed_at=e.changed_at,
    )


def _identifier_added(e: Any) -> IntegrationEvent:
    return IdentifierAdded(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        scheme=e.scheme,
        value=e.value,
        participant_id=f"{e.scheme}:{e.value}",
        receiving=e.receiving,
        name=e.name,
        added_by=e.added_by,
        added_at=e.added_at,
    )


def _identifier_removed(e: Any) -> IntegrationEvent:
    return IdentifierRemoved(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        scheme=e.scheme,
        value=e.value,
        participant_id=f"{e.scheme}:{e.value}",
        removed_by=e.removed_by,
        removed_at=e.removed_at,
    )


def _activation_requested(e: Any) -> IntegrationEvent:
    return ActivationRequested(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        name=e.name,
        kvk_number=e.kvk_number,
        establishment_number=e.establishment_number,
        requested_by=e.requested_by,
        requested_at=e.requested_at,
    )


def _activated(e: Any) -> IntegrationEvent:
    return OrganisationActivated(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        name=e.name,
        approved_by=e.approved_by,
        activated_at=e.activated_at,
    )


def _activation_refused(e: Any) -> IntegrationEvent:
    return ActivationRefused(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        reason=e.reason,
        refused_by=e.refused_by,
        refused_at=e.refused_at,
    )


def _receiving_enabled(e: Any) -> IntegrationEvent:
    return ReceivingEnabled(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        name=e.name,
        participant_ids=list(e.participant_ids),
        changed_by=e.changed_by,
        changed_at=e.changed_at,
    )


def _receiving_disabled(e: Any) -> IntegrationEvent:
    return ReceivingDisabled(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        participant_ids=list(e.participant_ids),
        changed_by=e.changed_by,
        changed_at=e.changed_at,
    )


def _pdf_options_changed(e: Any) -> IntegrationEvent:
    return PdfOptionsChanged(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        generate_pdf=e.generate_pdf,
        merge_attachments=e.merge_attachments,
        changed_by=e.changed_by,
        changed_at=e.changed_at,
    )


def _moved(e: Any) -> IntegrationEvent:
    return OrganisationMoved(
        organisation_id=e.originator_id,
        environment_id=e.environment_id,
        from_environment_id=e.from_environment_id,
        name=e.name,
        moved_by=e.moved_by,
        moved_at=e.moved_at,
    )


# eventsourcing names the event classes after the @event methods' names.
_PUBLIC: dict[str, Callable[[Any], IntegrationEvent]] = {
    "Organisation.Added": _added,
    "Organisation.DetailsChanged": _details_changed,
    "Organisation.IdentifierAdded": _identifier_added,
    "Organisation.IdentifierRemoved": _identifier_removed,
    "Organisation.ActivationRequested": _activation_requested,
    "Organisation.Activated": _activated,
    "Organisation.ActivationRefused": _activation_refused,
    "Organisation.ReceivingEnabled": _receiving_enabled,
    "Organisation.ReceivingDisabled": _receiving_disabled,
    "Organisation.PdfOptionsChanged": _pdf_options_changed,
    "Organisation.Moved": _moved,
}


# Every organisation event is about the organisation itself.
OUTBOUND = Outbound(SOURCE, _PUBLIC, organisation=lambda event, _public: event.originator_id)
to_integration_event = OUTBOUND.to_integration_event
to_envelope = OUTBOUND.to_envelope
