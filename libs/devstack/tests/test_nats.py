import socket
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from devstack import NatsServerProcess, NatsStartError, free_port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServerProcess]:
    process = NatsServerProcess(tmp_path / "nats", free_port())
    process.start()
    try:
        yield process
    finally:
        process.stop()


async def _publish(url: str, count: int) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await js.add_stream(name="INVOICES", subjects=["invoices.>"])
        for i in range(count):
            await js.publish("invoices.created", f"invoice {i}".encode())
    finally:
        await nc.close()


async def _stored(url: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info("INVOICES")
        return int(info.state.messages)
    finally:
        await nc.close()


async def test_the_server_starts_on_a_free_port_with_jetstream(
    server: NatsServerProcess,
) -> None:
    assert server.url == f"nats://127.0.0.1:{server.port}"
    assert server.port != 4222
    await _publish(server.url, 3)
    assert await _stored(server.url) == 3
    assert (server.store_dir / "jetstream").is_dir()
    assert server.log_file == server.store_dir.parent / "logs" / "nats-server.log"
    assert server.log_file.exists()


async def test_a_stream_keeps_its_messages_across_stop_and_start(
    server: NatsServerProcess,
) -> None:
    await _publish(server.url, 5)
    server.stop()
    assert not server.running()
    server.start()
    assert await _stored(server.url) == 5


async def test_a_killed_server_comes_back_on_the_same_port_with_its_store(
    server: NatsServerProcess,
) -> None:
    await _publish(server.url, 2)
    old_pid = server.pid
    server.kill()
    assert not server.running()
    server.start()
    assert server.pid != old_pid
    assert await _stored(server.url) == 2


def test_the_default_port_is_never_the_machines_own_server(tmp_path: Path) -> None:
    assert NatsServerProcess(tmp_path / "nats").port != 4222


def test_a_server_that_cannot_bind_fails_clearly_with_its_log(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        process = NatsServerProcess(tmp_path / "nats", port, start_timeout=10)
        with pytest.raises(NatsStartError, match=f"port {port}") as failure:
            process.start()
    assert "address already in use" in str(failure.value).lower()
    assert not process.running()
