"""Chromium, the issue #13 journey end to end: a relative on a 390-px phone gets an e-mail about an
update through a real SMTP server, opens its link, logs in with the e-mailed code, reads the
update and writes to the unit; the nurse (768 px) sees the unread badge live on the worklist and
answers; the relative sees "answered" and gets the e-mail that says so. No e-mail names the
resident."""

import re
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from digifys.messaging import services
from digifys.testing.accounts import session_cookie
from digifys.testing.smtp import running_smtp_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRETS = ("Greta", "Lind", "promenad")


@pytest.fixture
def smtp_server(settings, asgi_live_server):
    """A real SMTP server that Django's SMTP backend (login codes and notifications) sends to."""
    with running_smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.NOTIFICATION_EMAIL_BACKEND = None
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        settings.SITE_URL = asgi_live_server
        yield server


def _deliver() -> None:
    """Run the queued notification jobs, as the worker process does."""
    call_command("db_worker", batch=True, verbosity=0, startup_delay=False)


def _wait_for_mail(server, count: int, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while len(server.received) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} e-mails, got {len(server.received)}")
        time.sleep(0.05)
    return server.received[count - 1]


def _link_in(body: str, base: str) -> str:
    match = re.search(re.escape(base) + r"/\S+", body)
    assert match, body
    return match.group(0)


def _assert_no_names(got) -> None:
    for secret in SECRETS:
        assert secret not in got.subject and secret not in got.body


def test_relative_journey_from_email_to_answered(world, chromium, asgi_live_server, smtp_server):
    from playwright.sync_api import expect

    cache.clear()  # login-code rate limits of earlier tests
    base = asgi_live_server
    relative = world.relative_with_consent
    relative.email = "gustav.lind@example.test"
    relative.language = "sv"
    relative.save()

    # A nurse publishes an update; the relative is told by e-mail.
    services.write_update(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        text="Greta har varit ute på promenad och ätit bra i dag.",
        publish=True,
    )
    _deliver()
    update_mail = _wait_for_mail(smtp_server, 1)
    assert update_mail.to == ["gustav.lind@example.test"]
    assert "Malåhemmet" in update_mail.body
    _assert_no_names(update_mail)
    updates_url = base + reverse(
        "messaging:relative_updates", kwargs={"resident_pk": world.resident_mala.pk}
    )
    assert _link_in(update_mail.body, base) == updates_url

    phone_context = chromium.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 390, "height": 844}
    )
    phone_context.add_cookies([{"name": "django_language", "value": "sv", "url": base}])
    nurse_context = chromium.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 768, "height": 1024}
    )
    nurse_context.add_cookies(
        [
            session_cookie(world.nurse_mala, base),
            {"name": "django_language", "value": "sv", "url": base},
        ]
    )
    phone = phone_context.new_page()
    tablet = nurse_context.new_page()
    phone.set_default_timeout(10_000)
    tablet.set_default_timeout(10_000)
    try:
        # The link from the e-mail leads to the login page; the relative asks for a code.
        phone.goto(_link_in(update_mail.body, base))
        phone.get_by_role("link", name="Skicka en inloggningskod till min e-post").click()
        phone.get_by_label("E-post").fill("gustav.lind@example.test")
        phone.get_by_role("button", name="Skicka en kod till mig").click()
        expect(phone.get_by_role("heading", name="Ange inloggningskoden")).to_be_visible()
        code_mail = _wait_for_mail(smtp_server, 2)
        assert code_mail.to == ["gustav.lind@example.test"]
        found = re.search(r"^\s*([A-Z0-9-]{6,})\s*$", code_mail.body, re.MULTILINE)
        assert found, repr(code_mail.body)
        code = found.group(1)
        phone.get_by_role("textbox", name="Kod").fill(code)
        phone.get_by_role("button", name="Logga in").click()

        # Logged in, the relative lands on the update the e-mail was about.
        expect(phone.get_by_text("ute på promenad")).to_be_visible()
        assert phone.url == updates_url
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

        # The nurse has the worklist open, connected live.
        tablet.goto(base + reverse("worklist:unit", kwargs={"unit_pk": world.unit_mala.pk}))
        expect(tablet.locator("#worklist")).to_have_attribute("data-live-state", "open")
        expect(tablet.locator(".unread-badge")).to_have_count(0)
        tablet.evaluate("window.__not_reloaded = true")

        # The relative writes to the unit.
        phone.goto(base + reverse("relatives:home"))
        phone.get_by_role("link", name="Meddelanden till enheten").click()
        phone.get_by_label("Ditt meddelande till enheten").fill("Hur har mamma det? Hon lät trött.")
        phone.get_by_role("button", name="Skicka meddelandet").click()
        expect(phone.get_by_text("Skickat, inte läst ännu")).to_be_visible()

        # The badge appears on the worklist without a reload; the nurse answers.
        badge = tablet.locator(f"#resident-{world.resident_mala.pk} .unread-badge")
        expect(badge).to_have_text("1 oläst meddelande – Lind, Greta", timeout=5_000)
        assert tablet.evaluate("window.__not_reloaded === true")
        badge.click()
        tablet.locator("#relative-messages").get_by_role("link", name="Från Gustav Lind").click()
        expect(tablet.get_by_text("Hur har mamma det?")).to_be_visible()
        tablet.get_by_role("textbox", name="Svar").fill("Hon har sovit dåligt men mår bra.")
        tablet.get_by_role("button", name="Skicka svaret").click()
        expect(tablet.get_by_text("Ditt svar skickades.")).to_be_visible()

        # The relative is told by e-mail, with the link and without the resident's name ...
        _deliver()
        answered_mail = _wait_for_mail(smtp_server, 3)
        assert answered_mail.to == ["gustav.lind@example.test"]
        _assert_no_names(answered_mail)
        assert answered_mail.subject.endswith("– Malåhemmet")
        assert "Malåhemmet" in answered_mail.body
        messages_url = base + reverse(
            "messaging:relative_messages", kwargs={"resident_pk": world.resident_mala.pk}
        )
        assert _link_in(answered_mail.body, base) == messages_url

        # ... and following it sees "answered" and the answer.
        phone.goto(_link_in(answered_mail.body, base))
        expect(phone.get_by_text("Besvarad", exact=True)).to_be_visible()
        expect(phone.get_by_text("Hon har sovit dåligt men mår bra.")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone_context.close()
        nurse_context.close()
