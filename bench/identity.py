"""bench/identity: logins/s against the raw argon2 rate; GET /api/v1/me/s against bare Litestar.

    python -m bench.identity [--users 8] [--login-concurrency 2] [--login-seconds 20]
                             [--argon2-seconds 10] [--rounds 4]
                             [--get-concurrency 8] [--get-seconds 12] [--profile SERVICE,...]
                             [--only-me]

In one run on this machine:

- Reference: argon2-cffi `PasswordHasher.verify` of a right password with identity's own
  parameters (the defaults of identity.settings.IdentitySettings), from as many threads as
  logins are in flight. Reference and logins alternate in rounds (the stack idle while the
  reference runs), so a neighbour's load meets both alike.
- Logins: the whole system as processes (devstack Stack, own nats-server and SMTP sink on free
  ports, logs in files), a few users signed up and verified through the mails, then
  POST /api/v1/sessions in a closed loop for a fixed time, users taken in turn.
- GET /api/v1/me with a valid access token against a bare Litestar GET route served by uvicorn
  in its own process, same client, same concurrency, alternating halves (bare, me, bare, me).
- CPU per process in every phase (where the time goes), RSS of every process at the end.

Prints the report with the targets and writes the JSON to var/bench/identity-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import nats
import structlog
from argon2 import PasswordHasher
from devstack.ports import free_port
from identity.settings import IdentitySettings
from prometheus_client.parser import text_string_to_metric_families

from bench.diagnose import cpu_seconds, machine_busy_seconds, others_busy_cores, sample_lines
from bench.load import PASSWORD, tokens_in_mails, wait_until
from bench.rawrequest import RequestClient
from bench.report import write_json
from bench.stats import latency_of, memory_of
from bench.system import System, argon2_env, code_state

LOGIN_SHARE = 0.8  # logins/s >= 0.8 x argon2 verifications/s
ME_SHARE = 0.5  # GET /api/v1/me/s >= 0.5 x bare Litestar GETs/s
LOGIN_SUBJECT = "cmd.identity.login"
PROFILE_SUBJECT = "qry.identity.profile"
# Above this many cores taken by processes not ours during a phase, its verdict is suspect.
NOISY_CORES = 0.25


def identity_argon2() -> dict[str, int]:
    """identity's argon2 parameters: the defaults of its settings (what production runs)."""
    fields = IdentitySettings.model_fields
    return {
        "time_cost": int(fields["argon2_time_cost"].default),
        "memory_cost_kib": int(fields["argon2_memory_cost_kib"].default),
        "parallelism": int(fields["argon2_parallelism"].default),
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.identity", description=__doc__)
    parser.add_argument("--users", type=int, default=8, help="verified users logging in in turn")
    parser.add_argument(
        "--login-concurrency",
        type=int,
        default=os.cpu_count() or 2,
        help="logins in flight = argon2 reference threads (default: one per core)",
    )
    parser.add_argument("--login-seconds", type=float, default=20.0, help="all rounds together")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="reference and logins alternate in this many rounds, so a neighbour's load "
        "meets both alike",
    )
    parser.add_argument("--argon2-seconds", type=float, default=10.0, help="all rounds together")
    parser.add_argument("--get-concurrency", type=int, default=8, help="GETs in flight")
    parser.add_argument("--get-seconds", type=float, default=12.0, help="per side, both halves")
    parser.add_argument(
        "--only-me",
        action="store_true",
        help="skip the argon2 reference and the logins: only bare Litestar against GET "
        "/api/v1/me (for work on /me; the login target is not judged)",
    )
    parser.add_argument(
        "--profile",
        type=lambda text: [name for name in text.split(",") if name],
        default=[],
        metavar="SERVICE,...",
        help="diagnosis only: sample these services' stacks (bench.sampled) during the first "
        "GET /api/v1/me half; figures are perturbed",
    )
    return parser.parse_args(argv)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# -- CPU accounting -------------------------------------------------------------------------


