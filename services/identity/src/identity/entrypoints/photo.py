"""cmd.identity.set-photo and qry.identity.photo: the image itself stays in the blob store.

The gateway puts the raw upload into the `photo_uploads` object store bucket and sends only
its name. Here it is checked and re-encoded (off the event loop), the clean copy is stored in
`profile_photos` under a name derived from its content, and PhotoChanged records the reference.
The object is written before the event: a crash in between leaves an unreferenced object (a
retry writes the same name again), never an event pointing at nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from contracts.commands.base import SERVICE_UNAVAILABLE, Violation
from contracts.commands.my_account import (
    NO_PHOTO,
    NOT_AN_IMAGE,
    UPLOAD_MISSING,
    GetPhoto,
    PhotoReference,
    SetPhoto,
)
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError, ObjectNotFoundError
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from servicekit.rpc import Refused
from servicekit.streams import PHOTO_UPLOADS_BUCKET, PROFILE_PHOTOS_BUCKET, object_store

from identity.bootstrap import Identity, utc_now
from identity.domain.photos import NotAnImage, clean_photo
from identity.usecases.photo import Photos

log = structlog.get_logger(__name__)


class PhotoHandlers:
    """Setting and finding the caller's photo; `saved` wakes the relay."""

    def __init__(self, identity: Identity, saved: Callable[[], None]) -> None:
        self._identity = identity
        self._saved = saved
        self._photos = Photos(identity.app, identity.database, utc_now)
        self._js: JetStreamContext | None = None

    async def attach(self, js: JetStreamContext) -> None:
        """Use this JetStream connection for the blob store."""
        self._js = js

    async def set_photo(self, command: SetPhoto) -> PhotoReference:
        """Check the upload, store its clean copy, record the reference."""
        if command.upload_bucket != PHOTO_UPLOADS_BUCKET:
            raise Refused(UPLOAD_MISSING.reply("uploads are read from photo_uploads only"))
        if not command.upload_name.startswith(f"{command.caller.user_id}/"):
            # One user's command can never pick up another's upload.
            raise Refused(UPLOAD_MISSING.reply("that upload is not yours"))
        replicas = self._identity.settings.stream_replicas
        uploads = await object_store(self._js_or_fail(), PHOTO_UPLOADS_BUCKET, replicas)
        try:
            raw = (await uploads.get(command.upload_name)).data or b""
        except (ObjectNotFoundError, NotFoundError) as error:
            gone = UPLOAD_MISSING.reply("the upload is gone; send the photo again")
            raise Refused(gone) from error
        try:
            clean = await asyncio.to_thread(clean_photo, raw)
        except NotAnImage as error:
            raise Refused(
                NOT_AN_IMAGE.reply(str(error), [Violation(field="body", message=str(error))])
            ) from error
        finally:
            with contextlib.suppress(Exception):
                await uploads.delete(command.upload_name)
        user_id = command.caller.user_id
        name = f"{user_id}/{clean.sha256}.webp"
        photos = await object_store(self._js_or_fail(), PROFILE_PHOTOS_BUCKET, replicas)
        await photos.put(name, clean.data)
        reference: dict[str, object] = {
            "bucket": PROFILE_PHOTOS_BUCKET,
            "object_name": name,
            "content_type": clean.content_type,
            "size": len(clean.data),
            "sha256": clean.sha256,
            "width": clean.width,
            "height": clean.height,
        }
        with caused_by(current_correlation_id()):
            previous = await self._identity.executor.run(self._photos.record, user_id, reference)
        self._saved()
        if previous is not None and previous.get("object_name") != name:
            # The old photo is no longer anybody's: do not keep personal data we do not need.
            with contextlib.suppress(Exception):
                await photos.delete(str(previous["object_name"]))
        log.info("photo changed", user_id=str(user_id), size=len(clean.data))
        return PhotoReference.model_validate(reference)

    async def photo(self, query: GetPhoto) -> PhotoReference:
        """Where the caller's photo is stored; 404 without one."""
        reference = await self._identity.executor.run(self._photos.reference, query.caller.user_id)
        if reference is None:
            raise Refused(NO_PHOTO.reply("You have not set a photo yet."))
        return PhotoReference.model_validate(reference)

    def _js_or_fail(self) -> JetStreamContext:
        if self._js is None:
            raise Refused(SERVICE_UNAVAILABLE.reply("the blob store is not reachable yet"))
        return self._js
