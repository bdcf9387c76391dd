"""Downloads from abroad and the log review's logins from abroad in Chromium (issue #17 §6):
no serious or critical axe violations, nothing wider than the screen at 390, 768 and 1366 px, and
the purpose form works with the keyboard alone. Screenshots under /tmp/shots-wt-backup/."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from digifys.audit.models import AuditEvent, StaffSession
from digifys.audit.tests.helpers import review_of_an_emergency_access, work_abroad
from digifys.testing.screens import screenshot

pytestmark = pytest.mark.browser


def _serious(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _look(page, name: str, width: int) -> None:
    screenshot(page, "audit", f"{name}-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    assert _serious(page) == [], (name, width)


def test_the_purpose_form_and_the_refusal_at_every_width(
    world, browser_login, live_server, settings
):
    work_abroad(world.coordinator)
    page = browser_login(world.coordinator, language="sv")
    url = live_server.url + reverse("audit:extract_pdf", args=[world.resident_mala.pk])
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.get_by_role("heading", name="Syfte med nedladdningen").is_visible()
        _look(page, "download-purpose", width)
        page.get_by_role("button", name="Ladda ned").click()
        assert page.get_by_role("alert").is_visible()
        _look(page, "download-purpose-error", width)
    settings.DOWNLOADS_ABROAD_REFUSED_ROLES = ["coordinator"]
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.get_by_role(
            "heading", name="Nedladdning är inte tillåten utomlands"
        ).is_visible()
        _look(page, "download-refused", width)


def test_the_purpose_form_works_with_the_keyboard(world, browser_login, live_server):
    work_abroad(world.coordinator)
    page = browser_login(world.coordinator, language="en")
    page.goto(live_server.url + reverse("audit:extract_csv", args=[world.resident_mala.pk]))
    field = page.get_by_label("Purpose of the download")
    for _ in range(30):
        if field.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    page.keyboard.type("Patientens begäran")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Download"
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")
    entry = AuditEvent.objects.get(action="export", object_type="log_extract")
    assert entry.details["reason"] == "Patientens begäran"


def test_the_review_with_logins_from_abroad_at_every_width(world, browser_login, live_server):
    physician = browser_login(world.physician_spain, language="sv")  # records the login
    physician.close()
    assert StaffSession.objects.filter(user=world.physician_spain, country="ES").exists()
    review = review_of_an_emergency_access(world)
    page = browser_login(world.coordinator, language="sv")
    for width in (390, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + reverse("audit:review", args=[review.pk]))
        assert page.get_by_role(
            "heading", name="Inloggningar från utlandet under perioden"
        ).is_visible()
        _look(page, "review-abroad", width)
