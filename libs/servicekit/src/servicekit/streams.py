"""Every JetStream stream of the platform, declared in this one place."""

from __future__ import annotations

import asyncio
import time
import weakref

import structlog
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BucketNotFoundError, NotFoundError, ServiceUnavailableError
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

EVENTS_STREAM = "EVENTS"
EVENTS_SUBJECTS = ["events.>"]
DEAD_LETTER_STREAM = "DEADLETTER"
DEAD_LETTER_SUBJECTS = ["deadletter.>"]

# A relay that crashed between publish and recording its position re-publishes on restart;
# the server drops the copy when it arrives inside this window (consumers' tracking covers
# anything later). Generous, because a crashed service may take minutes to come back.
DUPLICATE_WINDOW_SECONDS = 2 * 60 * 60

log = structlog.get_logger(__name__)


# Sessions identity has revoked (key = session id), watched by the gateway. An entry only has to
# outlive the access tokens of its session, so the bucket forgets it after this long; identity
# refuses to issue access tokens that live longer (see its settings).
REVOKED_SESSIONS_BUCKET = "revoked_sessions"
REVOKED_SESSIONS_TTL_SECONDS = 20 * 60


def stream_configs(replicas: int = 1) -> list[StreamConfig]:
    """The streams the platform needs; `replicas` > 1 on a NATS cluster."""
    return [
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=EVENTS_SUBJECTS,
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            num_replicas=replicas,
            description="Integration events of every context (CloudEvents JSON)",
        ),
        StreamConfig(
            name=DEAD_LETTER_STREAM,
            subjects=DEAD_LETTER_SUBJECTS,
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            description="Messages a consumer gave up on, with the reason in headers",
        ),
    ]


async def declare_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the streams, or bring an existing one's configuration up to date."""
    for config in stream_configs(replicas):
        await declare_stream_config(js, config)


# What JetStream answers while it cannot serve its API yet: a cluster electing its meta leader
# after a start or a node's loss times requests out or says 503. A service starting then waits,
# as it waits for NATS itself, instead of exiting with one replica fewer.
JETSTREAM_NOT_READY = (NatsTimeoutError, NoRespondersError, ServiceUnavailableError)


