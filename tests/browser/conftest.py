"""Browser tests: real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright with
executable_path: no browser download) against a real `labelcore serve` on 127.0.0.1.

Every request the page makes to a host other than 127.0.0.1 is aborted. Screenshots go to
test-output/screenshots/ (`shot(page, name)`), to be looked at.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from labelcore.testing import LiveServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LABELCORE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run the suite with ./dev test, which installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def web_server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("web")) as server:
        yield server


def _local_only(route):
    host = urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def context(browser, web_server):
    context = browser.new_context(base_url=web_server.url, viewport={"width": 1360, "height": 860})
    context.route("**/*", _local_only)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # tests assert no uncaught JavaScript error happened
    yield page


@pytest.fixture
def signed_in(page, web_server):
    """The page, with the admin's session cookie (logged in through the API)."""
    response = page.request.post("/api/auth/login", data={"email": web_server.email, "password": web_server.password})
    assert response.ok, response.text()
    return page


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under test-output/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
