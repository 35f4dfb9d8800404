"""Mails rendered from Jinja2 templates in the recipient's language (Dutch or English)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
TIMEZONE = "Europe/Amsterdam"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class RenderedMail:
    """Subject, plain text and HTML of one mail."""

    subject: str
    text: str
    html: str


def render(kind: str, language: str, context: dict[str, Any]) -> RenderedMail:
    """Render the mail `kind` in `language` (falls back to Dutch)."""
    language = language if language in ("nl", "en") else "nl"

    def part(name: str) -> str:
        return _environment.get_template(f"{kind}/{language}.{name}.j2").render(**context)

    return RenderedMail(subject=part("subject").strip(), text=part("txt"), html=part("html"))


def verification_link(public_base_url: str, token: str) -> str:
    """The page where a user confirms their address; it carries `token=<token>`."""
    return f"{public_base_url.rstrip('/')}/verify-email?{urlencode({'token': token})}"


def reset_link(public_base_url: str, token: str | None = None) -> str:
    """The page where a user sets a new password (with a token) or asks for a link (without)."""
    page = f"{public_base_url.rstrip('/')}/reset-password"
    return f"{page}?{urlencode({'token': token})}" if token else page


def invitation_link(public_base_url: str, token: str) -> str:
    """The page where an invited person accepts; it carries `token=<token>`."""
    return f"{public_base_url.rstrip('/')}/accept-invitation?{urlencode({'token': token})}"


def login_link(public_base_url: str) -> str:
    """Where the product is, to log in."""
    return f"{public_base_url.rstrip('/')}/"


def local_datetime(moment: datetime, language: str) -> str:
    """A moment as a person in the Netherlands reads it, in their language."""
    return format_datetime(moment, format="long", tzinfo=_tz(), locale=language)


def _tz() -> Any:
    from babel.dates import get_timezone

    return get_timezone(TIMEZONE)
