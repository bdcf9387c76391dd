"""Every page of every persona, in Chromium, at the widths people hold (issue 12 §2).

The pages come from the access matrix (core/tests/test_access_matrix.py): every GET pattern where
a persona gets 200, with the row's kwargs built on the test world. A new page is swept without
touching this file; a new download, feed or fragment must be named in SKIPPED, with the reason.

At 390, 768, 1024 and 1366 px wide each page must
- not be wider than the viewport (documentElement and body `scrollWidth <= innerWidth`);
- keep every visible interactive element inside the viewport horizontally (an element scrolled
  out of sight inside a scrolling table counts as outside: people do not find it there);
- give every pointer target at least 24 × 24 CSS px (WCAG 2.2 2.5.8), with the success
  criterion's exceptions implemented as written: a target in a sentence (inline) and a target
  whose 24 px circle touches no other target (spacing); a checkbox's label is part of its target;
- make its main actions (primary buttons) at least 44 px high on touch widths (390, 768, 1024).

axe-core runs once per page at 390 px and once at 1366 px: no serious or critical violations.

Each persona gets one logged-in browser context (the session cookie of a test client with both
factors, as `complete_second_factor` records them); the viewport is resized, not recreated. All
findings of a persona are reported at once. Screenshots of every page at every width are written
to test-results/screens/<persona>/<page>-<width>.png (DIGIFYS_SCREENSHOTS=0 turns them off).
"""

import os
import time
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.conf import settings
from django.urls import reverse

from digifys.core.tests.test_access_matrix import MATRIX
from digifys.testing.access_matrix import OK
from digifys.testing.accounts import session_cookie
from digifys.testing.world import PERSONAS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 768, 1024, 1366)
TOUCH_WIDTHS = (390, 768, 1024)
AXE_WIDTHS = (390, 1366)
HEIGHT = 900
SCREENS = Path(settings.BASE_DIR) / "test-results" / "screens"

# GET patterns that answer 200 but are not pages a person looks at.
SKIPPED = {
    "healthz": "plain-text health check for the load balancer",
    "javascript-catalog": "JavaScript translation catalogue",
    "service-worker": "the service worker script (JavaScript, docs/offline.md)",
    "audit:extract_csv": "CSV download of a log extract",
    "audit:extract_pdf": "PDF download of a log extract",
    "insights:report_pdf": "PDF download of the monthly insights report",
    "trust:results_csv": "CSV download of the trust survey's results",
    "scheduling:ics": "iCalendar feed",
    "consults:photo": "image file",
    "clinicians:document": "PDF download of a clinician's document",
    "visits:ice": "JSON (the video room's ICE servers)",
    "worklist:rows": "htmx fragment of worklist:unit (swept as part of that page)",
    "consults:inbox_rows": "htmx fragment of consults:inbox (swept as part of that page)",
    "consults:thread": "htmx fragment of consults:detail (swept as part of that page)",
    "orders:task_rows": "htmx fragment of orders:tasks (swept as part of that page)",
    "notifications:badge": "htmx fragment of the header on every page",
    "testbed:report_pdf": "PDF download of a company's conformance report",
}
# Whole URL namespaces that serve no pages.
SKIPPED_NAMESPACES = {
    "fhir": "the FHIR R4 API: JSON for programs (docs/api.md), tested in digifys/fhir/tests",
}

# Runs in the page at each width and returns the findings (a list of strings). Playwright calls
# the text as a function only if it starts with one: the file's heading comment is left out.
CHECK = (Path(__file__).parent / "every_page_check.js").read_text().split("\n", 1)[1]


def _pages_of(world, persona: str):
    """(url name, kwargs builder) of every page PERSONA gets with 200, in the matrix's order."""
    for name, (kwargs_for, method, expected) in MATRIX.items():
        if name in SKIPPED or name.split(":")[0] in SKIPPED_NAMESPACES:
            continue
        if method == "get" and expected.get(persona) == OK:
            yield name, kwargs_for


def _context_for(chromium, live_server, user):
    context = chromium.new_context(
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        viewport={"width": WIDTHS[0], "height": HEIGHT},
    )
    if user is not None:
        context.add_cookies([session_cookie(user, live_server.url)])
    return context


def _axe_findings(page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is laid out now."""
    # axe-playwright-python's Axe.run injects the 500 kB script on every call; inject it once
    # per page load and run it at each width.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    response = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    findings = []
    for violation in response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        findings.append(f"axe {violation['id']} ({violation['impact']}): {targets}")
    return findings


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_fits_every_width_and_passes_axe(world, chromium, live_server, persona):
    screenshots = os.environ.get("DIGIFYS_SCREENSHOTS", "1") != "0"
    folder = SCREENS / persona
    if screenshots:
        folder.mkdir(parents=True, exist_ok=True)
    context = _context_for(chromium, live_server, world.persona(persona))
    page = context.new_page()
    page.set_default_timeout(15_000)
    failures: list[str] = []
    swept = 0
    started = time.monotonic()
    try:
        for name, kwargs_for in _pages_of(world, persona):
            path = reverse(name, kwargs=kwargs_for(world))
            page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
            response = page.goto(f"{live_server.url}{path}", wait_until="load")
            label = f"{name} ({path})"
            if response is None or response.status != OK or response.request.redirected_from:
                status = response.status if response else "no response"
                failures.append(f"{label}: expected the page, got {status} at {page.url}")
                continue
            if not response.headers.get("content-type", "").startswith("text/html"):
                failures.append(f"{label}: not HTML – add it to SKIPPED with the reason")
                continue
            if page.locator("main").count() == 0:
                failures.append(f"{label}: no <main> – a fragment? add it to SKIPPED")
                continue
            swept += 1
            shot = name.replace(":", "-")
            for width in WIDTHS:
                if width != WIDTHS[0]:
                    page.set_viewport_size({"width": width, "height": HEIGHT})
                for finding in page.evaluate(
                    CHECK, {"width": width, "touch": width in TOUCH_WIDTHS}
                ):
                    failures.append(f"{label} @{width}: {finding}")
                if width in AXE_WIDTHS:
                    for finding in _axe_findings(page):
                        failures.append(f"{label} @{width}: {finding}")
                if screenshots:
                    page.screenshot(path=str(folder / f"{shot}-{width}.png"), full_page=True)
    finally:
        context.close()
    elapsed = time.monotonic() - started
    print(f"{persona}: {swept} pages × {len(WIDTHS)} widths in {elapsed:.1f} s")
    assert swept > 0
    assert not failures, f"{len(failures)} findings for {persona}:\n" + "\n".join(failures)
