"""Three nats-server processes clustered on loopback ports: JetStream with replicated streams."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from devstack.nats import NatsServerProcess
from devstack.ports import LOCALHOST, free_port

CLUSTER_NAME = "einvoice"


class ClusterNode(NatsServerProcess):
    """One node of the cluster: its own store, client port and route port."""

    def __init__(self, name: str, store_dir: Path, log_file: Path, cluster_port: int) -> None:
        super().__init__(store_dir, port=free_port(), log_file=log_file, start_timeout=60.0)
        self.name = name
        self.cluster_port = cluster_port
        self.routes: list[str] = []

    def describe(self) -> str:
        """Name and ports, for error messages."""
        return f"{self.name} (client {self.port}, routes {self.cluster_port})"

    def argv(self) -> list[str]:
        """A JetStream node that routes to every other node of the cluster."""
        return [
            *super().argv(),
            "--name",
            self.name,
            "--cluster_name",
            CLUSTER_NAME,
            "--cluster",
            f"nats://{LOCALHOST}:{self.cluster_port}",
            "--routes",
            ",".join(self.routes),
        ]


class NatsCluster:
    """Three clustered nodes under `store_dir`; each can be killed and started again."""

    def __init__(self, store_dir: Path, logs_dir: Path, size: int = 3) -> None:
        self.nodes = [
            ClusterNode(
                f"nats-{index}",
                Path(store_dir) / f"node-{index}",
                Path(logs_dir) / f"nats-{index}.log",
                free_port(),
            )
            for index in range(1, size + 1)
        ]
        for node in self.nodes:
            node.routes = [
                f"nats://{LOCALHOST}:{other.cluster_port}"
                for other in self.nodes
                if other is not node
            ]

    @property
    def url(self) -> str:
        """Every node's client URL, comma-separated (NATS_URL)."""
        return ",".join(node.url for node in self.nodes)

    def start(self) -> None:
        """Start every node at once: a node is only healthy once the others answer its routes."""
        self._together(lambda node: node.start(), self.nodes)

    def start_node(self, index: int) -> None:
        """Start one node again (same ports and store) and wait until it is healthy."""
        self.nodes[index].start()

    def kill_node(self, index: int) -> None:
        """SIGKILL one node (a crash)."""
        self.nodes[index].kill()

    def kill_all(self) -> None:
        """SIGKILL every node: the whole bus is gone."""
        for node in self.nodes:
            node.kill()

    def start_all(self) -> None:
        """Start every node that is down, together."""
        self._together(lambda node: node.start(), [n for n in self.nodes if not n.running()])

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM every node (JetStream flushes), SIGKILL after `timeout`."""
        self._together(lambda node: node.stop(timeout), self.nodes)

    @staticmethod
    def _together(action: Callable[[ClusterNode], None], nodes: list[ClusterNode]) -> None:
        errors: list[BaseException] = []

        def run(node: ClusterNode) -> None:
            try:
                action(node)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=run, args=(node,)) for node in nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
