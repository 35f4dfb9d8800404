"""Profile photos: what we accept, and the clean copy we keep.

The type is decided by the content, never by the declared media type: Pillow may only read it
as JPEG, PNG or WebP. The size in pixels is checked from the header before a single pixel is
decoded, so a small file that declares a huge image (a decompression bomb) costs nothing. What
we keep is re-encoded from the decoded pixels alone, as WebP: no EXIF (GPS included), XMP, ICC
profile, comments or bytes hidden after the image (a polyglot's payload) can survive.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_SIDE = 4096
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
STORED_CONTENT_TYPE = "image/webp"
WEBP_QUALITY = 85


class NotAnImage(ValueError):
    """The upload is not a JPEG, PNG or WebP image we can use; the message says why."""


@dataclass(frozen=True)
class CleanPhoto:
    """A photo as we store it: re-encoded WebP without any metadata."""

    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def clean_photo(raw: bytes) -> CleanPhoto:
    """Check an upload and re-encode it without metadata; NotAnImage when it will not do."""
    if len(raw) > MAX_PHOTO_BYTES:
        raise NotAnImage(f"a photo has at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice that; we want a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _clean(raw)
        except NotAnImage:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise NotAnImage(_too_big()) from error
        except UnidentifiedImageError as error:
            raise NotAnImage("not an image: send a JPEG, PNG or WebP photo") from error
        except Exception as error:
            # Decoders meet hostile input here; whatever they trip over (OSError, ValueError,
            # SyntaxError, struct.error, ...), the upload is the problem, not the server.
            raise NotAnImage("the image is damaged or incomplete and cannot be read") from error


def _clean(raw: bytes) -> CleanPhoto:
    with Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS) as image:
        # Only the header is read so far: refuse a huge image before decoding it.
        width, height = image.size
        if width > MAX_PHOTO_SIDE or height > MAX_PHOTO_SIDE or width < 1 or height < 1:
            raise NotAnImage(_too_big())
        image.load()
        # Turn the pixels the way the camera meant before the orientation tag is dropped.
        upright = ImageOps.exif_transpose(image) or image
        mode = "RGBA" if _has_alpha(upright) else "RGB"
        pixels = upright.convert(mode)
    # A new image from the raw pixels carries no info at all: nothing of the upload but them.
    bare = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    bare.save(out, format="WEBP", quality=WEBP_QUALITY)
    data = out.getvalue()
    return CleanPhoto(
        data=data,
        content_type=STORED_CONTENT_TYPE,
        width=bare.width,
        height=bare.height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )


def _too_big() -> str:
    return f"the image is too large: at most {MAX_PHOTO_SIDE} x {MAX_PHOTO_SIDE} pixels"
