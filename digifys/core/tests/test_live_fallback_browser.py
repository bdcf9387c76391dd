"""Live updates without their WebSocket, in real Chromium over the full ASGI server.

When a page's socket cannot connect or drops (Redis or the ASGI node gone), the page fetches its
live parts every LIVE_POLL_SECONDS instead and says so in a polite status line; when the socket is
back, the notice goes. The sockets are blocked in the browser (Playwright's WebSocket routing), so
the page really has no live connection while the server and its data go on.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from digifys.testing.screens import screenshot
from digifys.testing.world import record_news2_six

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAUSED = "Live updates are paused — the page checks for news every 2 seconds."


class _SocketSwitch:
    """Route the page's /ws/ sockets: through to the server, or refused while blocked."""

    def __init__(self, page):
        self.blocked = False
        self.open_routes = []
        page.route_web_socket(re.compile(r"/ws/"), self._route)

    def _route(self, ws):
        if self.blocked:
            ws.close(code=1011, reason="blocked by the test")
            return
        ws.connect_to_server()
        self.open_routes.append(ws)

    def cut(self):
        """Block new sockets and drop the open ones, as when Redis stops."""
        self.blocked = True
        routes, self.open_routes = self.open_routes, []
        for ws in routes:
            ws.close(code=1011, reason="cut by the test")

    def restore(self):
        self.blocked = False


def _serious_axe_violations(page):
    results = Axe().run(page)
    return [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def test_the_worklist_polls_and_says_so_while_its_socket_is_down(
    world, asgi_browser_login, settings
):
    settings.LIVE_POLL_SECONDS = 2
    page = asgi_browser_login(world.nurse_mala, language="en")
    switch = _SocketSwitch(page)
    page.goto(f"{asgi_browser_login.url}{reverse('worklist:unit', args=[world.unit_mala.pk])}")
    live = page.locator("#worklist")
    notice = page.locator("#live-notice")
    expect(live).to_have_attribute("data-live-state", "open")
    expect(notice).to_be_empty()
    expect(notice).to_have_attribute("aria-live", "polite")

    switch.cut()
    expect(live).not_to_have_attribute("data-live-state", "open")
    expect(notice).to_have_text(PAUSED, timeout=10_000)
    assert _serious_axe_violations(page) == []

    # A colleague records vital signs; no socket tells the page, the poll brings the row.
    row = page.locator(f"#resident-{world.resident_mala.pk}")
    expect(row).to_contain_text("No observations yet")
    record_news2_six(world.nurse_mala, world.resident_mala)
    expect(row.locator(".worklist-news2-total")).to_have_text("6", timeout=10_000)
    assert page.evaluate("document.getElementById('worklist').dataset.liveLast") == "poll"

    # The socket comes back (reconnect with backoff): live again, the notice goes.
    switch.restore()
    expect(live).to_have_attribute("data-live-state", "open", timeout=30_000)
    expect(notice).to_be_empty()
    assert page.evaluate("document.documentElement.dataset.livePolling") is None


def test_a_page_whose_socket_never_connects_says_so_in_swedish(world, asgi_browser_login, settings):
    settings.LIVE_POLL_SECONDS = 2
    page = asgi_browser_login(world.physician_spain)
    switch = _SocketSwitch(page)
    switch.cut()
    page.goto(f"{asgi_browser_login.url}{reverse('consults:inbox')}")
    notice = page.locator("#live-notice")
    expect(notice).to_have_text(re.compile(r"var 2:e sekund"), timeout=10_000)
    expect(page.locator("#inbox-rows")).to_have_attribute(
        "data-live-state", re.compile("closed|connecting")
    )
    assert _serious_axe_violations(page) == []
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "core", f"live-paused-inbox-{width}")
