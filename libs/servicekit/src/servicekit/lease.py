"""A lease in a JetStream key-value bucket: one replica of a service does a job at a time.

The holder writes its key with compare-and-set (create, then update at the revision it last
wrote) and renews it after a third of the lease; the bucket forgets a key `seconds` after its
last write, so a replica that died hands over within one lease. A holder counts its lease from
the moment it *sent* the renewal, so its own view ends before the server's does. A holder that
stalls (a long GC pause, a frozen VM) may still act briefly after another took over: what it
guards must tolerate that (the relay's Nats-Msg-Id deduplication does; see relay.py).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid

import structlog
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

log = structlog.get_logger(__name__)

LEASES_BUCKET = "leases"


def leases_config(seconds: float, replicas: int = 1) -> KeyValueConfig:
    """The bucket of leases: each key forgotten `seconds` after its last renewal."""
    return KeyValueConfig(
        bucket=LEASES_BUCKET,
        description="Which replica holds which job (the relay of each service)",
        history=1,
        ttl=seconds,
        storage=StorageType.FILE,
        replicas=replicas,
    )


class Lease:
    """One named lease; `held()` renews it when due and tells whether this process holds it."""

    def __init__(self, js: JetStreamContext, name: str, seconds: float, replicas: int = 1) -> None:
        self.name = name
        self.seconds = seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._js = js
        self._replicas = replicas
        self._kv: KeyValue | None = None
        self._revision: int | None = None
        self._valid_until = 0.0
        self._renew_after = 0.0

    async def held(self) -> bool:
        """True while this process holds the lease (taking or renewing it when due)."""
        now = time.monotonic()
        if self._revision is not None and now < self._renew_after:
            return True
        kv = await self._bucket()
        try:
            if self._revision is not None and now < self._valid_until:
                self._revision = await kv.update(
                    self.name, self.holder.encode(), last=self._revision
                )
            else:
                self._revision = await kv.create(self.name, self.holder.encode())
                log.info("lease taken", lease=self.name, holder=self.holder)
        except KeyWrongLastSequenceError:
            if self._revision is not None:
                log.warning("lease lost", lease=self.name, holder=self.holder)
            self._revision = None
            return False
        self._valid_until = now + self.seconds
        self._renew_after = now + self.seconds / 3
        return True

    async def release(self) -> None:
        """Give the lease up at once (a clean stop), so another replica need not wait it out."""
        if self._revision is None or self._kv is None:
            return
        revision, self._revision = self._revision, None
        with contextlib.suppress(Exception):
            await self._kv.delete(self.name, last=revision)
            log.info("lease released", lease=self.name, holder=self.holder)

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            try:
                self._kv = await self._js.key_value(LEASES_BUCKET)
            except BucketNotFoundError:
                # Replicas may create it at once; the same configuration makes that harmless.
                self._kv = await self._js.create_key_value(
                    leases_config(self.seconds, self._replicas)
                )
        return self._kv
