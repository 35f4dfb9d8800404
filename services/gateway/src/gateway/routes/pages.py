"""The plain HTML pages mails link to: their language and their frame."""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request, Response

from gateway.problems import Problem
from gateway.web.explain import explain


def language_of(request: Request[Any, Any, Any]) -> str:
    """English for browsers that ask for it first, else Dutch."""
    accepted = request.headers.get("accept-language", "")
    return "en" if accepted.lower().startswith("en") else "nl"


def page(title: str, language: str, body: str, status: int = 200) -> Response[str]:
    """A page with a title and some HTML, in the product's plain style."""
    html = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>"
        '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml"></head>'
        '<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;'
        f'line-height:1.5"><h1>{title}</h1>{body}</body></html>'
    )
    return Response(
        html,
        status_code=status,
        media_type="text/html",
        # These pages carry tokens: keep them out of caches and other sites' Referer headers.
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def explained(problem: Problem, language: str) -> str:
    """A refusal as a page says it: what went wrong in the visitor's language, then the
    service's own words on this case (what to change), when they add something."""
    said = explain(problem, language)
    lines = [f'<p role="alert"><strong>{escape(said.message)}</strong></p>']
    if said.detail:
        lines.append(f"<p>{escape(said.detail)}</p>")
    lines.extend(f"<p>{escape(item['message'])}</p>" for item in said.fields)
    return "".join(lines)
