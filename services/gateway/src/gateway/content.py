"""Request rules shared by the JSON routes."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request
from litestar.exceptions import HTTPException
from pydantic import AfterValidator

from gateway.problems import Problem

# C0 and C1 controls (NUL, escape sequences, line breaks) and the bidirectional overrides that
# make a name read otherwise than it is written.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _unprintable(value: str) -> str | None:
    """Why a value may not be used as a name or a search term, or None."""
    found = _CONTROL.search(value)
    return (
        f"contains a control character (U+{ord(found.group()):04X}); remove it" if found else None
    )


def no_control_characters(value: str) -> str:
    """Pydantic's check for names: a ValueError naming the character."""
    why = _unprintable(value)
    if why:
        raise ValueError(why)
    return value


Printable = Annotated[str, AfterValidator(no_control_characters)]
"""A name or a free text field: no control characters."""


def printable_query(**values: str | None) -> None:
    """Query parameters used as search terms: a 422 naming each one with a control character
    (Litestar's own pattern check would name a regular expression, not the fix)."""
    errors = [
        {"field": name, "message": why}
        for name, value in values.items()
        if value is not None and (why := _unprintable(value))
    ]
    if errors:
        raise Problem(
            422,
            "urn:problem:invalid-request",
            "The request is not valid",
            f"{len(errors)} field(s) need attention",
            errors=errors,
        )


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
