"""The signed-in user's profile photo (API.md, Identity).

Images never travel in a NATS message (1 MB limit, and messages are for commands): the gateway
puts the raw upload into the `photo_uploads` object store bucket and sends identity its name;
identity decides by the content whether it is an image, re-encodes it without metadata into
`profile_photos` and records the reference. GET asks identity for the reference and reads the
object from the blob store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from contracts.commands.caller import Caller
from contracts.commands.my_account import GetPhoto, PhotoReference, SetPhoto
from litestar import Controller, Request, Response, get, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Operation, RequestBody, Schema
from litestar.openapi.spec import OpenAPIMediaType as MediaTypeObject
from nats.js.errors import NotFoundError, ObjectNotFoundError
from pydantic import BaseModel, Field
from servicekit.streams import PHOTO_UPLOADS_BUCKET, PROFILE_PHOTOS_BUCKET, object_store

from gateway.auth import BEARER_SECURITY, authenticated_caller
from gateway.bus import Bus
from gateway.problems import Problem
from gateway.settings import GatewaySettings

PHOTO_BODY_LIMIT = 5 * 1024 * 1024
PHOTO_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
# Re-encoding a large photo takes a moment; more than a JSON command.
PHOTO_COMMAND_TIMEOUT = 20.0


class PhotoAnswer(BaseModel):
    """The photo as stored: re-encoded as WebP, without any metadata."""

    content_type: str = Field(description="Always image/webp: every photo is re-encoded.")
    size: int = Field(description="Bytes stored.")
    width: int = Field(description="Width in pixels.")
    height: int = Field(description="Height in pixels.")
    sha256: str = Field(description="Hex SHA-256 of the stored image (also its ETag).")


@dataclass
class PhotoUploadOperation(Operation):
    """The OpenAPI operation of the upload: a raw image body (Litestar only infers `data`)."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.request_body = RequestBody(
            required=True,
            description="The image itself, at most 5 MB.",
            content={media: MediaTypeObject(schema=binary) for media in sorted(PHOTO_MEDIA_TYPES)},
        )


def require_image(request: Request[Any, Any, Any]) -> Any:
    """The declared type must be one we take (415); whether it is true, identity decides."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in PHOTO_MEDIA_TYPES:
        raise HTTPException(
            status_code=415,
            detail="Send the photo as the raw body with Content-Type image/jpeg, image/png or "
            f"image/webp (got {media_type or 'no Content-Type'}).",
        )


class PhotoController(Controller):
    """PUT and GET /api/v1/me/photo."""

    path = "/api/v1/me/photo"
    tags = ["identity"]
    dependencies = {"caller": Provide(authenticated_caller)}
    security = BEARER_SECURITY

    @put(
        "/",
        operation_id="setPhoto",
        before_request=require_image,
        request_max_body_size=PHOTO_BODY_LIMIT,
        operation_class=PhotoUploadOperation,
        summary="Upload a profile photo",
        description="The raw image as the body: image/jpeg, image/png or image/webp (else "
        "415), at most 5 MB (else 413) and 4096 x 4096 pixels. The type is decided by the "
        "content, not the header: anything that is not such an image, or is damaged, or "
        "declares more pixels than allowed (a decompression bomb), is a 422. The photo is "
        "re-encoded as WebP from its pixels alone: EXIF (GPS included), XMP, ICC profiles and "
        "anything appended to the file are dropped.",
    )
    async def set_photo(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> PhotoAnswer:
        """Put the upload into the blob store, then let identity check and keep it."""
        return await store_photo(await request.body(), caller, bus, settings)

    @get(
        "/",
        operation_id="getPhoto",
        summary="The profile photo",
        description="The stored photo (image/webp), or 404 when none was set.",
        media_type="image/webp",
    )
    async def photo(
        self,
        caller: NamedDependency[Caller],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> Response[bytes]:
        """Ask identity where the photo is, then read it from the blob store."""
        return await read_photo(caller, bus, settings)


async def store_photo(
    body: bytes, caller: Caller, bus: Bus, settings: GatewaySettings
) -> PhotoAnswer:
    """Keep a new profile photo (the API's and the web pages' way): identity judges it."""
    if not body:
        raise Problem(
            422,
            "urn:problem:identity:not-an-image",
            "The upload is not an image we can use",
            "The body is empty: send the image itself as the body.",
        )
    uploads = await object_store(
        bus.client.jetstream(), PHOTO_UPLOADS_BUCKET, settings.stream_replicas
    )
    name = f"{caller.user_id}/{uuid.uuid4()}"
    await uploads.put(name, body)
    reference = await bus.call(
        SetPhoto(caller=caller, upload_bucket=PHOTO_UPLOADS_BUCKET, upload_name=name),
        PhotoReference,
        timeout=PHOTO_COMMAND_TIMEOUT,
    )
    return PhotoAnswer(
        content_type=reference.content_type,
        size=reference.size,
        width=reference.width,
        height=reference.height,
        sha256=reference.sha256,
    )


async def read_photo(caller: Caller, bus: Bus, settings: GatewaySettings) -> Response[bytes]:
    """The caller's stored photo as a response that no page can run as a document."""
    reference = await bus.call(GetPhoto(caller=caller), PhotoReference)
    photos = await object_store(
        bus.client.jetstream(), PROFILE_PHOTOS_BUCKET, settings.stream_replicas
    )
    try:
        stored = await photos.get(reference.object_name)
    except (ObjectNotFoundError, NotFoundError) as error:
        raise Problem(
            404, "urn:problem:identity:no-photo", "There is no photo", "The photo is gone."
        ) from error
    return Response(
        stored.data or b"",
        media_type=reference.content_type,
        headers={
            "ETag": f'"{reference.sha256}"',
            "Cache-Control": "private, no-cache",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
