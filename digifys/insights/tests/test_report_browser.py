"""Chromium: a coordinator downloads the monthly PDF report from the figures page and subscribes.

The downloaded file is read back with pypdf: it has one chart per main figure and their tables.
Screenshots of the report section at 390, 768 and 1366 px go to test-results/screens/insights/.
"""

import io
import time
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from digifys.insights import facts, report
from digifys.insights.models import ReportSubscription
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW
from digifys.testing.screens import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_downloads_the_monthly_report(world, browser_login, live_server):
    handmade.build(world)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    page = browser_login(world.coordinator, language="en")
    page.goto(live_server.url + reverse("insights:figures"))
    section = page.locator("section[aria-labelledby=h-report]")
    section.scroll_into_view_if_needed()
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        # Chart.js resizes its canvases a frame or more after the viewport changes (a
        # ResizeObserver): wait for the page to settle before measuring it.
        fits = "document.documentElement.scrollWidth <= window.innerWidth"
        deadline = time.monotonic() + 5
        while not page.evaluate(fits) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert page.evaluate(fits), f"the page scrolls sideways at {width} px"
        section.scroll_into_view_if_needed()
        screenshot(page, "insights", f"figures-report-{width}")
    section.get_by_label("Month").select_option("2026-02")
    # Eight charts on a machine shared by several test runs: allow the server a minute.
    with page.expect_download(timeout=60_000) as download:
        section.get_by_role("button", name="Monthly report (PDF)").click(no_wait_after=True)
    assert download.value.suggested_filename.endswith(f"region-{world.region.pk}-2026-02.pdf")
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Monthly report: Region Västerbotten" in text and "February 2026 at a glance" in text
    assert "Share of contacts with the named physician" in text
    assert "February 2026 27" in text  # the contacts table: 23 in Malå and 4 in Storuman
    assert sum(len(p.images) for p in reader.pages) == len(report.MAIN_FIGURES)

    page.get_by_role("button", name="Send me the report every month").click()
    page.wait_for_load_state()
    assert "You will get the monthly report of Region Västerbotten" in page.inner_text("main")
    assert ReportSubscription.objects.filter(user=world.coordinator, level="region").exists()
    assert page.get_by_role("button", name="Stop the monthly e-mail").is_visible()
