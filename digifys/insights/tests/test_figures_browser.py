"""Chromium: a coordinator opens the region's figures, drills down to a unit, downloads CSV.

Screenshots at 390, 768 and 1366 px go to test-results/screens/insights/. (The monthly PDF
report: test_report_browser.py.)
"""

from pathlib import Path

import pytest
from django.urls import reverse

from digifys.insights import facts
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW
from digifys.testing.screens import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_drills_down_and_downloads(world, browser_login, live_server):
    handmade.build(world)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    page = browser_login(world.coordinator, language="en")
    query = f"?start={FIRST.isoformat()}&end={LAST.isoformat()}&figure=named_share"
    page.goto(live_server.url + reverse("insights:figures") + query)
    assert "Region Västerbotten" in page.inner_text("h1")
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "insights", f"figures-region-{width}")
    with page.expect_navigation():
        page.get_by_role("link", name="Malåhemmet – Avd 1 Björken").click()
    assert "Avd 1 Björken" in page.inner_text("h1")
    rows = page.locator("section[aria-labelledby=h-series] tbody tr")
    assert rows.count() == 2  # January and February
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "insights", "figures-unit-1366")
    with page.expect_download() as download:
        page.click("section[aria-labelledby=h-series] a[download]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("From;To;Share of contacts with the named physician")
    assert len(text.splitlines()) == 3
