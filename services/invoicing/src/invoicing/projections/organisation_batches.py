"""Organisation events applied a batch at a time: how a rebuild replays invoicing's read model.

One event at a time costs three to four statements each (look up, insert or update, look up the
identifier, insert it); a rebuild replays thousands. Here a batch's organisations and their
identifiers are read with one statement per table, the events folded into them in memory in
stream order, and the outcome written with one statement per kind of change (executemany).

The outcome is the one `apply_organisation_event` gives applying each event in turn (a property
test compares the two): the same rules, from the same helpers, and the same refusals. An event
that would be refused on its own makes the whole batch raise that refusal, before anything is
written; the rebuild then applies the batch in smaller parts, down to that one event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.organisation import IdentifierAdded, IdentifierRemoved, OrganisationAdded
from servicekit.consumer import PermanentFailure
from servicekit.readmodels import ReadModel
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from invoicing.projections.organisations import (
    CONSUMER,
    SUBJECT,
    added_row,
    already_added,
    apply_organisation_event,
    changed_values,
    not_yet_known,
    participant_ids,
)
from invoicing.state.tables import known_organisations, organisation_identifiers

# Ids per IN (...): well under every database's limit on bound parameters.
LOOKUP_CHUNK = 500

Identifier = tuple[str, str]  # (participant id, organisation id)


def apply_organisation_events(
    session: Session, events: Sequence[tuple[Envelope, IntegrationEvent]]
) -> None:
    """Apply a batch of organisation events, in order, as if one at a time."""
    about = [
        (str(organisation_id), event)
        for _, event in events
        if (organisation_id := getattr(event, "organisation_id", None)) is not None
    ]
    before = _rows(session, {organisation_id for organisation_id, _ in about})
    identified_before = _identifiers(
        session, {participant_id for _, event in about for participant_id in _directory(event)}
    )
    rows = {organisation_id: dict(row) for organisation_id, row in before.items()}
    identified = dict.fromkeys(identified_before)  # an ordered set: rows go in in event order
    for organisation_id, event in about:
        if isinstance(event, OrganisationAdded):
            if organisation_id in rows:
                raise PermanentFailure(already_added(organisation_id))
            rows[organisation_id] = added_row(event)
            for participant_id in participant_ids(event):
                identified.setdefault((participant_id, organisation_id))
        elif isinstance(event, IdentifierAdded):
            if organisation_id not in rows:
                raise not_yet_known(organisation_id)
            identified.setdefault((event.participant_id, organisation_id))
        elif isinstance(event, IdentifierRemoved):
            identified.pop((event.participant_id, organisation_id), None)
        elif (values := changed_values(event)) is not None:
            row = rows.get(organisation_id)
            if row is None:
                raise not_yet_known(organisation_id)
            row.update(values)
    _write_rows(session, before, rows)
    _write_identifiers(session, identified_before, identified)


def _directory(event: IntegrationEvent) -> list[str]:
    """The participant ids an event may add or remove."""
    if isinstance(event, OrganisationAdded):
        return participant_ids(event)
    if isinstance(event, IdentifierAdded | IdentifierRemoved):
        return [event.participant_id]
    return []


def _rows(session: Session, organisation_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    table = known_organisations
    return {
        row["organisation_id"]: dict(row)
        for chunk in _chunks(organisation_ids)
        for row in session.execute(select(table).where(table.c.organisation_id.in_(chunk)))
        .mappings()
        .all()
    }


def _identifiers(session: Session, participant_ids: Iterable[str]) -> set[Identifier]:
    """The directory entries with these participant ids (by the key's leading column)."""
    table = organisation_identifiers
    query = select(table.c.participant_id, table.c.organisation_id)
    return {
        (participant_id, organisation_id)
        for chunk in _chunks(participant_ids)
        for participant_id, organisation_id in session.execute(
            query.where(table.c.participant_id.in_(chunk))
        )
    }


def _write_rows(
    session: Session, before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> None:
    table = known_organisations
    added = [row for organisation_id, row in after.items() if organisation_id not in before]
    changed = [
        {"key": organisation_id, **{k: v for k, v in row.items() if k != "organisation_id"}}
        for organisation_id, row in after.items()
        if organisation_id in before and row != before[organisation_id]
    ]
    if added:
        session.execute(table.insert(), added)
    if changed:
        session.execute(
            update(table).where(table.c.organisation_id == bindparam("key")),
            changed,
        )


def _write_identifiers(
    session: Session, before: set[Identifier], after: dict[Identifier, None]
) -> None:
    table = organisation_identifiers
    removed = [
        {"p": participant_id, "o": organisation_id}
        for participant_id, organisation_id in before
        if (participant_id, organisation_id) not in after
    ]
    added = [
        {"participant_id": participant_id, "organisation_id": organisation_id}
        for participant_id, organisation_id in after
        if (participant_id, organisation_id) not in before
    ]
    if removed:
        session.execute(
            delete(table).where(
                table.c.participant_id == bindparam("p"),
                table.c.organisation_id == bindparam("o"),
            ),
            removed,
        )
    if added:
        session.execute(table.insert(), added)


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield ordered[start : start + LOOKUP_CHUNK]


READ_MODEL = ReadModel(
    name="organisations",
    consumer=CONSUMER,
    subjects=[SUBJECT],
    tables=[known_organisations, organisation_identifiers],
    apply=apply_organisation_event,
    apply_batch=apply_organisation_events,
)
"""Invoicing's organisations and directory, as the worker, the rebuild test and the bench use it."""

__all__ = ["READ_MODEL", "apply_organisation_events"]
