"""A real headless Chromium for page tests: Debian's `chromium`, driven by Playwright.

Playwright's own browser download is not used (it comes from outside the package registries);
the machine's Chromium is started with the flags DEVELOPERS.md names. Without a Chromium the
page tests skip, saying why, unless REQUIRE_BROWSER is set (CI installs Chromium and sets it).

Use the `browser` fixture (one Chromium per test module) and `page` (a new context per test);
`screenshot(page, name)` keeps a PNG under test-artifacts/screenshots/ and `assert_accessible`
runs axe-core on the page and fails on serious or critical violations.

Playwright's sync API keeps an event loop running in the main thread while it is open: the
browser lives for one module only, so async tests elsewhere are not disturbed, and code inside
a page test must not call `asyncio.run` (use the sync helpers, or a thread).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


def chromium_path() -> str | None:
    """The machine's Chromium, or None."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser() -> str:
    """The Chromium to use; skips the test (fails it under REQUIRE_BROWSER) without one."""
    path = chromium_path()
    if path is None:
        reason = "no Chromium on this machine (apt-get install chromium); page tests skipped"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{reason}; REQUIRE_BROWSER is set (CI runs the page tests)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the tests of one module."""
    path = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context (own cookies) and page for one test."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: object, name: str) -> Path:
    """Keep a full-page PNG as a test artefact; returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def assert_accessible(page: object, *, context: str = "") -> None:
    """axe-core on the current page: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in {"serious", "critical"}
    ]
    assert not bad, f"{context} accessibility violations: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in bad
    )
