"""A service that starts while JetStream cannot answer yet waits for it instead of exiting.

A NATS cluster that lost a node elects a new meta leader; until it has, JetStream API requests
time out. Replicas restarted then (the kill storm of `make chaos`) used to exit at their first
start-up call and stay down.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from devstack.nats import NatsServerProcess
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from servicekit.settings import CommonSettings
from servicekit.worker import ServiceWorker


async def test_a_start_up_hook_is_run_again_until_jetstream_answers(
    nats_server: NatsServerProcess, tmp_path: Path
) -> None:
    worker = ServiceWorker("starting", CommonSettings(nats_url=nats_server.url, var_dir=tmp_path))
    calls: list[str] = []

    async def hook(js: JetStreamContext) -> None:
        if len(calls) < 2:
            calls.append("timed out")
            raise NatsTimeoutError
        await js.account_info()
        calls.append("answered")

    worker.on_connected(hook)
    running = asyncio.create_task(worker.run())
    try:
        async with asyncio.timeout(20):
            while "answered" not in calls:
                assert not running.done(), running.exception()
                await asyncio.sleep(0.05)
        assert calls == ["timed out", "timed out", "answered"]
        assert not running.done()  # it went on to serve
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.broker.stop()
