"""What identity keeps of an uploaded photo: only the pixels, re-encoded, and only if it is one."""

from __future__ import annotations

import io
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from identity.domain.photos import MAX_PHOTO_BYTES, NotAnImage, clean_photo
from PIL import Image

from tests.photos import (
    ZIP_PAYLOAD,
    html_with_png_magic,
    jpeg_with_gps,
    png,
    png_bomb,
    png_zip_polyglot,
)


def test_a_jpeg_with_gps_comes_out_as_webp_without_any_metadata() -> None:
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825), "the fixture carries GPS"

    clean = clean_photo(raw)

    assert clean.content_type == "image/webp"
    assert (clean.width, clean.height) == (64, 48)
    stored = Image.open(io.BytesIO(clean.data))
    assert stored.format == "WEBP"
    assert len(stored.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile"} & set(stored.info)
    assert b"SpyCam" not in clean.data and b"Anna de Vries" not in clean.data


def test_a_png_keeps_its_transparency() -> None:
    clean = clean_photo(png(mode="RGBA"))
    assert Image.open(io.BytesIO(clean.data)).mode == "RGBA"


def test_a_text_file_is_not_an_image() -> None:
    with pytest.raises(NotAnImage, match="not an image"):
        clean_photo(b"just some text, honestly a PNG\n" * 10)


def test_an_html_page_behind_a_png_signature_is_refused() -> None:
    with pytest.raises(NotAnImage):
        clean_photo(html_with_png_magic())


def test_a_png_with_an_appended_zip_is_re_encoded_and_the_payload_is_gone() -> None:
    clean = clean_photo(png_zip_polyglot())
    assert ZIP_PAYLOAD not in clean.data and b"PK\x03\x04" not in clean.data
    assert b"<script>" not in clean.data


def test_a_decompression_bomb_is_refused_from_its_header_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(NotAnImage, match="too large"):
        clean_photo(png_bomb())
    assert time.perf_counter() - started < 1.0


def test_an_image_over_4096_pixels_wide_is_refused() -> None:
    with pytest.raises(NotAnImage, match="4096"):
        clean_photo(png_bomb(4097, 10))


def test_more_than_5_mb_is_refused() -> None:
    with pytest.raises(NotAnImage, match="5 MB"):
        clean_photo(b"\x00" * (MAX_PHOTO_BYTES + 1))


def test_a_truncated_image_is_refused() -> None:
    with pytest.raises(NotAnImage):
        clean_photo(jpeg_with_gps()[:200])


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from(
        [b"", png()[:33], jpeg_with_gps()[:300], b"RIFF\x00\x00\x00\x00WEBPVP8 "]
    ),
    noise=st.binary(max_size=512),
)
def test_whatever_arrives_is_either_a_clean_photo_or_not_an_image(
    prefix: bytes, noise: bytes
) -> None:
    try:
        clean = clean_photo(prefix + noise)
    except NotAnImage:
        return
    assert Image.open(io.BytesIO(clean.data)).format == "WEBP"
