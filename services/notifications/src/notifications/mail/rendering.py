"""Mails rendered from Jinja2 templates in the recipient's language (Dutch or English).

Templates live in `templates/<kind>/<language>.{subject,txt,html}.j2`. Dates, moments and
amounts go through Babel filters that know the mail's language: `{{ issue_date | day }}`,
`{{ received_at | moment }}`, `{{ payable_amount | money(currency) }}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from servicekit.wording import amount, local_date, local_moment

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("nl", "en")

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    # Templates ship with the code: no need to look at their files again for every mail.
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class RenderedMail:
    """Subject, plain text and HTML of one mail."""

    subject: str
    text: str
    html: str


def render(kind: str, language: str, context: dict[str, Any]) -> RenderedMail:
    """Render the mail `kind` in `language` (falls back to Dutch)."""
    language = language if language in LANGUAGES else "nl"
    values = {**context, "language": language}
    subject, text, html = _templates(kind, language)
    return RenderedMail(
        subject=" ".join(subject.render(values).split()),
        text=text.render(values),
        html=html.render(values),
    )


@lru_cache(maxsize=64)
def _templates(kind: str, language: str) -> tuple[Template, Template, Template]:
    # The environment's own look-up (a lock and its cache) for each part of every mail cost
    # more than a dictionary; the templates never change while the process runs.
    return (
        _environment.get_template(f"{kind}/{language}.subject.j2"),
        _environment.get_template(f"{kind}/{language}.txt.j2"),
        _environment.get_template(f"{kind}/{language}.html.j2"),
    )


def _query(token: str | None, language: str | None) -> str:
    """`token=<token>` (what the page needs) and `lang=` (so it speaks the mail's language)."""
    values = {"token": token} if token else {}
    if language:
        values["lang"] = language
    return f"?{urlencode(values)}" if values else ""


def verification_link(public_base_url: str, token: str, language: str | None = None) -> str:
    """The page where a user confirms their address; it carries `token=<token>`."""
    return f"{public_base_url.rstrip('/')}/verify-email{_query(token, language)}"


def reset_link(public_base_url: str, token: str | None = None, language: str | None = None) -> str:
    """The page where a user sets a new password (with a token) or asks for a link (without)."""
    return f"{public_base_url.rstrip('/')}/reset-password{_query(token, language)}"


def invitation_link(public_base_url: str, token: str, language: str | None = None) -> str:
    """The page where an invited person accepts; it carries `token=<token>`."""
    return f"{public_base_url.rstrip('/')}/accept-invitation{_query(token, language)}"


def login_link(public_base_url: str) -> str:
    """Where the product is, to log in."""
    return f"{public_base_url.rstrip('/')}/"


def page_link(public_base_url: str, path: str) -> str:
    """A page of the product below PUBLIC_BASE_URL."""
    return f"{public_base_url.rstrip('/')}/{path.lstrip('/')}"


@pass_context
def _day_filter(context: Context, value: str | date | None) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return local_date(day, context.get("language", "nl"))


@pass_context
def _moment_filter(context: Context, value: str | datetime | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local_moment(moment, context.get("language", "nl"))


@pass_context
def _money_filter(context: Context, value: str | Decimal | None, currency: str | None) -> str:
    if value is None or not currency:
        return ""
    return amount(value, currency, context.get("language", "nl"))


def _paragraphs(text: str) -> list[str]:
    """Plain text split at blank lines (for news written by operators)."""
    return [
        " ".join(block.split())
        for block in text.replace("\r\n", "\n").split("\n\n")
        if block.strip()
    ]


_environment.filters.update(
    day=_day_filter, moment=_moment_filter, money=_money_filter, paragraphs=_paragraphs
)
