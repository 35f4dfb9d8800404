"""Adding, changing, activating and moving organisations; receiving and the directory.

Each use case runs on the store thread inside one transaction: the events, the API's view of the
organisation and the uniqueness tables (registrations, directory) commit together or not at all.
Every check reads before anything is written, so a refusal leaves no trace in a group commit.
The one exception is the database's own uniqueness of a registration per environment, which
only two replicas adding at the same moment meet: that refusal comes after a write, and a group
commit then reruns its calls one by one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.commands.caller import Caller
from contracts.commands.organisations import Identifier, PdfOptions
from contracts.commands.organisations import Organisation as OrganisationView
from contracts.events.organisation import PostalAddress
from servicekit.eventstore import SharedDatabase
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from organisation.application import OrganisationApplication
from organisation.domain.errors import Conflict, NotAllowed, NotFound
from organisation.domain.organisation import Organisation
from organisation.state.tables import (
    environment_registrations,
    organisation_rows,
    participants,
    registration_of,
    registrations,
)


def view_of(organisation: Organisation) -> OrganisationView:
    """The organisation as the API shows it."""
    return OrganisationView(
        id=organisation.id,
        environment_id=organisation.environment_id,
        name=organisation.name,
        source=organisation.source,
        kvk_number=organisation.kvk_number,
        establishment_number=organisation.establishment_number,
        vat_id=organisation.vat_id,
        oin=organisation.oin,
        rsin=organisation.rsin,
        legal_form=organisation.legal_form,
        address=PostalAddress(**organisation.address) if organisation.address else None,
        status=organisation.status,
        receiving_enabled=organisation.receiving_enabled,
        identifiers=[
            Identifier(scheme=scheme, value=value, participant_id=f"{scheme}:{value}")
            for scheme, value in sorted(organisation.identifiers.items())
        ],
        pdf_options=PdfOptions(
            generate_pdf=organisation.generate_pdf,
            merge_attachments=organisation.merge_attachments,
        ),
        added_at=organisation.added_at,
    )


def registration_key(organisation: Organisation) -> str:
    """What may be active in one environment at a time: KvK number with establishment."""
    return registration_of(organisation.kvk_number, organisation.establishment_number)


class Organisations:
    """The organisation use cases; `clock` gives the moment of each change."""

    def __init__(
        self,
        app: OrganisationApplication,
        database: SharedDatabase,
        clock: Callable[[], datetime],
    ) -> None:
        self._app = app
        self._db = database
        self._clock = clock

    # -- reading -------------------------------------------------------------------------

    def get(self, caller: Caller, organisation_id: uuid.UUID) -> OrganisationView:
        """One organisation of the caller's environment."""
        with self._db.transaction(commit=False) as session:
            row = self._row(session, organisation_id)
        if row is None or row["environment_id"] != str(caller.environment_id):
            raise NotFound(f"organisation {organisation_id} is not known")
        return OrganisationView.model_validate_json(row["document"])

    def listed(self, caller: Caller, only: list[uuid.UUID] | None) -> list[OrganisationView]:
        """The caller's environment's organisations (only some, for a non-admin), by name."""
        query = select(organisation_rows.c.document).where(
            organisation_rows.c.environment_id == str(caller.environment_id)
        )
        if only is not None:
            query = query.where(organisation_rows.c.organisation_id.in_([str(o) for o in only]))
        with self._db.transaction(commit=False) as session:
            rows = session.execute(query.order_by(organisation_rows.c.name)).scalars().all()
        return [OrganisationView.model_validate_json(document) for document in rows]

    def pending(self) -> list[OrganisationView]:
        """Organisations waiting for an operator, oldest first."""
        with self._db.transaction(commit=False) as session:
            rows = session.execute(
                select(organisation_rows.c.document).where(
                    organisation_rows.c.status == "activation_pending"
                )
            ).scalars()
            found = [OrganisationView.model_validate_json(document) for document in rows]
        return sorted(found, key=lambda o: o.added_at)

    def participant(self, participant_id: str) -> dict[str, str] | None:
        """The directory's entry for a participant id, or None when nobody receives on it."""
        with self._db.transaction(commit=False) as session:
            row = session.execute(
                select(participants).where(participants.c.participant_id == participant_id)
            ).first()
        return None if row is None else dict(row._mapping)

    # -- adding --------------------------------------------------------------------------

    def add(self, caller: Caller, **details: Any) -> OrganisationView:
        """Add an organisation to the caller's environment (environment admins only)."""
        if caller.role != "admin":
            raise NotAllowed(
                "only an administrator of the environment can add organisations; ask one"
            )
        organisation = Organisation(
            environment_id=caller.environment_id,
            added_by=caller.user_id,
            added_at=self._clock(),
            **details,
        )
        with self._db.transaction() as session:
            if organisation.source == "kvk":
                self._require_new_here(session, organisation)
                self._claim_here(session, organisation)
            return self._save(session, organisation)

    def _require_new_here(self, session: Session, organisation: Organisation) -> None:
        """One registration (KvK number and establishment) once per environment from the
        register: a second copy could never be activated beside the first. (Two admins adding
        the same at the same moment both pass this check; _claim then refuses one.)"""
        there = _copy_in(session, organisation.environment_id, organisation)
        if there is not None:
            raise Conflict(
                f"KvK number {organisation.kvk_number} with establishment number "
                f"{organisation.establishment_number or '(none)'} is in your environment "
                f"already, as {there.name} ({there.id}); use that one"
            )

    def _claim_here(self, session: Session, organisation: Organisation) -> None:
        """Hold the registration in this environment: the primary key refuses a second
        copy that passed _require_new_here at the same moment (two replicas), and this whole
        addition is rolled back."""
        if not _claim(session, organisation):
            raise Conflict(
                f"KvK number {organisation.kvk_number} with establishment number "
                f"{organisation.establishment_number or '(none)'} was added to your environment "
                "by another request at the same moment; use that one"
            )

    # -- changing ------------------------------------------------------------------------

    def change(
        self,
        caller: Caller,
        organisation_id: uuid.UUID,
        name: str | None,
        address: dict[str, Any] | None,
    ) -> OrganisationView:
        """Change name and/or address."""
        with self._db.transaction() as session:
            organisation = self._own(caller, organisation_id)
            organisation.change_details(name, address, caller.user_id, self._clock())
            if organisation.receiving_enabled:
                self._list_in_directory(session, organisation)
            return self._save(session, organisation)

    def add_identifier(
        self, caller: Caller, organisation_id: uuid.UUID, scheme: str, value: str
    ) -> OrganisationView:
        """Add an identifier (already validated) or replace its scheme's value."""
        with self._db.transaction() as session:
            organisation = self._own(caller, organisation_id)
            if organisation.receiving_enabled:
                self._require_free(session, organisation, [f"{scheme}:{value}"])
            organisation.add_identifier(scheme, value, caller.user_id, self._clock())
            if organisation.receiving_enabled:
                self._list_in_directory(session, organisation)
            return self._save(session, organisation)

    def remove_identifier(
        self, caller: Caller, organisation_id: uuid.UUID, scheme: str
    ) -> OrganisationView:
        """Remove the identifier of one scheme."""
        with self._db.transaction() as session:
            organisation = self._own(caller, organisation_id)
            organisation.remove_identifier(scheme, caller.user_id, self._clock())
            if organisation.receiving_enabled:
                self._list_in_directory(session, organisation)
            return self._save(session, organisation)

    def set_pdf_options(
        self, caller: Caller, organisation_id: uuid.UUID, options: PdfOptions
    ) -> OrganisationView:
        """Choose the PDF options."""
        with self._db.transaction() as session:
            organisation = self._own(caller, organisation_id)
            organisation.set_pdf_options(
                options.generate_pdf, options.merge_attachments, caller.user_id, self._clock()
            )
            return self._save(session, organisation)

    # -- activation ----------------------------------------------------------------------

    def request_activation(
        self, caller: Caller, organisation_id: uuid.UUID, automatic: bool
    ) -> OrganisationView:
        """Ask for activation; with automatic verification it is active at once."""
        with self._db.transaction() as session:
            organisation = self._own(caller, organisation_id)
            if organisation.request_activation(caller.user_id, self._clock()):
                self._hold_registration(session, organisation)
                if automatic:
                    organisation.activate("automatic", self._clock())
            return self._save(session, organisation)

    def decide_activation(
        self, operator: str, organisation_id: uuid.UUID, approve: bool, reason: str | None
    ) -> OrganisationView:
        """An operator approves or refuses a pending activation."""
        with self._db.transaction() as session:
            organisation = self._app.organisation(organisation_id)
            if approve:
                organisation.activate(operator, self._clock())
            else:
                organisation.refuse_activation(
                    reason or "refused by an operator", operator, self._clock()
                )
                session.execute(
                    delete(registrations).where(
                        registrations.c.organisation_id == str(organisation.id)
                    )
                )
            return self._save(session, organisation)

    # -- receiving -----------------------------------------------------------------------

    def set_receiving(
        self, caller: Caller, organisation_id: uuid.UUID, enabled: bool
    ) -> OrganisationView:
        """Switch receiving on (listing its participant ids) or off (removing them)."""
        with self._db.transaction() as session:
            organisation = self._own(caller, organisation_id)
            if enabled:
                self._require_free(session, organisation, organisation.participant_ids)
                if organisation.enable_receiving(caller.user_id, self._clock()):
                    self._list_in_directory(session, organisation)
            elif organisation.disable_receiving(caller.user_id, self._clock()):
                self._unlist(session, organisation)
            return self._save(session, organisation)

    # -- moving --------------------------------------------------------------------------

    def move(
        self, operator: str, organisation_id: uuid.UUID, environment_id: uuid.UUID
    ) -> OrganisationView:
        """Move an organisation, with all it has, to another environment; Conflict when that
        environment has its own copy of the registration (it could never be activated)."""
        with self._db.transaction() as session:
            organisation = self._app.organisation(organisation_id)
            there = _copy_in(session, environment_id, organisation)
            if there is not None:
                raise _copy_there(organisation, f"as {there.name} ({there.id})")
            if organisation.move_to(environment_id, operator, self._clock()):
                session.execute(
                    registrations.update()
                    .where(registrations.c.organisation_id == str(organisation.id))
                    .values(environment_id=str(environment_id))
                )
                if organisation.source == "kvk":
                    session.execute(
                        delete(environment_registrations).where(
                            environment_registrations.c.organisation_id == str(organisation.id)
                        )
                    )
                    if not _claim(session, organisation):
                        raise _copy_there(organisation, "added there at this very moment")
            return self._save(session, organisation)

    # -- helpers -------------------------------------------------------------------------

    def _row(self, session: Session, organisation_id: uuid.UUID) -> Any:
        found = session.execute(
            select(organisation_rows).where(
                organisation_rows.c.organisation_id == str(organisation_id)
            )
        ).first()
        return None if found is None else found._mapping

    def _own(self, caller: Caller, organisation_id: uuid.UUID) -> Organisation:
        organisation = self._app.organisation(organisation_id)
        if organisation.environment_id != caller.environment_id:
            # Another tenant's organisation is indistinguishable from none at all.
            raise NotFound(f"organisation {organisation_id} is not known")
        return organisation

    def _save(self, session: Session, organisation: Organisation) -> OrganisationView:
        view = view_of(organisation)
        values = {
            "environment_id": str(organisation.environment_id),
            "name": organisation.name,
            "status": organisation.status,
            "document": view.model_dump_json(),
        }
        if self._row(session, organisation.id) is None:
            session.execute(
                organisation_rows.insert().values(organisation_id=str(organisation.id), **values)
            )
        else:
            session.execute(
                organisation_rows.update()
                .where(organisation_rows.c.organisation_id == str(organisation.id))
                .values(**values)
            )
        self._app.save(organisation)
        return view

    def _hold_registration(self, session: Session, organisation: Organisation) -> None:
        key = registration_key(organisation)
        holder = session.execute(
            select(registrations).where(registrations.c.registration == key)
        ).first()
        if holder is not None and holder._mapping["organisation_id"] != str(organisation.id):
            where = (
                "in your environment"
                if holder._mapping["environment_id"] == str(organisation.environment_id)
                else "in another environment"
            )
            raise Conflict(
                f"KvK number {organisation.kvk_number} with establishment number "
                f"{organisation.establishment_number or '(none)'} is already active or waiting "
                f"for activation {where}; one registration can be active in only one "
                "environment at a time. Ask its holder to move the organisation to you instead."
            )
        if holder is None:
            session.execute(
                registrations.insert().values(
                    registration=key,
                    organisation_id=str(organisation.id),
                    environment_id=str(organisation.environment_id),
                )
            )

    def _require_free(
        self, session: Session, organisation: Organisation, participant_ids: list[str]
    ) -> None:
        taken = (
            session.execute(
                select(participants.c.participant_id).where(
                    participants.c.participant_id.in_(participant_ids),
                    participants.c.organisation_id != str(organisation.id),
                )
            )
            .scalars()
            .all()
        )
        if taken:
            raise Conflict(
                f"participant id {', '.join(sorted(taken))} already receives at another "
                "organisation; one participant id can be reached at one organisation only"
            )

    def _list_in_directory(self, session: Session, organisation: Organisation) -> None:
        self._unlist(session, organisation)
        for participant_id in organisation.participant_ids:
            session.execute(
                participants.insert().values(
                    participant_id=participant_id,
                    organisation_id=str(organisation.id),
                    name=organisation.name,
                )
            )

    def _unlist(self, session: Session, organisation: Organisation) -> None:
        session.execute(
            delete(participants).where(participants.c.organisation_id == str(organisation.id))
        )


