"""The consult pages in real Chromium: sending by keyboard with a photo, the live refresh of the
thread and the inbox (the htmx side; the WebSocket side is tested in core), and axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from digifys.consults import services
from digifys.consults.models import Consult

from .builders import png_bytes, png_upload, record_vitals, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _no_csp_errors(page) -> list:
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return errors


def test_a_nurse_sends_an_sbar_consult_with_a_photo_by_keyboard(
    world, browser_login, live_server, tmp_path
):
    observation = record_vitals(world)
    photo = tmp_path / "wound.png"
    photo.write_bytes(png_bytes((40, 30), "red"))
    page = browser_login(world.nurse_mala, language="en")
    page.set_viewport_size(TABLET)
    csp_errors = _no_csp_errors(page)
    url = reverse("consults:new", args=[world.resident_mala.pk])
    page.goto(f"{live_server.url}{url}?observation={observation.pk}&urgency=urgent")
    assert "NEWS2" in page.input_value("#id_assessment")

    page.focus("#id_situation")
    page.keyboard.type("Greta andas snabbare sedan i morse.")
    page.focus("#id_recommendation")
    page.keyboard.type("Bedömning inom 30 minuter.")
    assert page.is_checked("#id_urgency_1")  # urgent, from the link
    page.set_input_files("#id_photos", str(photo))
    page.focus("form.consult-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    consult = Consult.objects.get()
    assert page.url.endswith(reverse("consults:detail", args=[consult.pk]))
    expect(page.locator(".consult-status")).to_contain_text("Answer by")
    image = page.locator("img.consult-photo")
    expect(image).to_be_visible()
    # Visible is not loaded: give the image a moment to arrive (no wait_for_function: CSP).
    width = 0
    for _ in range(50):
        width = page.evaluate("document.querySelector('img.consult-photo').naturalWidth")
        if width:
            break
        page.wait_for_timeout(100)
    assert width == 40
    assert not csp_errors


def test_an_empty_situation_keeps_the_typed_text_in_the_browser(world, browser_login, live_server):
    page = browser_login(world.nurse_mala, language="en")
    page.goto(f"{live_server.url}{reverse('consults:new', args=[world.resident_mala.pk])}")
    page.fill("#id_recommendation", "Ring mig.")
    page.check("#id_urgency_2")
    page.click("form.consult-form button[type=submit]")
    expect(page.locator("#id_situation_error")).to_be_visible()
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.input_value("#id_recommendation") == "Ring mig."
    assert page.is_checked("#id_urgency_2")
    assert not Consult.objects.exists()


def test_the_thread_refreshes_itself_on_a_live_update(world, browser_login, live_server):
    consult = send(world)
    page = browser_login(world.nurse_mala, language="en")
    page.goto(f"{live_server.url}{reverse('consults:detail', args=[consult.pk])}")
    page.fill("#id_message-body", "Jag skriver fortfarande")

    services.post_message(actor=world.physician_spain, consult=consult, body="Ge Alvedon 1 g.")
    # What live.js does on a message from /ws/consults/<pk>/.
    page.evaluate("htmx.trigger(document.getElementById('consult-thread'), 'live-update')")

    expect(page.locator("#consult-thread")).to_contain_text("Ge Alvedon 1 g.")
    expect(page.locator("#consult-thread .consult-status")).to_contain_text("Answered")
    expect(page.locator("#consult-announcer")).to_contain_text("Answered")
    assert page.locator("#consult-thread #consult-thread").count() == 0  # not nested
    assert page.input_value("#id_message-body") == "Jag skriver fortfarande"  # not wiped


def test_the_inbox_refreshes_itself_on_a_live_update(world, browser_login, live_server):
    page = browser_login(world.physician_spain, language="en")
    page.goto(f"{live_server.url}{reverse('consults:inbox')}")
    expect(page.locator("#inbox-rows")).to_contain_text("No consults are waiting for you.")

    send(world)
    page.evaluate("htmx.trigger(document.getElementById('inbox-rows'), 'live-update')")

    expect(page.locator("#inbox-rows")).to_contain_text("Greta Lind")
    expect(page.locator("#inbox-announcer")).to_contain_text("1 consult for you")


@pytest.mark.parametrize(
    ("persona", "page_name"),
    [
        ("nurse_mala", "new"),
        ("nurse_mala", "detail"),
        ("physician_spain", "detail"),
        ("physician_spain", "inbox"),
    ],
)
def test_consult_pages_have_no_serious_accessibility_violations(
    world, browser_login, live_server, persona, page_name
):
    consult = send(world, observation=record_vitals(world), photos=[png_upload()])
    services.save_note(
        actor=world.physician_spain,
        consult=consult,
        aktuellt="Andas snabbare.",
        status="",
        bedomning="",
        atgard="",
    )
    urls = {
        "new": reverse("consults:new", args=[world.resident_mala.pk]),
        "detail": reverse("consults:detail", args=[consult.pk]),
        "inbox": reverse("consults:inbox"),
    }
    page = browser_login(world.persona(persona))
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}{urls[page_name]}")
    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert not serious, results.generate_report()
