"""A profile photo over real HTTP: kept re-encoded without metadata, and the usual upload
attacks refused (PUT and GET /api/v1/me/photo)."""

from __future__ import annotations

import hashlib
import io
import time

import httpx
from devstack.stack import Stack
from PIL import Image

from tests.e2e.identity.account import call, signed_in, wait_for_event
from tests.photos import (
    ZIP_PAYLOAD,
    html_with_png_magic,
    jpeg_with_gps,
    png_bomb,
    png_zip_polyglot,
)

PHOTO = "/api/v1/me/photo"


def put_photo(
    system: Stack, token: str | None, body: bytes, content_type: str = "image/png"
) -> httpx.Response:
    """PUT /api/v1/me/photo with a raw body."""
    return call(system, "PUT", PHOTO, token, content=body, headers={"content-type": content_type})


def test_a_photo_with_gps_comes_back_without_any_metadata(system: Stack) -> None:
    _, session = signed_in(system, "photo")
    token, user_id = session["access_token"], session["user"]["id"]
    assert call(system, "GET", PHOTO, token).status_code == 404, "no photo yet"

    stored = put_photo(system, token, jpeg_with_gps(), "image/jpeg")

    assert stored.status_code == 200, stored.text
    answer = stored.json()
    assert answer["content_type"] == "image/webp"
    assert (answer["width"], answer["height"]) == (64, 48)

    photo = call(system, "GET", PHOTO, token)
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/webp"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(photo.content).hexdigest() == answer["sha256"]
    image = Image.open(io.BytesIO(photo.content))
    assert image.format == "WEBP" and image.size == (64, 48)
    assert len(image.getexif()) == 0, "no EXIF, so no GPS"
    assert not {"exif", "xmp", "icc_profile"} & set(image.info)
    assert b"SpyCam" not in photo.content

    # The event names where the photo is, never the photo itself.
    events = wait_for_event(system, "PhotoChanged", user_id)
    assert len(events) == 1
    data = events[0]["data"]
    assert data["sha256"] == answer["sha256"] and data["size"] == len(photo.content)
    assert data["bucket"] == "profile_photos" and data["object_name"]
    assert len(events[0]["data"]) < 20, "a reference, not an image"


def test_a_text_file_sent_as_png_is_not_an_image(system: Stack) -> None:
    _, session = signed_in(system, "textphoto")
    answer = put_photo(system, session["access_token"], b"hello, I am a PNG. Really.\n" * 20)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "urn:problem:identity:not-an-image"


def test_an_html_page_behind_a_png_signature_is_refused(system: Stack) -> None:
    _, session = signed_in(system, "htmlphoto")
    answer = put_photo(system, session["access_token"], html_with_png_magic())
    assert answer.status_code == 422


def test_a_png_zip_polyglot_is_re_encoded_so_its_payload_is_gone(system: Stack) -> None:
    _, session = signed_in(system, "polyglot")
    token = session["access_token"]
    assert put_photo(system, token, png_zip_polyglot()).status_code == 200
    photo = call(system, "GET", PHOTO, token).content
    assert ZIP_PAYLOAD not in photo and b"PK\x03\x04" not in photo and b"<script>" not in photo
    assert Image.open(io.BytesIO(photo)).format == "WEBP"


def test_a_decompression_bomb_is_refused_quickly(system: Stack) -> None:
    _, session = signed_in(system, "bomb")
    started = time.perf_counter()
    answer = put_photo(system, session["access_token"], png_bomb())
    assert answer.status_code == 422
    assert "4096" in answer.json()["detail"]
    assert time.perf_counter() - started < 3.0


def test_too_big_and_wrong_types_are_refused_before_anything_is_stored(system: Stack) -> None:
    _, session = signed_in(system, "bigphoto")
    token = session["access_token"]
    too_big = put_photo(system, token, b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024), "image/jpeg")
    assert too_big.status_code == 413
    assert too_big.headers["content-type"].startswith("application/problem+json")
    for declared in ("text/plain", "image/gif", "application/octet-stream"):
        wrong = put_photo(system, token, jpeg_with_gps(), declared)
        assert wrong.status_code == 415, declared
        assert wrong.headers["content-type"].startswith("application/problem+json")
    assert put_photo(system, None, jpeg_with_gps(), "image/jpeg").status_code == 401
    assert call(system, "GET", PHOTO, token).status_code == 404, "nothing was stored"


def test_a_new_photo_replaces_the_old_one(system: Stack) -> None:
    _, session = signed_in(system, "twophotos")
    token = session["access_token"]
    first = put_photo(system, token, jpeg_with_gps(), "image/jpeg").json()
    second = put_photo(system, token, png_zip_polyglot(), "image/png").json()
    assert first["sha256"] != second["sha256"]
    photo = call(system, "GET", PHOTO, token)
    assert hashlib.sha256(photo.content).hexdigest() == second["sha256"]
