"""The notification settings and delivery logs with content, in Chromium at phone to desktop width.

The sweep of every page (core/tests/test_every_page_browser.py) sees these pages empty; here
they hold deliveries of every status and a form with errors.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from digifys.core.tests.test_every_page_browser import (
    CHECK,
    HEIGHT,
    TOUCH_WIDTHS,
    _axe_findings,
    _context_for,
)
from digifys.notifications.models import Delivery, DeliverySettings
from digifys.notifications.services import notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 768, 1366)
SHOTS = os.environ.get("DIGIFYS_NOTIFY_SHOTS", "")


def _fill_log(world) -> None:
    relative = world.relative_with_consent
    relative.email = "gustav.lind.with.a.long.address@example.se"
    relative.save()
    DeliverySettings.objects.create(user=relative, mobile="+46701234567")
    statuses = [
        {"status": "sent", "attempts": 1},
        {"status": "retrying", "attempts": 2, "problem": "timeout", "last_error": "timed out"},
        {"status": "given_up", "attempts": 6, "problem": "temporary", "last_error": "SMTP 451"},
        {"status": "queued", "held_for_quiet_hours": True},
    ]
    for changes in statuses:
        (notification,) = notify(
            recipients=[relative], kind="relative_update", text="x", link="/relatives/"
        )
        row = Delivery.objects.get(notification=notification)
        for field, value in changes.items():
            setattr(row, field, value)
        row.sent_at = row.created_at if changes["status"] == "sent" else None
        row.save()
    notify(recipients=[world.relative_without], kind="meeting_invitation", text="x")  # no address


def _check(page, label: str, findings: list[str], folder: Path | None) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        for finding in page.evaluate(CHECK, {"width": width, "touch": width in TOUCH_WIDTHS}):
            findings.append(f"{label} @{width}: {finding}")
        if width in (390, 1366):
            findings.extend(f"{label} @{width}: {f}" for f in _axe_findings(page))
        if folder is not None:
            page.screenshot(path=str(folder / f"{label}-{width}.png"), full_page=True)


@pytest.mark.parametrize("persona", ["relative_with_consent", "physician_spain", "coordinator"])
def test_notification_pages_with_content_fit_and_pass_axe(world, chromium, live_server, persona):
    _fill_log(world)
    folder = Path(SHOTS) / persona if SHOTS else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    context = _context_for(chromium, live_server, world.persona(persona))
    page = context.new_page()
    page.set_default_timeout(15_000)
    findings: list[str] = []
    try:
        names = ["accounts:preferences", "notifications:preferences", "notifications:deliveries"]
        if persona == "coordinator":
            names.append("notifications:failed_deliveries")
        for name in names:
            page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
            response = page.goto(f"{live_server.url}{reverse(name)}", wait_until="load")
            assert response is not None and response.status == 200, name
            _check(page, name.replace(":", "-"), findings, folder)
        # The form with errors: SMS chosen without a mobile number, half quiet hours.
        page.goto(f"{live_server.url}{reverse('notifications:preferences')}", wait_until="load")
        page.locator("input[type=radio][value=sms]").first.check()
        page.fill("input[name=mobile]", "")
        page.fill("input[name=quiet_from]", "22:00")
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state("load")
        assert page.locator(".field-error").count() == 2  # the mobile number and quiet hours
        _check(page, "preferences-errors", findings, folder)
    finally:
        context.close()
    assert not findings, "\n".join(findings)
