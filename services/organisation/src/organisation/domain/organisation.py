"""The organisation aggregate: its details, identifiers, activation, receiving and PDF options.

Pure rules: what may happen in which state, and the events that record it. The use cases check
what needs other data (the register, uniqueness across environments) before calling in here.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate

from organisation.domain.errors import Conflict
from organisation.domain.identifiers import oin_vouched_by

SCHEME_FIELDS = {"0106": "kvk_number", "9944": "vat_id", "0190": "oin"}
"""Which identifier scheme fills which field of the organisation."""


class Organisation(CorrelatedAggregate):
    """One organisation of one environment."""

    @event("Added")
    def __init__(
        self,
        environment_id: uuid.UUID,
        name: str,
        source: str,
        kvk_number: str | None,
        establishment_number: str | None,
        vat_id: str | None,
        oin: str | None,
        rsin: str | None,
        legal_form: str | None,
        address: dict[str, Any] | None,
        added_by: uuid.UUID | None,
        added_at: datetime,
    ) -> None:
        self.environment_id = environment_id
        self.name = name
        self.source = source
        self.establishment_number = establishment_number
        self.rsin = rsin
        self.legal_form = legal_form
        self.address = address
        self.added_at = added_at
        self.status = "added"
        self.receiving_enabled = False
        self.generate_pdf = "if_missing"
        self.merge_attachments = False
        self.identifiers: dict[str, str] = {}
        for scheme, value in (("0106", kvk_number), ("9944", vat_id), ("0190", oin)):
            if value:
                self.identifiers[scheme] = value

    # -- what it is ------------------------------------------------------------------------

    @property
    def kvk_number(self) -> str | None:
        """Its KvK number."""
        return self.identifiers.get("0106")

    @property
    def vat_id(self) -> str | None:
        """Its Dutch VAT id."""
        return self.identifiers.get("9944")

    @property
    def oin(self) -> str | None:
        """Its OIN."""
        return self.identifiers.get("0190")

    @property
    def participant_ids(self) -> list[str]:
        """`<scheme>:<value>` of every identifier, as the directory lists them."""
        return [f"{scheme}:{value}" for scheme, value in sorted(self.identifiers.items())]

    @property
    def may_send(self) -> bool:
        """Only an active organisation may send e-invoices."""
        return self.status == "active"

    # -- details ---------------------------------------------------------------------------

    def change_details(
        self, name: str | None, address: dict[str, Any] | None, by: uuid.UUID, at: datetime
    ) -> bool:
        """Change name and/or address; False when nothing changes."""
        new_name = name if name is not None else self.name
        new_address = address if address is not None else self.address
        if new_name == self.name and new_address == self.address:
            return False
        self._details_changed(
            name=new_name,
            address=new_address,
            receiving=self.receiving_enabled,
            environment_id=self.environment_id,
            changed_by=by,
            changed_at=at,
        )
        return True

    @event("DetailsChanged")
    def _details_changed(
        self,
        name: str,
        address: dict[str, Any] | None,
        receiving: bool,
        environment_id: uuid.UUID,
        changed_by: uuid.UUID,
        changed_at: datetime,
    ) -> None:
        self.name = name
        self.address = address

    # -- identifiers -----------------------------------------------------------------------

    def add_identifier(self, scheme: str, value: str, by: uuid.UUID, at: datetime) -> bool:
        """Add an identifier or replace its scheme's value; False when it is already so."""
        current = self.identifiers.get(scheme)
        if current == value:
            return False
        if scheme == "0106" and self.source == "kvk" and current is not None:
            raise Conflict(
                "the KvK number of an organisation from the register cannot change; "
                "add the other KvK number as its own organisation"
            )
        if scheme == "0190" and self.source == "kvk":
            self._require_own_oin(value)
        if current is not None:
            self._identifier_removed(
                scheme=scheme,
                value=current,
                environment_id=self.environment_id,
                removed_by=by,
                removed_at=at,
            )
        self._identifier_added(
            scheme=scheme,
            value=value,
            receiving=self.receiving_enabled,
            name=self.name,
            environment_id=self.environment_id,
            added_by=by,
            added_at=at,
        )
        return True

    def _require_own_oin(self, oin: str) -> None:
        """An OIN derived from a KvK number or an RSIN names the organisation it belongs to:
        from the register, that must be this one (other registers' OINs cannot be checked)."""
        vouched = oin_vouched_by(oin)
        if vouched is None:
            return
        register, number = vouched
        own = self.kvk_number if register == "KvK number" else self.rsin
        if number != own:
            whose = f"this organisation's is {own}" if own else "the register gives this one none"
            raise Conflict(
                f"the OIN {oin} is derived from {register} {number}, and {whose}; an OIN from "
                f"a {register} belongs to the organisation with that {register}"
            )

    def remove_identifier(self, scheme: str, by: uuid.UUID, at: datetime) -> bool:
        """Remove the identifier of a scheme; False when there is none."""
        current = self.identifiers.get(scheme)
        if current is None:
            return False
        if scheme == "0106" and self.source == "kvk":
            raise Conflict("the KvK number of an organisation from the register stays")
        if self.receiving_enabled and len(self.identifiers) == 1:
            raise Conflict(
                "a receiving organisation needs at least one identifier to be found by; "
                "switch receiving off first or add another identifier"
            )
        self._identifier_removed(
            scheme=scheme,
            value=current,
            environment_id=self.environment_id,
            removed_by=by,
            removed_at=at,
        )
        return True

    @event("IdentifierAdded")
    def _identifier_added(
        self,
        scheme: str,
        value: str,
        receiving: bool,
        name: str,
        environment_id: uuid.UUID,
        added_by: uuid.UUID,
        added_at: datetime,
    ) -> None:
        self.identifiers[scheme] = value

    @event("IdentifierRemoved")
    def _identifier_removed(
        self,
        scheme: str,
        value: str,
        environment_id: uuid.UUID,
        removed_by: uuid.UUID,
        removed_at: datetime,
    ) -> None:
        self.identifiers.pop(scheme, None)

    # -- activation ------------------------------------------------------------------------

    def request_activation(self, by: uuid.UUID, at: datetime) -> bool:
        """Ask a verifier to activate it; False when it is already pending or active."""
        if self.source != "kvk":
            raise Conflict(
                "an organisation added by hand cannot be activated, because the KvK register "
                "does not vouch for it; add the organisation from the KvK register by its KvK "
                "number and activate that one"
            )
        if self.status != "added":
            return False
        assert self.kvk_number is not None  # an organisation from the register has one
        self._activation_requested(
            name=self.name,
            kvk_number=self.kvk_number,
            establishment_number=self.establishment_number,
            environment_id=self.environment_id,
            requested_by=by,
            requested_at=at,
        )
        return True

    @event("ActivationRequested")
    def _activation_requested(
        self,
        name: str,
        kvk_number: str,
        establishment_number: str | None,
        environment_id: uuid.UUID,
        requested_by: uuid.UUID,
        requested_at: datetime,
    ) -> None:
        self.status = "activation_pending"

    def activate(self, approved_by: str, at: datetime) -> None:
        """A verifier approved: from now on it may send."""
        if self.status != "activation_pending":
            raise Conflict(f"only a pending activation can be approved; it is {self.status}")
        self._activated(
            name=self.name,
            approved_by=approved_by,
            environment_id=self.environment_id,
            activated_at=at,
        )

    @event("Activated")
    def _activated(
        self, name: str, approved_by: str, environment_id: uuid.UUID, activated_at: datetime
    ) -> None:
        self.status = "active"

    def refuse_activation(self, reason: str, refused_by: str, at: datetime) -> None:
        """A verifier refused: back to `added`."""
        if self.status != "activation_pending":
            raise Conflict(f"only a pending activation can be refused; it is {self.status}")
        self._activation_refused(
            reason=reason,
            refused_by=refused_by,
            environment_id=self.environment_id,
            refused_at=at,
        )

    @event("ActivationRefused")
    def _activation_refused(
        self, reason: str, refused_by: str, environment_id: uuid.UUID, refused_at: datetime
    ) -> None:
        self.status = "added"

    # -- receiving -------------------------------------------------------------------------

    def enable_receiving(self, by: uuid.UUID, at: datetime) -> bool:
        """Switch receiving on; False when it already is."""
        if self.status != "active":
            raise Conflict(
                f"only an active organisation can receive e-invoices; this one is {self.status}; "
                "activate it first (POST .../activation)"
            )
        if self.receiving_enabled:
            return False
        if not self.identifiers:
            raise Conflict("add an identifier first: senders find a receiver by it")
        self._receiving_enabled(
            name=self.name,
            participant_ids=self.participant_ids,
            environment_id=self.environment_id,
            changed_by=by,
            changed_at=at,
        )
        return True

    @event("ReceivingEnabled")
    def _receiving_enabled(
        self,
        name: str,
        participant_ids: list[str],
        environment_id: uuid.UUID,
        changed_by: uuid.UUID,
        changed_at: datetime,
    ) -> None:
        self.receiving_enabled = True

    def disable_receiving(self, by: uuid.UUID, at: datetime) -> bool:
        """Switch receiving off; False when it already is."""
        if not self.receiving_enabled:
            return False
        self._receiving_disabled(
            participant_ids=self.participant_ids,
            environment_id=self.environment_id,
            changed_by=by,
            changed_at=at,
        )
        return True

    @event("ReceivingDisabled")
    def _receiving_disabled(
        self,
        participant_ids: list[str],
        environment_id: uuid.UUID,
        changed_by: uuid.UUID,
        changed_at: datetime,
    ) -> None:
        self.receiving_enabled = False

    # -- PDF options -----------------------------------------------------------------------

    def set_pdf_options(
        self, generate_pdf: str, merge_attachments: bool, by: uuid.UUID, at: datetime
    ) -> bool:
        """Choose the PDF options; False when they are already so."""
        if (generate_pdf, merge_attachments) == (self.generate_pdf, self.merge_attachments):
            return False
        self._pdf_options_changed(
            generate_pdf=generate_pdf,
            merge_attachments=merge_attachments,
            environment_id=self.environment_id,
            changed_by=by,
            changed_at=at,
        )
        return True

    @event("PdfOptionsChanged")
    def _pdf_options_changed(
        self,
        generate_pdf: str,
        merge_attachments: bool,
        environment_id: uuid.UUID,
        changed_by: uuid.UUID,
        changed_at: datetime,
    ) -> None:
        self.generate_pdf = generate_pdf
        self.merge_attachments = merge_attachments

    # -- moving ----------------------------------------------------------------------------

    def move_to(self, environment_id: uuid.UUID, moved_by: str, at: datetime) -> bool:
        """Move to another environment with all it has; False when it is already there."""
        if environment_id == self.environment_id:
            return False
        self._moved(
            environment_id=environment_id,
            from_environment_id=self.environment_id,
            name=self.name,
            moved_by=moved_by,
            moved_at=at,
        )
        return True

    @event("Moved")
    def _moved(
        self,
        environment_id: uuid.UUID,
        from_environment_id: uuid.UUID,
        name: str,
        moved_by: str,
        moved_at: datetime,
    ) -> None:
        self.environment_id = environment_id
