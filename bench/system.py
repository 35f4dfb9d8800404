"""The system under test: the stack on private ports, restarts for measuring, what it runs on."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from devstack.nats import NatsServerProcess
from devstack.ports import free_port
from devstack.proc import ManagedProcess
from devstack.sink_process import SmtpSinkProcess
from devstack.stack import Stack

from bench.stats import memory_of, own_peak_mib

# Production argon2 parameters of the identity service (identity.settings).
PRODUCTION_ARGON2 = {"time_cost": 3, "memory_cost_kib": 65536, "parallelism": 4}
# Lowered for the sign-ups of the setup only: the verify command hashes no password.
SETUP_ARGON2 = {"time_cost": 1, "memory_cost_kib": 1024, "parallelism": 1}


def argon2_env(params: dict[str, int]) -> dict[str, str]:
    """The identity settings for these argon2 parameters."""
    return {
        "ARGON2_TIME_COST": str(params["time_cost"]),
        "ARGON2_MEMORY_COST_KIB": str(params["memory_cost_kib"]),
        "ARGON2_PARALLELISM": str(params["parallelism"]),
    }


class System:
    """The stack with a nats-server and SMTP sink of its own on free ports.

    devstack picks the fixed ports 14222 and 8025 when they look free; on a machine where other
    runs come and go, a service could then talk to someone else's server. Free ports, chosen
    here and handed to the stack, avoid that.
    """

    def __init__(self, var_dir: Path) -> None:
        logs = var_dir / "logs"
        self.nats = NatsServerProcess(
            var_dir / "nats", port=free_port(), log_file=logs / "nats-server.log"
        )
        self.sink = SmtpSinkProcess(
            var_dir / "mail", port=free_port(), log_file=logs / "smtp-sink.log"
        )
        self.stack = Stack(
            var_dir,
            gateway_port=free_port(),
            nats_url=self.nats.url,
            smtp_url=self.sink.url,
            extra_env={"CONSUMER_ACK_WAIT_SECONDS": "30", **argon2_env(SETUP_ARGON2)},
            log_to_files=True,
        )

    @contextmanager
    def running(self) -> Iterator[Stack]:
        """Start everything and wait until ready; stop everything on the way out, whatever."""
        infra: list[ManagedProcess] = []
        try:
            for process in [self.nats, self.sink]:
                infra.append(process)
                process.start()
            self.stack.start()
            self.stack.wait_ready(timeout=60)
            yield self.stack
        finally:
            self.stack.stop()
            for started in reversed(infra):
                started.stop(10.0)

    def restart_for_measurement(self, profile: list[str]) -> dict[str, Path]:
        """identity back on the production hash; services to profile under bench.sampled."""
        stack = self.stack
        sampled: dict[str, Path] = {}
        for name in dict.fromkeys(["identity", *profile]):
            env = argon2_env(PRODUCTION_ARGON2) if name == "identity" else {}
            stack.terminate(name)
            if name in profile:
                sampled[name] = stack.var_dir / f"samples-{name}.json"
                env.update(BENCH_SAMPLED_MODULE=name, BENCH_SAMPLE_OUT=str(sampled[name]))
                stack.modules[name] = "bench.sampled"
            stack.start_service(name, extra_env=env)
        stack.wait_ready(60.0)
        return sampled

    def pids(self) -> dict[str, int]:
        """Every process of the system by name."""
        pids = {name: popen.pid for name, popen in self.stack.processes.items()}
        for process in (self.nats, self.sink):
            if process.pid is not None:
                pids[process.name] = process.pid
        return pids

    def pids_with_children(self) -> dict[str, int]:
        """Every process of the system, and the processes each started (invoicing's
        validation workers, say) as `<name>/<child pid>`: CPU of children is not in their
        parent's own figures while they run."""
        pids = self.pids()
        for name, pid in list(pids.items()):
            for child in children_of(pid):
                pids[f"{name}/{child}"] = child
        return pids

    def memory(self) -> dict[str, Any]:
        """RSS now and at peak of every process, and of this benchmark process."""
        found = {name: memory_of(pid) for name, pid in self.pids().items()}
        figures: dict[str, Any] = {n: asdict(m) for n, m in found.items() if m is not None}
        figures["bench (this process)"] = {"rss_mib": None, "peak_mib": own_peak_mib()}
        return figures


def children_of(pid: int) -> list[int]:
    """The child processes of a process, from every one of its threads (Linux /proc)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found.extend(int(c) for c in (task / "children").read_text().split())
    return sorted(set(found))


def code_state() -> dict[str, Any]:
    """Which code was measured: the commit, and a digest of uncommitted changes to it."""

    def git(*argv: str) -> str:
        done = subprocess.run(["git", *argv], capture_output=True, text=True, check=False)
        return done.stdout

    diff = git("diff", "HEAD", "--", "libs", "services")
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        "uncommitted_files": len(git("status", "--porcelain", "--", "libs", "services").split()),
        "diff_sha256": hashlib.sha256(diff.encode()).hexdigest()[:12],
    }
