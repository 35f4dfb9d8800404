import json
import os
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import nats
import pytest
from devstack import KVK_TEST_API_KEY, SERVICES, Stack, StackError, read_mails

StackFactory = Callable[..., Stack]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for this test process to reap it counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _env_of(stack: Stack, name: str) -> dict[str, str]:
    path = stack.var_dir / "fake" / f"env-{stack.processes[name].pid}.json"
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    env: dict[str, str] = json.loads(path.read_text())
    return env


def _wait_until(condition: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_the_stack_starts_every_service_and_the_gateway_becomes_ready(stack: Stack) -> None:
    stack.wait_ready(timeout=30)
    assert list(stack.processes) == [*SERVICES, "gateway"]
    assert all(p.poll() is None for p in stack.processes.values())
    assert stack.nats is not None and stack.nats.running()
    assert stack.nats_url == stack.nats.url
    assert stack.smtp_url.startswith("smtp://127.0.0.1:")
    for sub in ("mail", "nats", "logs", "keys"):
        assert (stack.var_dir / sub).is_dir()
    assert (stack.var_dir / "logs" / "identity.log").read_text().strip() == "fake service up"


def test_every_service_gets_the_same_environment(stack: Stack) -> None:
    stack.wait_ready(timeout=30)
    env = _env_of(stack, "invoicing")
    assert env["NATS_URL"] == stack.nats_url
    assert env["SMTP_URL"] == stack.smtp_url
    assert env["VAR_DIR"] == str(stack.var_dir)
    assert env["PUBLIC_BASE_URL"] == stack.gateway_url
    assert env["GATEWAY_HOST"] == "127.0.0.1"
    assert env["GATEWAY_PORT"] == str(stack.gateway_port)
    assert env["LOG_FORMAT"] == "json"
    for var in ("IDENTITY", "NOTIFICATIONS"):
        assert env[f"{var}_PRIVATE_KEY"] and env[f"{var}_PUBLIC_KEY"]
    assert _env_of(stack, "gateway")["IDENTITY_PUBLIC_KEY"] == env["IDENTITY_PUBLIC_KEY"]


async def test_services_reach_the_stacks_own_nats_and_smtp_sink(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        await nc.jetstream().add_stream(name="PROBE", subjects=["probe.>"])
    finally:
        await nc.close()
    port = int(stack.smtp_url.rsplit(":", 1)[1])
    msg = EmailMessage()
    msg["Subject"] = "probe"
    msg.set_content("hi")
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(msg, from_addr="a@x.nl", to_addrs=["b@x.nl"])
    assert [m["Subject"] for m in read_mails(stack.maildir)] == ["probe"]


def test_stop_leaves_no_child_process_alive(stack: Stack) -> None:
    stack.wait_ready(timeout=30)
    # The gateway can be ready before a slow-starting service has installed its SIGTERM handler.
    _wait_until(lambda: len(list((stack.var_dir / "fake").glob("up-*"))) == len(SERVICES))
    assert stack.nats is not None and stack.smtp_sink is not None and stack.kvk_fake is not None
    pids = [p.pid for p in stack.processes.values()]
    pids += [stack.nats.pid or 0, stack.smtp_sink.pid or 0, stack.kvk_fake.pid or 0]
    stack.stop()
    assert all(p.returncode == 0 for p in stack.processes.values())
    assert not any(_alive(pid) for pid in pids)
    stack.stop()  # idempotent


def test_a_service_ignoring_sigterm_is_killed_after_the_grace_period(
    make_stack: StackFactory,
) -> None:
    stack = make_stack(extra_env={"FAKE_IGNORE_TERM": "1"}, stop_timeout=0.5)
    stack.start()
    stack.wait_ready(timeout=30)
    for name in SERVICES:
        _env_of(stack, name)  # handlers are installed once the env is written
    time.sleep(0.2)
    started = time.monotonic()
    stack.stop()
    assert time.monotonic() - started < 10
    assert stack.processes["identity"].returncode == -9
    assert stack.processes["gateway"].returncode == 0


def test_a_killed_service_stays_down_until_started_again_with_extra_env(stack: Stack) -> None:
    stack.wait_ready(timeout=30)
    old = stack.processes["invoicing"]
    stack.kill("invoicing")
    assert old.returncode == -9
    time.sleep(0.5)
    assert stack.processes["invoicing"] is old
    stack.start_service("invoicing", extra_env={"CHAOS": "after-kill"})
    new = stack.processes["invoicing"]
    assert new.pid != old.pid and new.poll() is None
    assert _env_of(stack, "invoicing")["CHAOS"] == "after-kill"
    stack.terminate("invoicing")
    assert new.returncode == 0
    stack.start_service("invoicing")
    assert "CHAOS" not in _env_of(stack, "invoicing")
    with pytest.raises(StackError, match="already running"):
        stack.start_service("invoicing")


def test_a_service_that_crashes_on_start_fails_wait_ready_with_its_log(
    make_stack: StackFactory,
) -> None:
    stack = make_stack(extra_env={"FAKE_EXIT_CODE": "3"})
    stack.start()
    with pytest.raises(StackError) as failure:
        stack.wait_ready(timeout=30)
    assert "identity (exit 3)" in str(failure.value)
    assert "fake service failing on purpose" in str(failure.value)


def test_a_supervised_service_that_dies_is_restarted(make_stack: StackFactory) -> None:
    stack = make_stack(supervise=True)
    stack.start()
    stack.wait_ready(timeout=30)
    victim = stack.processes["organisation"]
    os.kill(victim.pid, 9)  # a crash, not Stack.kill (which means "keep it down")
    _wait_until(lambda: stack.processes["organisation"].pid != victim.pid)
    assert stack.processes["organisation"].poll() is None
    stack.stop()
    assert all(p.poll() is not None for p in stack.processes.values())


def test_keys_are_created_once_and_reused_by_the_next_stack(make_stack: StackFactory) -> None:
    first = make_stack()
    first.start()
    first_env = _env_of(first, "identity")
    key_file = first.var_dir / "keys" / "identity.key"
    created = key_file.stat().st_mtime_ns
    first.stop()
    second = make_stack(first.var_dir)
    second.start()
    second_env = _env_of(second, "identity")
    assert second_env["IDENTITY_PRIVATE_KEY"] == first_env["IDENTITY_PRIVATE_KEY"]
    assert second_env["NOTIFICATIONS_PUBLIC_KEY"] == first_env["NOTIFICATIONS_PUBLIC_KEY"]
    assert key_file.stat().st_mtime_ns == created


def test_given_nats_and_smtp_urls_are_used_instead_of_own_servers(
    make_stack: StackFactory, tmp_path: Path
) -> None:
    stack = make_stack(
        nats_url="nats://127.0.0.1:1",
        smtp_url="smtp://127.0.0.1:2",
        kvk_url="https://api.kvk.nl/test/api",
    )
    stack.start()
    assert stack.nats is None and stack.smtp_sink is None and stack.kvk_fake is None
    assert not stack.own_nats and not stack.own_kvk
    env = _env_of(stack, "identity")
    assert (env["NATS_URL"], env["SMTP_URL"]) == ("nats://127.0.0.1:1", "smtp://127.0.0.1:2")
    assert env["KVK_BASE_URL"] == "https://api.kvk.nl/test/api"


def test_a_taken_gateway_port_is_refused_before_anything_starts(
    make_stack: StackFactory,
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        stack = make_stack(gateway_port=port)
        with pytest.raises(StackError, match=f"port {port}"):
            stack.start()
    assert stack.processes == {} and stack.nats is None


def test_nats_can_be_killed_and_restarted_under_a_running_stack(stack: Stack) -> None:
    assert stack.nats is not None
    url = stack.nats_url
    stack.nats.kill()
    assert not stack.nats.running()
    stack.nats.start()
    assert stack.nats_url == url and stack.nats.running()


def test_the_stack_works_as_a_context_manager(make_stack: StackFactory) -> None:
    with make_stack() as stack:
        stack.wait_ready(timeout=30)
        procs = list(stack.processes.values())
    assert all(p.poll() is not None for p in procs)


def _orphan_the_stack(stack: Stack) -> None:
    """Make the stack's records look like those of a launcher that died."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (stack.var_dir / "run" / "stack.pid").write_text(f"{gone.pid} 1\n")


def test_a_new_stack_stops_what_a_dead_launcher_left_running(make_stack: StackFactory) -> None:
    old = make_stack()
    old.start()
    old.wait_ready(timeout=30)
    assert old.nats is not None
    leftovers = [p.pid for p in old.processes.values()] + [old.nats.pid or 0]
    _orphan_the_stack(old)
    new = make_stack(old.var_dir)
    new.start()
    for pid in leftovers:
        _wait_until(lambda pid=pid: not _alive(pid))
    new.wait_ready(timeout=30)
    assert all(p.poll() is None for p in new.processes.values())


def test_a_var_dir_owned_by_another_running_stack_is_refused(make_stack: StackFactory) -> None:
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stack = make_stack()
        run = stack.var_dir / "run"
        run.mkdir(parents=True)
        started = Path(f"/proc/{owner.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
        (run / "stack.pid").write_text(f"{owner.pid} {started}\n")
        with pytest.raises(StackError, match=f"pid {owner.pid}"):
            stack.start()
        assert stack.processes == {}
    finally:
        owner.kill()
        owner.wait()


def _kvk_answer(url: str, key: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, headers={"apikey": key})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_the_stack_runs_a_fake_kvk_register_and_every_service_is_pointed_at_it(
    stack: Stack,
) -> None:
    stack.wait_ready(timeout=30)
    assert stack.own_kvk and stack.kvk_fake is not None and stack.kvk_fake.running()
    assert stack.kvk_url == stack.kvk_fake.url
    for name in [*SERVICES, "gateway"]:
        env = _env_of(stack, name)
        assert (env["KVK_BASE_URL"], env["KVK_API_KEY"]) == (stack.kvk_url, KVK_TEST_API_KEY)
    status, profile = _kvk_answer(
        f"{stack.kvk_url}/v1/basisprofielen/68750110", _env_of(stack, "organisation")["KVK_API_KEY"]
    )
    assert (status, profile["naam"]) == (200, "Test BV Donald")
    assert (stack.var_dir / "run" / "kvk-fake.pid").exists()
    assert "kvk-fake" in stack.log_tails()


def test_a_kvk_base_url_in_the_environment_means_no_fake_and_the_callers_key(
    make_stack: StackFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KVK_BASE_URL", "https://api.kvk.nl/api")
    monkeypatch.setenv("KVK_API_KEY", "the-production-key")
    stack = make_stack()
    stack.start()
    assert stack.kvk_fake is None and not stack.own_kvk
    env = _env_of(stack, "organisation")
    assert (env["KVK_BASE_URL"], env["KVK_API_KEY"]) == (
        "https://api.kvk.nl/api",
        "the-production-key",
    )


def test_a_crashed_fake_kvk_register_is_restarted_by_the_supervisor(
    make_stack: StackFactory,
) -> None:
    stack = make_stack(supervise=True)
    stack.start()
    assert stack.kvk_fake is not None
    crashed = stack.kvk_fake.pid
    os.kill(crashed or 0, 9)
    _wait_until(lambda: stack.kvk_fake is not None and stack.kvk_fake.pid != crashed)
    _wait_until(lambda: stack.kvk_fake is not None and stack.kvk_fake.ready())
    status, _ = _kvk_answer(f"{stack.kvk_url}/v2/zoeken?naam=bakkerij", "key")
    assert status == 200
