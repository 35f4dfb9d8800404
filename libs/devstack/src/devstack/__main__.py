"""`python -m devstack run|clean`: the launcher behind `make run` and `make clean`."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import structlog

from devstack.cluster import DEFAULT_POSTGRES_URL, ClusterStack
from devstack.keys import ensure_keys
from devstack.logs import configure_logging, say
from devstack.ports import port_is_free
from devstack.runstate import RunState
from devstack.stack import Stack, StackError

log = structlog.get_logger("devstack")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start NATS, the SMTP sink, the fake KvK and every service")
    run.add_argument("--var-dir", type=Path, default=Path("var"))
    run.add_argument("--port", type=int, default=8000, help="gateway port")
    run.add_argument("--host", default="127.0.0.1", help="gateway host")
    run.add_argument("--ready-timeout", type=float, default=90.0)
    cluster = sub.add_parser(
        "cluster", help="the scale-out topology: 3 NATS nodes, PostgreSQL, 2 processes a service"
    )
    cluster.add_argument("--var-dir", type=Path, default=Path("var/cluster"))
    cluster.add_argument("--ports", default="8000,8001", help="the gateways' ports")
    cluster.add_argument(
        "--postgres-url",
        default=os.environ.get("CLUSTER_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL role that may create databases (einvoice_cluster_<service>)",
    )
    cluster.add_argument("--ready-timeout", type=float, default=180.0)
    keys = sub.add_parser(
        "keys", help="print the sealing and signing keys and the operator token as KEY=value"
    )
    keys.add_argument("--keys-dir", type=Path, default=Path("var/keys"))
    clean = sub.add_parser("clean", help="remove the var dir (mail, NATS store, logs, keys)")
    clean.add_argument("--var-dir", type=Path, default=Path("var"))
    return parser


def banner(stack: Stack) -> str:
    """The short text printed once the stack is ready."""
    nats_kind = "own nats-server" if stack.own_nats else "existing server from NATS_URL"
    kvk_kind = "local fake KvK register" if stack.own_kvk else "register from KVK_BASE_URL"
    return "\n".join(
        [
            "",
            f"  E-invoicing stack is up: {stack.gateway_url}",
            f"    OpenAPI    {stack.gateway_url}/schema",
            f"    AsyncAPI   {stack.gateway_url}/asyncapi.json",
            f"    Mail       {stack.maildir}/  (every sent mail as .eml)",
            f"    NATS       {stack.nats_url}  ({nats_kind})",
            f"    KvK        {stack.kvk_url}  ({kvk_kind})",
            f"    Operators  {stack.gateway_url}/ops  (dashboard; token in "
            f"{stack.var_dir}/keys/operator-token)",
            f"    Logs/data  {stack.var_dir}/",
            "  Stop with Ctrl-C (or SIGTERM).",
            "",
        ]
    )


def run(var_dir: Path, port: int, host: str, ready_timeout: float) -> int:
    """Run the stack in the foreground until Ctrl-C or SIGTERM; 0 on a clean stop."""
    if not port_is_free(port, host):
        print(
            f"Port {port} on {host} is already in use. "
            f"Stop whatever uses it or pick another port, e.g. --port {port + 1}.",
            file=sys.stderr,
        )
        return 2
    stop_requested = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Only set a flag: raising here could interrupt a half-done spawn or stop.
        if stop_requested.is_set():
            log.info("already_stopping", signal=signal.Signals(signum).name)
        stop_requested.set()

    # SIGHUP too: a closed terminal must not kill the launcher and orphan its children.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    stack = Stack(var_dir, gateway_port=port, gateway_host=host, supervise=True, fixed_ports=True)
    try:
        stack.start()
        stack.wait_ready(ready_timeout, abort=stop_requested)
        if not stop_requested.is_set():
            say(banner(stack))
        while not stop_requested.wait(0.5):
            pass
        log.info("stopping")
    except StackError as exc:
        # Printed plainly: the message carries multi-line log tails.
        say(f"devstack: {exc}")
        return 1
    finally:
        stack.stop()
    log.info("stopped")
    return 0


def run_cluster(var_dir: Path, ports: list[int], postgres_url: str, ready_timeout: float) -> int:
    """Run the scale-out topology in the foreground until Ctrl-C or SIGTERM."""
    busy = [port for port in ports if not port_is_free(port)]
    if busy:
        print(f"Port(s) {busy} already in use; choose others with --ports.", file=sys.stderr)
        return 2
    stop_requested = _stop_on_signals()
    cluster = ClusterStack(
        var_dir,
        postgres_url=postgres_url,
        database_prefix="einvoice_cluster",
        gateway_ports=ports,
        supervise=True,
    )
    try:
        cluster.start(ready_timeout)
        say(
            "\n".join(
                [
                    "",
                    "  Scale-out topology is up (two processes of every service):",
                    *(f"    Gateway    {url}" for url in cluster.gateway_urls),
                    f"    NATS       {cluster.nats.url}  (3-node JetStream cluster)",
                    f"    PostgreSQL databases {', '.join(cluster.databases.names.values())}",
                    f"    Mail       {cluster.maildir}/",
                    f"    Logs       {var_dir}/logs/",
                    "  Stop with Ctrl-C (or SIGTERM).",
                    "",
                ]
            )
        )
        while not stop_requested.wait(0.5):
            pass
    except (StackError, OSError) as exc:
        say(f"devstack: {exc}")
        return 1
    finally:
        cluster.stop()
    return 0


def _stop_on_signals() -> threading.Event:
    stop_requested = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop_requested.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    return stop_requested


def clean(var_dir: Path) -> int:
    """Remove the var dir unless a launcher still runs on it."""
    target = var_dir.absolute()
    if target in (Path("/").absolute(), Path.home(), Path.cwd()):
        print(f"Refusing to remove {target}.", file=sys.stderr)
        return 2
    pid = RunState(target).owner()
    if pid is not None:
        print(f"A stack (pid {pid}) still runs on {target}; stop it first.", file=sys.stderr)
        return 1
    if target.exists():
        # Stop what a launcher that died left running before deleting its store.
        RunState(target).claim()
        shutil.rmtree(target)
    log.info("cleaned", var_dir=str(target))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the sub-command."""
    args = _parser().parse_args(argv)
    configure_logging()
    if args.command == "run":
        return run(args.var_dir, args.port, args.host, args.ready_timeout)
    if args.command == "keys":
        # For deploy/.env: the same keys `make run` makes, kept in --keys-dir.
        for name, value in sorted(ensure_keys(args.keys_dir).items()):
            print(f"{name}={value}")
        return 0
    if args.command == "cluster":
        ports = [int(p) for p in args.ports.split(",") if p.strip()]
        return run_cluster(args.var_dir, ports, args.postgres_url, args.ready_timeout)
    return clean(args.var_dir)


if __name__ == "__main__":
    sys.exit(main())