def _copy_in(
    session: Session, environment_id: uuid.UUID, organisation: Organisation
) -> OrganisationView | None:
    """The organisation of this environment, other than `organisation`, added from the register
    with the same KvK number and establishment; None when there is none."""
    if organisation.source != "kvk":
        return None
    rows = session.execute(
        select(organisation_rows.c.document).where(
            organisation_rows.c.environment_id == str(environment_id),
            organisation_rows.c.organisation_id != str(organisation.id),
        )
    ).scalars()
    for document in rows:
        there = OrganisationView.model_validate_json(document)
        if (
            there.source == "kvk"
            and there.kvk_number == organisation.kvk_number
            and there.establishment_number == organisation.establishment_number
        ):
            return there
    return None


def _claim(session: Session, organisation: Organisation) -> bool:
    """Hold the registration in the organisation's environment; False when the primary key
    says another organisation holds it there (added at the same moment, on another replica).
    The refusal comes after a write: in a group commit, the group is then rerun call by call."""
    claim = environment_registrations.insert().values(
        environment_id=str(organisation.environment_id),
        registration=registration_key(organisation),
        organisation_id=str(organisation.id),
    )
    try:
        session.execute(claim)
    except IntegrityError:
        return False
    return True


def _copy_there(organisation: Organisation, holder: str) -> Conflict:
    return Conflict(
        f"the target environment has KvK number {organisation.kvk_number} with establishment "
        f"number {organisation.establishment_number or '(none)'} already, {holder}; an "
        "organisation cannot move beside its own copy"
    )
