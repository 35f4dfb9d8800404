"""Where the time goes: CPU per process and identity's own command-handling time, per phase."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from prometheus_client.parser import text_string_to_metric_families

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
VERIFY_SUBJECT = "cmd.identity.verify-email"


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, all threads (children not included)."""
    return cpu_seconds_of(Path(f"/proc/{pid}/stat"))


def main_thread_seconds(pid: int) -> float | None:
    """CPU time of a process's main thread (its tid is the pid): for Python services the
    event loop, while store and worker threads make up the rest."""
    return cpu_seconds_of(Path(f"/proc/{pid}/task/{pid}/stat"))


def cpu_seconds_of(stat_file: Path) -> float | None:
    """User + system CPU seconds from a /proc stat file."""
    try:
        stat = stat_file.read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the name may hold spaces; fields follow ')'
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent not idle since boot (first line of /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def others_busy_cores(seconds: float = 1.0) -> float:
    """Cores kept busy by processes that are not ours, over `seconds` (before we start any)."""
    own = os.times()
    busy = machine_busy_seconds()
    time.sleep(seconds)
    mine = (os.times().user - own.user) + (os.times().system - own.system)
    return max(0.0, (machine_busy_seconds() - busy - mine) / seconds)


@dataclass
class HandlerTime:
    """identity's command_handling_seconds for the verify command: count and total seconds."""

    count: float = 0.0
    seconds: float = 0.0


async def verify_handler_time(nats_url: str) -> HandlerTime:
    """Ask identity for its Prometheus metrics over NATS and read the verify command's total."""
    nc = await nats.connect(nats_url)
    try:
        reply = await nc.request("qry.identity.metrics", b"", timeout=5.0)
    finally:
        await nc.close()
    found = HandlerTime()
    for family in text_string_to_metric_families(reply.data.decode()):
        if family.name != "command_handling_seconds":
            continue
        for sample in family.samples:
            if sample.labels.get("subject") != VERIFY_SUBJECT:
                continue
            if sample.name.endswith("_count"):
                found.count += sample.value
            elif sample.name.endswith("_sum"):
                found.seconds += sample.value
    return found


class PhaseMeter:
    """CPU of each process and identity's handler time between `start` and `stop`."""

    def __init__(
        self, pids: dict[str, int], nats_url: str, sampled: dict[str, Path] | None = None
    ) -> None:
        self._pids = {**pids, "bench (this process)": os.getpid()}
        self._nats_url = nats_url
        self._sampled = sampled or {}
        self._cpu: dict[str, float] = {}
        self._main: dict[str, float] = {}
        self._handler = HandlerTime()
        self._machine = 0.0
        self._began = 0.0

    async def start(self) -> None:
        """Take the first snapshot."""
        self._handler = await verify_handler_time(self._nats_url)
        for name in self._sampled:
            os.kill(self._pids[name], signal.SIGUSR1)
        self._cpu = _present({n: cpu_seconds(p) for n, p in self._pids.items()})
        self._main = _present({n: main_thread_seconds(p) for n, p in self._pids.items()})
        self._machine = machine_busy_seconds()
        self._began = time.perf_counter()

    async def stop(self) -> dict[str, Any]:
        """Cores used by each process, and how busy identity's verify handler was."""
        wall = time.perf_counter() - self._began
        cores: dict[str, float] = {}
        for name, before in self._cpu.items():
            after = cpu_seconds(self._pids[name])
            if after is not None:
                cores[name] = (after - before) / wall
        main_cores: dict[str, float] = {}
        for name, before in self._main.items():
            after = main_thread_seconds(self._pids[name])
            if after is not None:
                main_cores[name] = (after - before) / wall
        machine = (machine_busy_seconds() - self._machine) / wall
        samples = {name: await self._samples(name, out) for name, out in self._sampled.items()}
        handler = await verify_handler_time(self._nats_url)
        count = handler.count - self._handler.count
        seconds = handler.seconds - self._handler.seconds
        return {
            "wall_seconds": wall,
            "cpu_cores": cores,
            "cpu_cores_total": sum(cores.values()),
            "main_thread_cores": main_cores,
            "machine_busy_cores": machine,
            "others_busy_cores": max(0.0, machine - sum(cores.values())),
            "identity_verify_handled": count,
            "identity_verify_mean_ms": seconds / count * 1000.0 if count else None,
            # Sum of handler times / wall: 1.0 means one command at a time, back to back.
            "identity_verify_busy": seconds / wall,
            "samples": samples,
        }

    async def _samples(self, name: str, out: Path) -> dict[str, Any]:
        """Ask a sampled service for its recording and wait for the file."""
        _remove(out)
        os.kill(self._pids[name], signal.SIGUSR2)
        for _ in range(100):
            recording = _read(out)
            if recording is not None:
                return recording
            await asyncio.sleep(0.05)
        return {}


def _present(values: dict[str, float | None]) -> dict[str, float]:
    return {name: value for name, value in values.items() if value is not None}


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):  # not there yet, or still being written
        return None
    return loaded


def sample_lines(name: str, recording: dict[str, Any], top: int = 14) -> list[str]:
    """Per busy thread: how busy, and its busiest functions as % of all samples."""
    if not recording:
        return [f"    {name}: no samples"]
    total = recording["samples"]
    every = recording["interval_s"] * 1000
    lines = [f"    {name} sampled: {total} samples, one per {every:.0f} ms; % of samples"]
    for thread, counts in recording["threads"].items():
        busy = counts["busy"]
        if busy < total * 0.02:
            continue
        lines.append(f"      thread {thread}: busy {100 * busy / total:.1f}%  (on stack | on top)")
        own = dict(counts["own"])
        # Frames on the stack in (nearly) every busy sample are the thread's bootstrap.
        shown = [(w, n) for w, n in counts["inclusive"] if n < 0.97 * busy][:top]
        for where, hits in shown:
            on, top_ = 100 * hits / total, 100 * own.get(where, 0) / total
            lines.append(f"        {on:5.1f}% | {top_:5.1f}%  {where}")
    return lines