class CpuMeter:
    """Cores used by each named process (and by the rest of the machine) over one phase."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = {**pids, "bench (this process)": os.getpid()}
        self._before: dict[str, float] = {}
        self._machine = 0.0
        self._began = 0.0

    def start(self) -> None:
        """Take the first snapshot."""
        self._before = {n: s for n, p in self.pids.items() if (s := cpu_seconds(p)) is not None}
        self._machine = machine_busy_seconds()
        self._began = time.perf_counter()

    def stop(self) -> dict[str, Any]:
        """Cores used per process; busy cores of the machine; cores used by others."""
        wall = time.perf_counter() - self._began
        cores: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for name, before in self._before.items():
            after = cpu_seconds(self.pids[name])
            if after is not None:
                cpu[name] = after - before
                cores[name] = cpu[name] / wall
        machine = (machine_busy_seconds() - self._machine) / wall
        return {
            "wall_seconds": wall,
            "cpu_seconds": cpu,
            "cores": cores,
            "cores_ours": sum(cores.values()),
            "machine_busy_cores": machine,
            "others_busy_cores": max(0.0, machine - sum(cores.values())),
        }


# -- reference: argon2 verify ---------------------------------------------------------------


def argon2_verifications(params: dict[str, int], threads: int, seconds: float) -> dict[str, Any]:
    """Right-password verifications per second from `threads` threads, back to back."""
    hasher = PasswordHasher(
        time_cost=params["time_cost"],
        memory_cost=params["memory_cost_kib"],
        parallelism=params["parallelism"],
    )
    stored = hasher.hash(PASSWORD)
    hasher.verify(stored, PASSWORD)  # warm up the allocator
    durations: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def work() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            hasher.verify(stored, PASSWORD)
            with lock:
                durations.append(time.perf_counter() - began)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - start
    return {
        "threads": threads,
        "verifications": len(durations),
        "seconds": wall,
        "per_second": len(durations) / wall,
        "verify": latency_of(durations).as_dict(),
        "durations": durations,
    }


def merge_cpu(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """CPU figures of several slices of one phase as one."""
    wall = sum(p["wall_seconds"] for p in parts)
    cpu: Counter[str] = Counter()
    for part in parts:
        cpu.update(part["cpu_seconds"])
    machine = sum(p["machine_busy_cores"] * p["wall_seconds"] for p in parts) / wall
    cores = {name: used / wall for name, used in cpu.items()}
    return {
        "wall_seconds": wall,
        "cpu_seconds": dict(cpu),
        "cores": cores,
        "cores_ours": sum(cores.values()),
        "machine_busy_cores": machine,
        "others_busy_cores": max(0.0, machine - sum(cores.values())),
    }


def measured_reference(
    params: dict[str, int], threads: int, seconds: float, pids: dict[str, int]
) -> dict[str, Any]:
    """One half of the reference, with the CPU of every process while it ran."""
    meter = CpuMeter(pids)
    meter.start()
    figures = argon2_verifications(params, threads, seconds)
    figures["cpu"] = meter.stop()
    return figures


def combined(slices: list[dict[str, Any]]) -> dict[str, Any]:
    """The slices as one figure: all verifications over all their time."""
    count = sum(h["verifications"] for h in slices)
    seconds = sum(h["seconds"] for h in slices)
    durations = [d for h in slices for d in h.pop("durations")]
    return {
        "verifications": count,
        "seconds": seconds,
        "per_second": count / seconds,
        "slices_per_second": [h["per_second"] for h in slices],
        "verify": latency_of(durations).as_dict(),
        "cpu": merge_cpu([h["cpu"] for h in slices]),
    }


# -- HTTP load ------------------------------------------------------------------------------


@dataclass
class Phase:
    """A closed-loop phase: each answer's time and status."""

    durations: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    slices_per_second: list[float] = field(default_factory=list)

    @property
    def ok(self) -> int:
        """2xx answers."""
        return sum(n for status, n in self.statuses.items() if status.startswith("2"))

    @property
    def errors(self) -> int:
        """Everything else, including no answer at all."""
        return sum(self.statuses.values()) - self.ok

    def as_dict(self, cpu: dict[str, Any]) -> dict[str, Any]:
        """For the JSON record; CPU per answer per process from `cpu`."""
        answers = max(1, sum(self.statuses.values()))
        return {
            "answers": sum(self.statuses.values()),
            "ok": self.ok,
            "errors": self.errors,
            "statuses": dict(self.statuses),
            "seconds": self.seconds,
            "per_second": self.ok / self.seconds if self.seconds else 0.0,
            "latency": latency_of(self.durations).as_dict(),
            "cpu": cpu,
            "cpu_ms_per_answer": {
                name: used * 1000.0 / answers for name, used in cpu["cpu_seconds"].items()
            },
        }


