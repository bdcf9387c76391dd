"""The administrator's pages in Chromium: no serious or critical axe violations, nothing wider
than the screen at 390, 768 and 1366 px (screenshots in test-results/screens/administration/)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from digifys.administration.tests.access_rows import a_failed_task
from digifys.testing.screens import screenshot

pytestmark = pytest.mark.browser

PAGES = [
    "administration:home",
    "administration:users",
    "administration:organisations",
    "administration:roles",
    "administration:tasks",
]


def _serious(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_administrators_pages_are_accessible_at_every_width(world, browser_login, live_server):
    a_failed_task()
    page = browser_login(world.administrator, language="sv")
    # The login itself lands on the start page.
    page.goto(live_server.url + "/")
    assert page.url.endswith(reverse("administration:home"))
    assert page.get_by_role("heading", name="Systemhälsa").is_visible()
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        for name in PAGES:
            page.goto(live_server.url + reverse(name))
            slug = name.split(":")[1]
            screenshot(page, "administration", f"admin-{slug}-{width}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            assert _serious(page) == [], (name, width)
