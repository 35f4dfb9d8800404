"""The plain HTML pages mails link to: their language and their frame."""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request, Response

from gateway.problems import Problem
from gateway.web.explain import explain
from gateway.web.visit import language_of as visit_language
from gateway.web.words import LANGUAGES, say


def language_of(request: Request[Any, Any, Any]) -> str:
    """The mail's language (its link says `lang=`), else the one chosen on the pages, else
    English for browsers that ask for it first, else Dutch."""
    chosen = request.query_params.get("lang")
    return str(chosen) if chosen in LANGUAGES else visit_language(request)


def page(title: str, language: str, body: str, status: int = 200) -> Response[str]:
    """A page with a title and some HTML, in the look of the product's other pages."""
    html = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} · {say(language, 'product')}</title>"
        '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/web/site.css"></head><body>'
        f'<header class="top"><a class="brand" href="/">{say(language, "product")}</a></header>'
        f'<main id="main" class="narrow"><h1>{title}</h1>{body}</main></body></html>'
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