Request = Callable[[int], Awaitable[tuple[int, bytes]]]


async def closed_loop(request: Request, concurrency: int, seconds: float) -> Phase:
    """`concurrency` workers, each sending again as soon as its last answer came, until time."""
    phase = Phase()
    counter = itertools.count()
    start = time.perf_counter()
    deadline = start + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                status, _ = await request(next(counter))
            except (OSError, asyncio.IncompleteReadError) as error:
                phase.statuses[type(error).__name__] += 1
                continue
            phase.durations.append(time.perf_counter() - began)
            phase.statuses[str(status)] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.seconds = time.perf_counter() - start  # until the last answer of the last worker
    return phase


async def measured_phase(
    request: Request, concurrency: int, seconds: float, pids: dict[str, int]
) -> dict[str, Any]:
    """A closed-loop phase with the CPU of every process while it ran."""
    meter = CpuMeter(pids)
    meter.start()
    phase = await closed_loop(request, concurrency, seconds)
    return phase.as_dict(meter.stop())


def merged(halves: list[dict[str, Any]]) -> dict[str, Any]:
    """Two halves of the same phase as one figure (latencies: the worse half's percentiles)."""
    ok = sum(h["ok"] for h in halves)
    seconds = sum(h["seconds"] for h in halves)
    statuses: Counter[str] = Counter()
    for half in halves:
        statuses.update(half["statuses"])
    return {
        "ok": ok,
        "errors": sum(h["errors"] for h in halves),
        "statuses": dict(statuses),
        "seconds": seconds,
        "per_second": ok / seconds if seconds else 0.0,
        "halves_per_second": [h["per_second"] for h in halves],
        "p50_ms": max(h["latency"]["p50_ms"] for h in halves),
        "p99_ms": max(h["latency"]["p99_ms"] for h in halves),
    }


# -- the system -----------------------------------------------------------------------------


async def sign_up_users(base_url: str, maildir: Path, run_id: str, users: int) -> list[str]:
    """Sign up and verify `users` addresses through the mails; the addresses."""
    addresses = [f"bench-{run_id}-{i:03d}@example.nl" for i in range(users)]
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
        for i, address in enumerate(addresses):
            body = {"email": address, "password": PASSWORD, "full_name": f"Bench User {i}"}
            answer = await http.post("/api/v1/registrations", json=body)
            if answer.status_code != 202:
                raise RuntimeError(f"sign-up answered {answer.status_code}: {answer.text}")
        await wait_until(
            lambda: len(tokens_in_mails(maildir)) >= users, 60.0, f"{users} verification mails"
        )
        for token in tokens_in_mails(maildir):
            answer = await http.post("/api/v1/registrations/verify", json={"token": token})
            if answer.status_code != 200:
                raise RuntimeError(f"verify answered {answer.status_code}: {answer.text}")
    return addresses


