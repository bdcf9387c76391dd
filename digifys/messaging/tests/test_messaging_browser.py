"""Chromium: a relative on a phone writes to the unit; the nurse's worklist shows the unread badge
live (no reload); the nurse answers; the relative sees "answered" (issue #13 acceptance)."""

import pytest
from django.urls import reverse

from digifys.messaging import services
from digifys.testing.accounts import session_cookie
from digifys.testing.screens import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def _shot(page, name: str) -> None:
    screenshot(page, "messaging", name)


def _open(chromium, base_url, user, width, height):
    context = chromium.new_context(
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        viewport={"width": width, "height": height},
    )
    context.add_cookies(
        [
            session_cookie(user, base_url),
            {"name": "django_language", "value": "sv", "url": base_url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def test_message_badge_live_answer_and_answered_on_the_phone(world, chromium, asgi_live_server):
    from playwright.sync_api import expect

    world.unit_mala.phone = "+46953123456"
    world.unit_mala.save()
    base = asgi_live_server
    services.write_update(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        text="Greta har varit ute på promenad och ätit bra i dag.",
        publish=True,
    )
    relative_context, phone = _open(chromium, base, world.relative_with_consent, 390, 844)
    nurse_context, tablet = _open(chromium, base, world.nurse_mala, 768, 1024)
    try:
        # The nurse has the worklist open, connected live.
        tablet.goto(base + reverse("worklist:unit", kwargs={"unit_pk": world.unit_mala.pk}))
        expect(tablet.locator("#worklist")).to_have_attribute("data-live-state", "open")
        expect(tablet.locator(".unread-badge")).to_have_count(0)
        tablet.evaluate("window.__not_reloaded = true")

        # The relative reads the update and writes a message from the portal on a phone.
        phone.goto(base + reverse("relatives:home"))
        phone.get_by_role("link", name="Uppdateringar från enheten").click()
        expect(phone.get_by_text("ute på promenad")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert _serious(phone) == []
        _shot(phone, "relative-updates-390")
        phone.goto(base + reverse("relatives:home"))
        phone.get_by_role("link", name="Meddelanden till enheten").click()
        expect(phone.get_by_text("Inte för akuta ärenden.", exact=True)).to_be_visible()
        expect(phone.get_by_role("link", name="0953-12 34 56")).to_be_visible()
        # Empty: a clear message, nothing sent.
        phone.get_by_role("button", name="Skicka meddelandet").click()
        expect(phone.get_by_text("Skriv ditt meddelande först.")).to_be_visible()
        phone.get_by_label("Ditt meddelande till enheten").fill("Hur har mamma det? Hon lät trött.")
        phone.get_by_role("button", name="Skicka meddelandet").click()
        expect(phone.get_by_text("Skickat, inte läst ännu")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert _serious(phone) == []
        _shot(phone, "relative-messages-390")

        # The badge appears on the nurse's worklist without a reload.
        badge = tablet.locator(f"#resident-{world.resident_mala.pk} .unread-badge")
        expect(badge).to_have_text("1 oläst meddelande – Lind, Greta", timeout=5_000)
        expect(tablet.locator("#unread-messages")).to_be_visible()
        assert tablet.evaluate("window.__not_reloaded === true")
        assert tablet.evaluate("document.documentElement.scrollWidth") <= 768
        _shot(tablet, "worklist-badge-768")

        # The nurse opens the resident's messages from the badge and answers.
        badge.click()
        tablet.locator("#relative-messages").get_by_role("link", name="Från Gustav Lind").click()
        expect(tablet.get_by_text("Hur har mamma det?")).to_be_visible()
        assert _serious(tablet) == []
        _shot(tablet, "message-768")
        answer = tablet.get_by_role("textbox", name="Svar")
        answer.fill("Hon har sovit dåligt men mår bra. Ring gärna!")
        tablet.get_by_role("button", name="Skicka svaret").click()
        expect(tablet.get_by_text("Ditt svar skickades.")).to_be_visible()

        # The relative sees "answered" and the answer.
        phone.reload()
        expect(phone.get_by_text("Besvarad", exact=True)).to_be_visible()
        expect(phone.get_by_text("Hon har sovit dåligt men mår bra.")).to_be_visible()
        _shot(phone, "relative-answered-390")
    finally:
        relative_context.close()
        nurse_context.close()
