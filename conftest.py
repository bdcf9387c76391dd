import os

import pytest
from django.utils import translation

from digifys.core.testing import World, build_world


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service-level messages are asserted in English; requests still default to Swedish."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def world(db) -> World:
    """A small region with every persona (see digifys/core/testing.py)."""
    return build_world()


@pytest.fixture
def login(client):
    """Log a persona in: `login(world.nurse_mala, language="en")`; None stays anonymous."""

    def _login(user, *, language: str | None = None):
        client.logout()
        if user is not None:
            client.force_login(user)
        if language:
            client.cookies["django_language"] = language
        return client

    return _login


# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the same
# thread (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]


@pytest.fixture(scope="session")
def chromium():
    """A real headless Chromium (Debian's package), shared by the browser tests of a worker."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_login(chromium, live_server):
    """Open a new browser context logged in as USER (through the real login form)."""
    from digifys.core.testing import PASSWORD

    contexts = []

    def _open(user, *, language: str | None = None):
        context = chromium.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if language:
            context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "/accounts/login/" not in page.url, f"login failed for {user.username}"
        return page

    yield _open
    for context in contexts:
        context.close()