async def handler_times(nats_url: str) -> dict[str, dict[str, float]]:
    """identity's command_handling_seconds per subject: count and sum (all outcomes)."""
    nc = await nats.connect(nats_url)
    try:
        reply = await nc.request("qry.identity.metrics", b"", timeout=5.0)
    finally:
        await nc.close()
    found: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(reply.data.decode()):
        if family.name != "command_handling_seconds":
            continue
        for sample in family.samples:
            subject = sample.labels.get("subject", "")
            entry = found.setdefault(subject, {"count": 0.0, "sum": 0.0})
            if sample.name.endswith("_count"):
                entry["count"] += sample.value
            elif sample.name.endswith("_sum"):
                entry["sum"] += sample.value
    return found


def handler_delta(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]], subject: str
) -> dict[str, Any]:
    """identity's own time for `subject` between two snapshots: count, mean, busy share."""
    zero = {"count": 0.0, "sum": 0.0}
    count = after.get(subject, zero)["count"] - before.get(subject, zero)["count"]
    seconds = after.get(subject, zero)["sum"] - before.get(subject, zero)["sum"]
    return {
        "subject": subject,
        "count": count,
        "mean_ms": seconds / count * 1000.0 if count else None,
        "seconds": seconds,
    }


def restart_sampled(system: System, names: list[str]) -> dict[str, Path]:
    """Restart these services under bench.sampled (diagnosis only); where each writes."""
    stack = system.stack
    sampled: dict[str, Path] = {}
    for name in names:
        stack.terminate(name)
        sampled[name] = stack.var_dir / f"samples-{name}.json"
        stack.modules[name] = "bench.sampled"
        stack.start_service(
            name, extra_env={"BENCH_SAMPLED_MODULE": name, "BENCH_SAMPLE_OUT": str(sampled[name])}
        )
    if names:
        stack.wait_ready(60.0)
    return sampled


def start_sampling(sampled: dict[str, Path], pids: dict[str, int]) -> None:
    """SIGUSR1: each sampled service starts a fresh recording."""
    for name in sampled:
        os.kill(pids[name], signal.SIGUSR1)


async def collect_samples(sampled: dict[str, Path], pids: dict[str, int]) -> dict[str, Any]:
    """SIGUSR2: each sampled service writes its recording; read them."""
    found: dict[str, Any] = {}
    for name, out in sampled.items():
        out.unlink(missing_ok=True)
        os.kill(pids[name], signal.SIGUSR2)
        for _ in range(100):
            try:
                found[name] = json.loads(out.read_text())
                break
            except (OSError, ValueError):
                await asyncio.sleep(0.05)
    return found