async def declare_stream_config(js: JetStreamContext, config: StreamConfig) -> None:
    """Create one stream, or bring an existing one's configuration up to date.

    Waits as long as it takes for JetStream to answer (see JETSTREAM_NOT_READY).
    """
    assert config.name is not None
    delay = 0.5
    while True:
        try:
            try:
                await js.stream_info(config.name)
            except NotFoundError:
                await js.add_stream(config)
            else:
                await js.update_stream(config)
            return
        except JETSTREAM_NOT_READY as error:
            log.warning(
                "JetStream not ready; retrying",
                stream=config.name,
                error=repr(error),
                retry_in=delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def revoked_sessions_config(replicas: int = 1) -> KeyValueConfig:
    """The key-value bucket of revoked sessions."""
    return KeyValueConfig(
        bucket=REVOKED_SESSIONS_BUCKET,
        description="Revoked session ids; the gateway refuses their access tokens",
        history=1,
        ttl=REVOKED_SESSIONS_TTL_SECONDS,
        storage=StorageType.FILE,
        replicas=replicas,
    )


async def revoked_sessions(js: JetStreamContext, replicas: int = 1) -> KeyValue:
    """The revoked-sessions bucket, created on first use (by identity or the gateway)."""
    try:
        return await js.key_value(REVOKED_SESSIONS_BUCKET)
    except BucketNotFoundError:
        # Two processes may create it at once; the same configuration makes that harmless.
        return await js.create_key_value(revoked_sessions_config(replicas))


# The blob store (JetStream Object Store). Images never travel in a NATS message (1 MB limit):
# the gateway puts an upload here and sends identity its name; identity checks and re-encodes
# it, keeps the result in PROFILE_PHOTOS and deletes the upload. Uploads nobody picked up (a
# crash in between) expire on their own.
PHOTO_UPLOADS_BUCKET = "photo_uploads"
PHOTO_UPLOADS_TTL_SECONDS = 60 * 60
PROFILE_PHOTOS_BUCKET = "profile_photos"

# Invoices the same way: the gateway puts an upload (named by its SHA-256) into INVOICE_UPLOADS
# and names it in the command; invoicing keeps an accepted invoice's bytes in INVOICE_DOCUMENTS
# (named by SHA-256: the same bytes are stored once) and the PDFs it renders in INVOICE_PDFS.
INVOICE_UPLOADS_BUCKET = "invoice_uploads"
INVOICE_UPLOADS_TTL_SECONDS = 24 * 60 * 60
INVOICE_DOCUMENTS_BUCKET = "invoice_documents"
INVOICE_PDFS_BUCKET = "invoice_pdfs"


def object_store_configs(replicas: int = 1) -> list[ObjectStoreConfig]:
    """The object store buckets of the platform."""
    return [
        ObjectStoreConfig(
            bucket=PHOTO_UPLOADS_BUCKET,
            description="Raw photo uploads waiting for identity's checks",
            ttl=PHOTO_UPLOADS_TTL_SECONDS,
            storage=StorageType.FILE,
            replicas=replicas,
        ),
        ObjectStoreConfig(
            bucket=PROFILE_PHOTOS_BUCKET,
            description="Users' profile photos, re-encoded without metadata",
            storage=StorageType.FILE,
            replicas=replicas,
        ),
        ObjectStoreConfig(
            bucket=INVOICE_UPLOADS_BUCKET,
            description="Uploaded UBL documents waiting for invoicing's checks",
            ttl=INVOICE_UPLOADS_TTL_SECONDS,
            storage=StorageType.FILE,
            replicas=replicas,
        ),
        ObjectStoreConfig(
            bucket=INVOICE_DOCUMENTS_BUCKET,
            description="Accepted invoices' UBL as submitted, named by SHA-256",
            storage=StorageType.FILE,
            replicas=replicas,
        ),
        ObjectStoreConfig(
            bucket=INVOICE_PDFS_BUCKET,
            description="PDFs of invoices as the organisations' options make them",
            storage=StorageType.FILE,
            replicas=replicas,
        ),
    ]


# Handles per JetStream context: nats-py's `js.object_store()` asks the server for the stream's
# info on every call, a round trip per blob read or write. A handle is kept for a short while,
# so a bucket deleted behind our back is found (and made again) within that time.
HANDLE_SECONDS = 30.0
_handles: weakref.WeakKeyDictionary[JetStreamContext, dict[str, tuple[float, ObjectStore]]] = (
    weakref.WeakKeyDictionary()
)


async def object_store(js: JetStreamContext, bucket: str, replicas: int = 1) -> ObjectStore:
    """One of the object store buckets above, created on first use (by any process)."""
    known = _handles.setdefault(js, {})
    kept = known.get(bucket)
    if kept is not None and time.monotonic() - kept[0] < HANDLE_SECONDS:
        return kept[1]
    try:
        store = await js.object_store(bucket)
    except BucketNotFoundError:
        config = next(c for c in object_store_configs(replicas) if c.bucket == bucket)
        # nats-py overwrites config.bucket with its `bucket` argument: name it twice.
        store = await js.create_object_store(bucket, config=config)
    known[bucket] = (time.monotonic(), store)
    return store


def dead_letter_subject(consumer: str, original_subject: str) -> str:
    """Where a consumer parks a message it gave up on."""
    return f"deadletter.{consumer}.{original_subject}"


# The live partner feed: the partners service copies each organisation's partner-visible events
# here as partner.<organisation_id>.<EventType>. Partners read it with their own NATS users, whose
# permissions name their organisations' subjects (see services/partners/src/partners/feed/).
# No direct get: a message-get API would bypass those subject permissions.
PARTNER_STREAM = "PARTNER"
PARTNER_SUBJECTS = ["partner.>"]


def partner_stream_config(replicas: int = 1, max_age_seconds: float = 30 * 86400) -> StreamConfig:
    """The PARTNER stream (declared by the partners service, which alone writes to it)."""
    return StreamConfig(
        name=PARTNER_STREAM,
        subjects=PARTNER_SUBJECTS,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=max_age_seconds,
        duplicate_window=min(DUPLICATE_WINDOW_SECONDS, max_age_seconds),
        allow_direct=False,
        num_replicas=replicas,
        description="Each organisation's events for its partners: partner.<organisation>.<type>",
    )
