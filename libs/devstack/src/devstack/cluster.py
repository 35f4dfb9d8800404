"""The scale-out topology on one machine, without containers (`make cluster`, `make chaos`).

Three nats-server processes clustered on loopback ports (streams with three replicas),
PostgreSQL (one database per service), and every service as two processes sharing the work:
request/reply through queue groups, events through the same durable consumers, and each
service's outbox relay publishing from whichever replica holds the relay lease. Nothing is
kept on local disk but the NATS nodes' own stores; the SMTP sink and the fake KvK register
stand in for systems outside the platform.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import psycopg
import structlog
from psycopg import sql

from devstack.nats_cluster import NatsCluster
from devstack.ports import free_port
from devstack.stack import GATEWAY, SERVICES, Stack, StackError, _http_ok

log = structlog.get_logger("devstack.cluster")

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_URL_SETTINGS = {
    "identity": "IDENTITY_DATABASE_URL",
    "organisation": "ORGANISATION_DATABASE_URL",
    "invoicing": "INVOICING_DATABASE_URL",
    "notifications": "NOTIFICATIONS_DATABASE_URL",
    "partners": "PARTNERS_DATABASE_URL",
}
# A dead relay's lease is taken over after this long; the duplicate window covers the overlap.
REPLICA_LEASE_SECONDS = "5"


class PostgresDatabases:
    """One database per service on a PostgreSQL server, named `<prefix>_<service>`."""

    def __init__(self, admin_url: str, prefix: str) -> None:
        self.admin_url = admin_url
        self.prefix = prefix
        self.names = {service: f"{prefix}_{service}" for service in DATABASE_URL_SETTINGS}

    def url(self, service: str) -> str:
        """The URL of one service's database on the same server as the admin URL."""
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{self.names[service]}"

    def env(self) -> dict[str, str]:
        """The services' database URL settings."""
        return {setting: self.url(s) for s, setting in DATABASE_URL_SETTINGS.items()}

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5)

    def create(self) -> None:
        """Create the databases that do not exist yet (kept between `make cluster` runs)."""
        with self._admin() as admin:
            for name in self.names.values():
                found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if found.fetchone() is None:
                    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop(self) -> None:
        """Drop the databases (a chaos run's own, after it)."""
        with self._admin() as admin:
            for name in self.names.values():
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

    def cut(self) -> None:
        """An outage of these databases only: refuse new connections and end every open one.

        The server itself stays up for everyone else who uses it.
        """
        with self._admin() as admin:
            for name in self.names.values():
                admin.execute(
                    sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(
                        sql.Identifier(name)
                    )
                )
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )

    def restore(self) -> None:
        """End an outage started by `cut`."""
        with self._admin() as admin:
            for name in self.names.values():
                admin.execute(
                    sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(
                        sql.Identifier(name)
                    )
                )


def replica_names(service: str, replicas: int) -> list[str]:
    """`identity-1`, `identity-2`, ...: the process names of one service's replicas."""
    return [f"{service}-{index}" for index in range(1, replicas + 1)]


class ClusterStack:
    """The NATS cluster, PostgreSQL databases and `replicas` processes of every service."""

    def __init__(
        self,
        var_dir: Path,
        *,
        postgres_url: str = DEFAULT_POSTGRES_URL,
        database_prefix: str | None = None,
        replicas: int = 2,
        gateway_ports: list[int] | None = None,
        extra_env: Mapping[str, str] | None = None,
        supervise: bool = False,
        drop_databases: bool = False,
    ) -> None:
        self.var_dir = Path(var_dir).absolute()
        self.replicas = replicas
        self.drop_databases = drop_databases
        prefix = database_prefix or f"chaos_{uuid.uuid4().hex[:8]}"
        self.databases = PostgresDatabases(postgres_url, prefix)
        self.nats = NatsCluster(self.var_dir / "nats", self.var_dir / "logs")
        ports = gateway_ports or [free_port() for _ in range(replicas)]
        self.gateway_urls = [f"http://127.0.0.1:{port}" for port in ports]
        modules = {
            name: service
            for service in [*SERVICES, GATEWAY]
            for name in replica_names(service, replicas)
        }
        gateways = replica_names(GATEWAY, replicas)
        env = {
            "STREAM_REPLICAS": "3",
            "REPLICA_LEASE_SECONDS": REPLICA_LEASE_SECONDS,
            **self.databases.env(),
            **(extra_env or {}),
        }
        self.stack = Stack(
            self.var_dir,
            gateway_port=ports[0],
            nats_url=self.nats.url,
            extra_env=env,
            supervise=supervise,
            log_to_files=True,
            modules=modules,
            service_env={
                name: {"GATEWAY_PORT": str(port)}
                for name, port in zip(gateways, ports, strict=True)
            },
        )

    @property
    def processes(self) -> list[str]:
        """Every service process name (`identity-1`, ..., `gateway-2`)."""
        return list(self.stack.modules)

    @property
    def maildir(self) -> Path:
        """Where the SMTP sink writes mails."""
        return self.stack.maildir

    def start(self, ready_timeout: float = 180.0) -> None:
        """Databases, NATS nodes, sink and register, every process; wait until all are ready."""
        (self.var_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.databases.create()
        try:
            self.nats.start()
            self.stack.start()
            self.wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise
        log.info("cluster_ready", gateways=self.gateway_urls, nats=self.nats.url)

    def wait_ready(self, timeout: float = 180.0, abort: threading.Event | None = None) -> None:
        """Wait until every gateway's /ready answers 200 (each checks every service)."""
        self.stack.wait_ready(timeout, abort=abort)
        deadline = time.monotonic() + timeout
        for url in self.gateway_urls[1:]:
            while not _http_ok(f"{url}/ready"):
                if time.monotonic() > deadline or (abort is not None and abort.is_set()):
                    raise StackError(f"{url}/ready not ready\n{self.stack.log_tails()}")
                time.sleep(0.2)
        # A gateway is ready when one replica of each service answers; a replica that died on
        # the way (the other answered for it) would leave scenarios with one process less.
        dead = self.stack.dead_services()
        if dead and not self.stack.supervise:
            raise StackError(f"exited before ready: {', '.join(dead)}\n{self.stack.log_tails()}")

    def stop(self) -> None:
        """Every process, then NATS; the databases go too when this run made its own."""
        self.stack.stop()
        self.nats.stop()
        if self.drop_databases:
            try:
                self.databases.drop()
            except psycopg.Error as error:
                log.warning("databases_not_dropped", error=repr(error))

    def __enter__(self) -> ClusterStack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
