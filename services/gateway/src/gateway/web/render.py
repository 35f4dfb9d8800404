"""The pages' templates (templates/web/), rendered with the visitor's language."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from servicekit.wording import amount, local_date, local_moment

from gateway.web.failures import why_not_delivered
from gateway.web.words import say

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static" / "web"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, *, language: str, **context: Any) -> str:
    """`web/<template>` with `t(key, **values)` speaking `language`, and `day(date)`,
    `moment(datetime)`, `money(amount, currency)` writing them as its readers do, and
    `failure(detail)` saying why an invoice was not delivered."""
    page = _environment.get_template(f"web/{template}")
    return page.render(
        language=language,
        t=partial(say, language),
        day=lambda value: local_date(_as_date(value), language) if value else "",
        moment=lambda value: local_moment(value, language) if value else "",
        money=lambda value, currency: amount(value, currency, language) if currency else value,
        failure=lambda detail: why_not_delivered(detail, language),
        **context,
    )


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
