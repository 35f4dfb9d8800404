"""A read model rebuilt from the stream while its live consumer keeps working: nothing is lost,
nothing applied twice, and on a quiet system the rebuilt model equals the live one; on SQLite
and on PostgreSQL, against a real nats-server. An event the live consumer refused is skipped in
the replay too, and a replay that goes wrong shows in the comparison."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from contracts.envelope import Envelope
from contracts.events.organisation import OrganisationActivated
from devstack.nats import NatsServerProcess
from invoicing.projections import organisation_batches
from invoicing.projections.organisation_batches import READ_MODEL
from invoicing.state.tables import (
    known_organisations,
    organisation_identifiers,
)
from servicekit.eventstore import SharedDatabase
from servicekit.readmodels import Rebuilder, Replayed
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.rebuild import fill_stream, organisation_envelopes, wait_until_applied
from tests.live_model import live_organisations_model

MODEL = READ_MODEL


def _model(database: SharedDatabase) -> dict[str, Any]:
    with database.transaction(commit=False) as session:
        organisations = {
            row.organisation_id: row.status for row in session.execute(select(known_organisations))
        }
        identifiers = sorted(
            tuple(row) for row in session.execute(select(organisation_identifiers))
        )
    return {"organisations": organisations, "identifiers": identifiers}


async def test_a_rebuild_under_load_loses_nothing_and_equals_the_live_model_when_quiet(
    nats_server: NatsServerProcess, database_url: str
) -> None:
    async with live_organisations_model(nats_server.url, database_url, "rebuild-test") as live:
        js, database, executor = live.js, live.database, live.executor
        await fill_stream(js, organisation_envelopes(150))
        await wait_until_applied(js, MODEL.consumer)
        rebuilder = Rebuilder(MODEL, database, executor, database.engine)

        # Rebuild while more organisations arrive and the live consumer applies them.
        more = organisation_envelopes(100)
        rebuilt, _ = await asyncio.gather(rebuilder.rebuild(js), fill_stream(js, more))
        assert rebuilt.state == "done", rebuilt
        assert rebuilt.events >= 300
        await wait_until_applied(js, MODEL.consumer)
        model = _model(database)
        assert len(model["organisations"]) == 250
        assert set(model["organisations"].values()) == {"active"}
        assert len(model["identifiers"]) == 250  # one KvK id each, none twice

        # Quiet now: the rebuilt model is the live one, row for row.
        again = await rebuilder.rebuild(js)
        assert again.state == "done" and again.matches_live is True, again
        assert again.differences == 0 and again.rows == 500
        assert _model(database) == model


async def test_a_refused_event_is_skipped_as_the_live_consumer_skipped_it_and_a_wrong_replay_shows(
    nats_server: NatsServerProcess, tmp_path: Path
) -> None:
    async with live_organisations_model(
        nats_server.url, f"sqlite:///{tmp_path / 'store.db'}", "rebuild-test"
    ) as live:
        js, database, executor = live.js, live.database, live.executor
        envelopes = organisation_envelopes(20)
        # The first organisation added a second time: the live consumer dead-letters it.
        first = envelopes[0]
        again = Envelope.model_validate({**first.model_dump(), "id": str(uuid.uuid4())})
        await fill_stream(js, [*envelopes, again])
        await wait_until_applied(js, MODEL.consumer)

        rebuilt = await Rebuilder(MODEL, database, executor, database.engine).rebuild(js)
        assert rebuilt.state == "done", rebuilt
        assert (rebuilt.events, rebuilt.applied, rebuilt.skipped) == (41, 40, 1)
        assert rebuilt.matches_live is True and rebuilt.rows == 40

        # A batch effect that loses activations: the comparison with the live model says so.
        def loses_activations(session: Session, batch: Sequence[Replayed]) -> None:
            kept = [pair for pair in batch if not isinstance(pair[1], OrganisationActivated)]
            organisation_batches.apply_organisation_events(session, kept)

        wrong = replace(MODEL, apply_batch=loses_activations)
        compared = await Rebuilder(wrong, database, executor, database.engine).rebuild(js)
        assert compared.state == "done", compared
        assert compared.matches_live is False
        assert compared.differences == 40  # each organisation's row, as live and as replayed
