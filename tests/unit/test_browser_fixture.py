"""The page-test fixture itself: Chromium starts, renders a page, and axe-core runs on it."""

from __future__ import annotations

from pathlib import Path

from tests.browser import assert_accessible, screenshot


def test_chromium_renders_a_page_and_axe_runs(page: object, tmp_path: Path) -> None:
    html = tmp_path / "hello.html"
    html.write_text(
        '<!doctype html><html lang="en"><head><title>Hello</title></head>'
        "<body><main><h1>Hello</h1><label for=n>Name</label><input id=n></main></body></html>"
    )
    page.goto(html.as_uri())  # type: ignore[attr-defined]
    assert page.inner_text("h1") == "Hello"  # type: ignore[attr-defined]
    assert_accessible(page, context="hello page")
    assert screenshot(page, "fixture-hello").stat().st_size > 1000


def test_axe_reports_a_serious_violation(page: object, tmp_path: Path) -> None:
    html = tmp_path / "bad.html"
    html.write_text(
        '<!doctype html><html lang="en"><head><title>Bad</title></head>'
        '<body><main><img src="x.png"><input type="text"></main></body></html>'
    )
    page.goto(html.as_uri())  # type: ignore[attr-defined]
    try:
        assert_accessible(page)
    except AssertionError as error:
        assert "image-alt" in str(error) or "label" in str(error)
    else:
        raise AssertionError("axe-core found nothing on a page with an unlabelled input")
