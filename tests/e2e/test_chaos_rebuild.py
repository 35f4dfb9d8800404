"""The chaos suite's rebuild scenario on the scale-out topology (three NATS nodes, PostgreSQL,
two processes a service). On a sound cluster it passes: organisations changed while replicas
are killed, a rebuild whose replica is killed midway settles as failed and leaves the model
alone, and every read model rebuilt through /ops equals the live one. When a read model was
damaged behind its service's back, the rebuild repairs it and the scenario fails, naming the
table that differed (so `make chaos` exits 1)."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Iterator

import psycopg
import pytest
from devstack.cluster import ClusterStack

from chaos.__main__ import CLUSTER_ENV
from chaos.driver import Gateways, Sink
from chaos.rebuild import rebuild_read_models
from chaos.scenarios import Context, Row
from tests.conftest import _POSTGRES_SKIP, POSTGRES_ADMIN_URL


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterStack]:
    """The chaos topology with databases of its own, dropped afterwards."""
    if _POSTGRES_SKIP:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(_POSTGRES_SKIP)
        pytest.skip(_POSTGRES_SKIP)
    topology = ClusterStack(
        tmp_path_factory.mktemp("cluster"),
        postgres_url=POSTGRES_ADMIN_URL,
        extra_env=CLUSTER_ENV,
        drop_databases=True,
    )
    topology.start()
    try:
        yield topology
    finally:
        topology.stop()


def _scenario(cluster: ClusterStack, organisations: int, kills: int) -> Row:
    async def run() -> Row:
        gateways = Gateways(cluster.gateway_urls)
        try:
            ctx = Context(cluster, gateways, Sink(cluster.maildir), random.Random(10))
            return await rebuild_read_models(ctx, organisations, kills)
        finally:
            await gateways.close()

    return asyncio.run(run())


def test_on_a_sound_cluster_every_rebuilt_model_equals_the_live_one(cluster: ClusterStack) -> None:
    row = _scenario(cluster, organisations=12, kills=2)
    assert row.passed, row
    figures = row.figures
    assert figures["equal"] == "yes" and figures["models"] == 1
    assert figures["organisations_changed"] == 12 and figures["kills_while_changing"] >= 1
    invoicing = figures["invoicing.organisations"]
    assert invoicing["service_says_equal"] is True and invoicing["digests_equal"] is True
    assert invoicing["rows"]["known_organisations"] >= 12
    assert invoicing["events_replayed"] >= 24  # each organisation added and renamed
    assert invoicing["ran_on"] in ("invoicing-1", "invoicing-2")
    killed = figures["invoicing.organisations.killed_rebuild"]
    assert "failed (abandoned)" in killed or "after it finished (done)" in killed


def test_a_damaged_read_model_fails_the_scenario(cluster: ClusterStack) -> None:
    assert _scenario(cluster, organisations=2, kills=0).passed
    with psycopg.connect(cluster.databases.url("invoicing"), autocommit=True) as db:
        damaged = db.execute(
            "DELETE FROM known_organisations WHERE organisation_id = "
            "(SELECT min(organisation_id) FROM known_organisations)"
        )
        assert damaged.rowcount == 1
    row = _scenario(cluster, organisations=2, kills=0)
    assert not row.passed
    assert row.figures["equal"] == "no" or "not equal" in row.note
    assert "known_organisations" in row.note, row.note