@contextmanager
def bare_litestar() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """bench.bare_litestar under uvicorn in its own process on a free port; its URL."""
    port = free_port()
    repo = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bare_litestar", str(port)],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30.0
        while True:
            try:
                if httpx.get(f"{url}/bare", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bare Litestar app did not start")
            time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(10.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def login_rounds(
    login: Request,
    nats_url: str,
    args: argparse.Namespace,
    params: dict[str, int],
    pids: dict[str, int],
) -> dict[str, Any]:
    """The argon2 reference and the logins, alternating in rounds; both figures."""
    threads = args.login_concurrency
    rounds = max(1, args.rounds)
    ref_slice, login_slice = args.argon2_seconds / rounds, args.login_seconds / rounds
    print(
        f"Reference and logins in {rounds} rounds: argon2 verify with {threads} threads "
        f"{ref_slice:.1f} s, then POST /api/v1/sessions with {args.login_concurrency} in "
        f"flight {login_slice:.1f} s ...",
        flush=True,
    )
    ref_slices: list[dict[str, Any]] = []
    login_phase = Phase()
    login_cpu: list[dict[str, Any]] = []
    handlers_before = await handler_times(nats_url)
    for _ in range(rounds):
        ref_slices.append(
            await asyncio.to_thread(measured_reference, params, threads, ref_slice, pids)
        )
        meter = CpuMeter(pids)
        meter.start()
        part = await closed_loop(login, args.login_concurrency, login_slice)
        login_cpu.append(meter.stop())
        login_phase.durations += part.durations
        login_phase.statuses.update(part.statuses)
        login_phase.seconds += part.seconds
        login_phase.slices_per_second.append(part.ok / part.seconds)
    handlers_after = await handler_times(nats_url)
    logins = login_phase.as_dict(merge_cpu(login_cpu))
    logins["slices_per_second"] = login_phase.slices_per_second
    logins["identity_handler"] = handler_delta(handlers_before, handlers_after, LOGIN_SUBJECT)
    # Sequential verifications: information only (how much the threads add).
    sequential = await asyncio.to_thread(argon2_verifications, params, 1, 3.0)
    return {
        "reference": {
            "argon2": params,
            "threads": threads,
            "slices": ref_slices,
            "combined": combined(ref_slices),
            "sequential_info": sequential,
        },
        "logins": logins,
    }


async def drive(
    system: System, args: argparse.Namespace, run_id: str, params: dict[str, int]
) -> dict[str, Any]:
    """Setup, the argon2 reference around the logins, then bare vs /me; every figure."""
    stack = system.stack
    sampled = await asyncio.to_thread(restart_sampled, system, args.profile)
    pids = system.pids()
    print(f"Setup: {args.users} users signed up and verified through their mails ...", flush=True)
    began = time.perf_counter()
    users = await sign_up_users(stack.gateway_url, stack.maildir, run_id, args.users)
    setup_seconds = time.perf_counter() - began

    client = RequestClient(stack.gateway_url, max(args.login_concurrency, args.get_concurrency))
    try:

        async def login(i: int) -> tuple[int, bytes]:
            body = {"email": users[i % len(users)], "password": PASSWORD}
            return await client.post_with("/api/v1/sessions", body)

        # Warm-up: every user logs in once (the first login is not the steady state).
        tokens: list[str] = []
        for i in range(len(users)):
            status, data = await login(i)
            if status != 201:
                raise RuntimeError(f"warm-up login answered {status}: {data[:300]!r}")
            tokens.append(json.loads(data)["access_token"])
        for _ in range(20):
            status, data = await client.get("/api/v1/me", {"Authorization": f"Bearer {tokens[0]}"})
            if status != 200:
                raise RuntimeError(f"warm-up GET /api/v1/me answered {status}: {data[:300]!r}")

        measured_logins = (
            None if args.only_me else await login_rounds(login, stack.nats_url, args, params, pids)
        )

        headers = {"Authorization": f"Bearer {tokens[-1]}"}

        async def me(i: int) -> tuple[int, bytes]:
            return await client.get("/api/v1/me", headers)

        with bare_litestar() as (bare_url, bare_process):
            bare_client = RequestClient(bare_url, args.get_concurrency)
            try:

                async def bare(i: int) -> tuple[int, bytes]:
                    return await bare_client.get("/bare")

                for _ in range(200):  # warm-up
                    await bare(0)
                both = {**pids, "bare-litestar": bare_process.pid}
                each = args.get_seconds / 2
                bare_halves: list[dict[str, Any]] = []
                me_halves: list[dict[str, Any]] = []
                profile_handler: list[dict[str, Any]] = []
                samples: dict[str, Any] = {}
                for round_ in (1, 2):
                    print(
                        f"Bare Litestar GET {round_}/2: {args.get_concurrency} in flight, "
                        f"{each:.0f} s ...",
                        flush=True,
                    )
                    bare_halves.append(await measured_phase(bare, args.get_concurrency, each, both))
                    print(
                        f"GET /api/v1/me {round_}/2: {args.get_concurrency} in flight, "
                        f"{each:.0f} s ...",
                        flush=True,
                    )
                    snap = await handler_times(stack.nats_url)
                    if round_ == 1:
                        start_sampling(sampled, pids)
                    me_halves.append(await measured_phase(me, args.get_concurrency, each, both))
                    if round_ == 1:
                        samples = await collect_samples(sampled, pids)
                    profile_handler.append(
                        handler_delta(snap, await handler_times(stack.nats_url), PROFILE_SUBJECT)
                    )
                for half_, handler in zip(me_halves, profile_handler, strict=True):
                    half_["identity_handler"] = handler
                bare_memory = memory_of(bare_process.pid)
            finally:
                await bare_client.aclose()
    finally:
        await client.aclose()
    return {
        "setup": {"users": args.users, "seconds": setup_seconds},
        "reference": None if measured_logins is None else measured_logins["reference"],
        "logins": None if measured_logins is None else measured_logins["logins"],
        "bare_litestar": {"halves": bare_halves, "merged": merged(bare_halves)},
        "me": {"halves": me_halves, "merged": merged(me_halves)},
        "bare_memory_mib": None if bare_memory is None else asdict(bare_memory),
        "samples_during_me": samples,
    }


# -- report ---------------------------------------------------------------------------------


def targets(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets (the login one unless --only-me), judged against this run."""
    judged: list[dict[str, Any]] = []
    logins = record["logins"]
    if logins is not None:
        argon = record["reference"]["combined"]["per_second"]
        judged.append(
            {
                "target": f"logins/s >= {LOGIN_SHARE} x argon2 verify/s",
                "wanted": f">= {LOGIN_SHARE * argon:.2f}/s",
                "measured": f"{logins['per_second']:.2f}/s "
                f"({logins['per_second'] / argon:.2f} x), {logins['errors']} errors",
                "pass": logins["per_second"] >= LOGIN_SHARE * argon and logins["errors"] == 0,
                "others_busy_cores": max(
                    record["reference"]["combined"]["cpu"]["others_busy_cores"],
                    logins["cpu"]["others_busy_cores"],
                ),
            }
        )
    bare = record["bare_litestar"]["merged"]["per_second"]
    me = record["me"]["merged"]
    judged.append(
        {
            "target": f"GET /api/v1/me/s >= {ME_SHARE} x bare Litestar GET/s",
            "wanted": f">= {ME_SHARE * bare:.0f}/s",
            "measured": f"{me['per_second']:.0f}/s ({me['per_second'] / bare:.2f} x), "
            f"{me['errors']} errors",
            "pass": me["per_second"] >= ME_SHARE * bare and me["errors"] == 0,
            "others_busy_cores": max(
                half["cpu"]["others_busy_cores"]
                for half in [*record["me"]["halves"], *record["bare_litestar"]["halves"]]
            ),
        }
    )
    for target in judged:
        target["quiet"] = target["others_busy_cores"] <= NOISY_CORES
    return judged


def _cpu_lines(phase: dict[str, Any], per: str) -> list[str]:
    cpu = phase["cpu"]
    used = sorted(cpu["cores"].items(), key=lambda item: -item[1])
    shown = ", ".join(f"{name} {cores:.2f}" for name, cores in used if cores >= 0.01)
    per_answer = phase.get("cpu_ms_per_answer", {})
    costly = sorted(per_answer.items(), key=lambda item: -item[1])
    cost = ", ".join(f"{name} {ms:.2f}" for name, ms in costly if ms >= 0.05)
    lines = [
        f"    CPU cores          {cpu['cores_ours']:.2f} ours ({shown}); machine "
        f"{cpu['machine_busy_cores']:.2f} busy, {cpu['others_busy_cores']:.2f} by others",
    ]
    if cost:
        lines.append(f"    CPU ms per {per:<8}{cost}")
    return lines


def _latency(figures: dict[str, Any]) -> str:
    return (
        f"p50 {figures['p50_ms']:8.2f}  p99 {figures['p99_ms']:8.2f}  "
        f"max {figures['max_ms']:8.2f} ms"
    )


def _login_lines(record: dict[str, Any]) -> list[str]:
    """The argon2 reference and the logins (absent with --only-me)."""
    ref = record["reference"]
    logins = record["logins"]
    if ref is None or logins is None:
        return ["Reference and logins: skipped (--only-me)", ""]
    params = ref["argon2"]
    handler = logins["identity_handler"]
    mean = "n/a" if handler["mean_ms"] is None else f"{handler['mean_ms']:.1f} ms"
    concurrency = record["args"]["login_concurrency"]
    lines = [
        f"Reference: argon2id PasswordHasher.verify (right password) with identity's defaults "
        f"t={params['time_cost']}, m={params['memory_cost_kib']} KiB, p={params['parallelism']}",
        f"  concurrency: {ref['threads']} threads = {concurrency} logins in flight. A login costs "
        "one verify, run by identity",
        "  in a worker thread (asyncio.to_thread), so N logins in flight are N verifies at once; "
        "the",
        "  reference runs the same N at once. (Each verify also starts p lanes of its own in "
        "libargon2.)",
    ]
    comb = ref["combined"]
    slices = ", ".join(f"{rate:.2f}" for rate in comb["slices_per_second"])
    lines.append(
        f"  verify/s           {comb['per_second']:8.2f} verify/s  <- the reference  "
        f"({comb['verifications']} in {comb['seconds']:.1f} s; rounds {slices})"
    )
    lines.append(f"  verify latency     {_latency(comb['verify'])}")
    lines += _cpu_lines(comb, "verify")[:1]
    seq = ref["sequential_info"]
    lines += [
        f"  (info) 1 thread    {seq['per_second']:8.2f} verify/s  "
        f"(each {seq['verify']['p50_ms']:.0f} ms p50)",
        "",
        f"Logins: POST /api/v1/sessions, closed loop, {concurrency} in flight, "
        f"{record['args']['users']} users in turn, {logins['seconds']:.1f} s in "
        f"{record['args']['rounds']} rounds alternating with the reference's",
        f"  logins             {logins['per_second']:8.2f}/s  ({logins['ok']} ok, "
        f"{logins['errors']} errors {logins['statuses']}; rounds "
        + ", ".join(f"{rate:.2f}" for rate in logins["slices_per_second"])
        + ")",
        f"  latency            {_latency(logins['latency'])}",
        f"  identity handler   mean {mean} per login (cmd.identity.login, "
        f"{handler['count']:.0f} handled; busy {handler['seconds'] / logins['seconds']:.2f})",
        *_cpu_lines(logins, "login"),
        "",
    ]
    return lines


def print_report(record: dict[str, Any], path: Path) -> None:
    """The whole report on stdout."""
    lines = [
        "",
        "=" * 100,
        f"bench/identity  {record['started']}  {record['machine']['cpus']} CPUs, "
        f"Python {record['machine']['python']}, {record['database']}",
        "=" * 100,
        f"Code: commit {record['code']['commit']} + uncommitted changes in "
        f"{record['code']['uncommitted_files']} entries of libs/ services/ "
        f"(diff sha256 {record['code']['diff_sha256']})",
        f"Other processes on the machine before the run: "
        f"{record['others_busy_cores_before']:.2f} cores busy",
        f"Setup: {record['setup']['users']} users signed up and verified in "
        f"{record['setup']['seconds']:.1f} s (production argon2; one warm-up login each)",
        "",
        *_login_lines(record),
        f"GET: closed loop, {record['args']['get_concurrency']} in flight, same lean HTTP/1.1 "
        "client, alternating halves (bare, me, bare, me)",
    ]
    for label, key in (("bare Litestar", "bare_litestar"), ("GET /api/v1/me", "me")):
        block = record[key]
        merged_ = block["merged"]
        halves = ", ".join(f"{rate:.0f}" for rate in merged_["halves_per_second"])
        lines.append(
            f"  {label:<17}{merged_['per_second']:8.0f}/s  (halves {halves}; {merged_['ok']} ok, "
            f"{merged_['errors']} errors {merged_['statuses']})"
        )
        for i, half in enumerate(block["halves"], 1):
            extra = ""
            if "identity_handler" in half:
                # How often the gateway asked identity (its profile cache answers the rest).
                asked = half["identity_handler"]
                extra = f"; identity asked {asked['count']:.0f} times"
                if asked["mean_ms"] is not None:
                    extra += f", handler mean {asked['mean_ms']:.2f} ms"
            lines.append(f"    half {i}           {_latency(half['latency'])}{extra}")
            lines += _cpu_lines(half, "GET")
            server_ms = sum(
                ms for name, ms in half["cpu_ms_per_answer"].items() if not name.startswith("bench")
            )
            cpus = record["machine"]["cpus"] or 1
            lines.append(
                f"    CPU ceiling        {server_ms:.2f} ms of server CPU per answer: at most "
                f"{cpus * 1000.0 / server_ms:.0f}/s on {cpus} cores if all of them did nothing else"
            )
    for name, recording in record.get("samples_during_me", {}).items():
        lines += ["", f"DIAGNOSIS: {name} sampled during GET /api/v1/me half 1 (figures perturbed)"]
        lines += sample_lines(name, recording)
    lines += ["", "Memory (RSS now / peak, MiB)"]
    for name, mem in record["memory_mib"].items():
        now = "-" if mem["rss_mib"] is None else f"{mem['rss_mib']:.0f}"
        lines.append(f"  {name:<28}  {now:>6} / {mem['peak_mib']:.0f}")
    lines += ["", "Targets"]
    for target in record["targets"]:
        lines.append(
            f"  [{'PASS' if target['pass'] else 'MISS'}] {target['target']:<44} "
            f"wanted {target['wanted']:<11} measured {target['measured']}"
        )
        if not target["quiet"]:
            lines.append(
                f"         NOISY: other processes took up to {target['others_busy_cores']:.2f} "
                "cores during these phases; run again on a quiet machine before trusting it"
            )
    lines += [
        f"Wall time {record['wall_seconds']:.0f} s. Figures written to {path}  "
        f"(stack files in {record['stack_dir']})",
        "",
    ]
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run every phase, print the report, write the JSON; stop everything whatever happens."""
    args = parse(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    params = identity_argon2()
    record: dict[str, Any] = {
        "benchmark": "identity",
        "started": stamp,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "database": "sqlite (default)",
        "args": vars(args),
        "code": code_state(),
    }
    began = time.perf_counter()
    record["others_busy_cores_before"] = others = others_busy_cores()
    if others > 0.2:
        print(
            f"WARNING: other processes keep {others:.2f} cores busy; figures will suffer and "
            "vary. The references are measured around the phases they judge to even that out.",
            flush=True,
        )
    var_dir = Path(tempfile.mkdtemp(prefix=f"bench-identity-{stamp}-"))
    system = System(var_dir)
    # Production argon2 throughout: identity's own defaults, whatever the shell says.
    system.stack.extra_env.update(argon2_env(params))
    print(f"Starting the stack in {var_dir} (logs in {var_dir / 'logs'}) ...", flush=True)
    try:
        with system.running():
            record.update(asyncio.run(drive(system, args, stamp.lower(), params)))
            record["memory_mib"] = system.memory()
            if record["bare_memory_mib"] is not None:
                record["memory_mib"]["bare-litestar (reference)"] = record["bare_memory_mib"]
    except KeyboardInterrupt:
        print("interrupted: the stack was stopped", file=sys.stderr)
        return 130
    record["stack_dir"] = str(var_dir)
    record["wall_seconds"] = time.perf_counter() - began
    record["targets"] = targets(record)
    path = write_json(record, Path("var/bench") / f"identity-{stamp}.json")
    print_report(record, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
