"""Request rules shared by the JSON routes."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException

PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
"""Names and search terms hold no control characters (NUL, escape sequences, line breaks)."""

JSON_BODY_LIMIT = 64 * 1024
"""JSON commands are small; anything bigger is a mistake or an attack (413)."""


def require_json(request: Request[Any, Any, Any]) -> Any:
    """Bodies of JSON routes must say they are JSON: 415 otherwise."""
    if request.method in ("POST", "PUT", "PATCH"):
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise HTTPException(
                status_code=415,
                detail="Send the body as application/json "
                f"(got {media_type or 'no Content-Type'}).",
            )
