"""The blob store (JetStream Object Store) as invoicing uses it.

Uploads arrive in `invoice_uploads` under their SHA-256; an accepted invoice's bytes are kept in
`invoice_documents` under the same name (the same bytes are stored once, so keeping is
idempotent); rendered PDFs go to `invoice_pdfs`.
"""

from __future__ import annotations

import hashlib

from contracts.events.invoicing import DocumentRef
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError, ObjectNotFoundError
from servicekit.streams import (
    INVOICE_DOCUMENTS_BUCKET,
    INVOICE_PDFS_BUCKET,
    object_store,
)


class BlobMissing(Exception):
    """The named object is not (or no longer) in the store, or its bytes do not match."""


class Blobs:
    """Reads uploads, keeps documents and PDFs; attached once NATS is connected."""

    def __init__(self, replicas: int = 1) -> None:
        self._js: JetStreamContext | None = None
        self._replicas = replicas

    async def attach(self, js: JetStreamContext) -> None:
        """Use this JetStream connection from now on."""
        self._js = js

    def _jetstream(self) -> JetStreamContext:
        if self._js is None:
            raise BlobMissing("the blob store is not connected yet")
        return self._js

    async def read(self, ref: DocumentRef) -> bytes:
        """The bytes of an object, checked against the reference's size and SHA-256."""
        store = await object_store(self._jetstream(), ref.bucket, self._replicas)
        try:
            data = (await store.get(ref.name)).data or b""
        except (ObjectNotFoundError, NotFoundError) as error:
            raise BlobMissing(f"{ref.bucket}/{ref.name} is not in the blob store") from error
        if len(data) != ref.size or hashlib.sha256(data).hexdigest() != ref.sha256:
            raise BlobMissing(f"{ref.bucket}/{ref.name} does not match its reference")
        return data

    async def keep_document(self, data: bytes) -> DocumentRef:
        """Keep an accepted invoice's bytes for good; their reference."""
        digest = hashlib.sha256(data).hexdigest()
        store = await object_store(self._jetstream(), INVOICE_DOCUMENTS_BUCKET, self._replicas)
        # The name is the content's hash: putting the same bytes again rewrites them unchanged
        # (nats-py's put looks the name up itself and drops the older chunks).
        await store.put(digest, data)
        return DocumentRef(
            bucket=INVOICE_DOCUMENTS_BUCKET, name=digest, sha256=digest, size=len(data)
        )

    async def keep_pdf(self, name: str, data: bytes) -> DocumentRef:
        """Keep a rendered PDF; its reference."""
        store = await object_store(self._jetstream(), INVOICE_PDFS_BUCKET, self._replicas)
        await store.put(name, data)
        digest = hashlib.sha256(data).hexdigest()
        return DocumentRef(
            bucket=INVOICE_PDFS_BUCKET,
            name=name,
            sha256=digest,
            size=len(data),
            content_type="application/pdf",
        )
