"""Images for the photo scenarios: honest ones, and the attacks people try with uploads."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
LATITUDE = (52.0, 22.0, 12.5)  # Amsterdam, near enough


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    """A real JPEG whose EXIF names the camera, the owner and where it was taken."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x013B] = "Anna de Vries"  # Artist
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = LATITUDE
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 40.2)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (32, 32), mode: str = "RGBA") -> bytes:
    """A small, honest PNG (half transparent when it has alpha)."""
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200, 128) if mode == "RGBA" else (10, 120, 200)).save(
        out, format="PNG"
    )
    return out.getvalue()


ZIP_PAYLOAD = b"PK\x03\x04" + b"<script>alert('polyglot')</script>" * 4


def png_zip_polyglot() -> bytes:
    """A valid PNG with a ZIP/HTML payload appended after its IEND chunk."""
    return png() + ZIP_PAYLOAD


def html_with_png_magic() -> bytes:
    """An HTML page that starts with the PNG signature, hoping to pass a magic-number check."""
    return b"\x89PNG\r\n\x1a\n<html><body><script>alert(1)</script></body></html>"


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A tiny PNG whose header declares a huge image (its pixel data is a few bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = b"\x00" + b"\x00" * width
    compressed = zlib.compress(row * 16, 9)  # far fewer rows than declared
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", compressed)
        + chunk(b"IEND", b"")
    )
