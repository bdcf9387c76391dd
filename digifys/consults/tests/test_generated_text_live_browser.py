"""Live pushes of generated text in real Chromium: one consult, two readers, two languages.

A Spanish-language physician and a Swedish nurse have the same consult open. When the nurse's
task is completed, the socket tells both pages and each re-fetches its fragment: the new thread
event arrives in Spanish on one screen and in Swedish on the other (issue 12 §4 item 5).
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from digifys.consults import services
from digifys.orders import services as orders

from .builders import record_vitals, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_live_thread_event_arrives_in_each_readers_language(world, asgi_browser_login):
    nurse, physician = world.nurse_mala, world.physician_spain
    nurse.language, physician.language = "sv", "es"
    nurse.save(update_fields=["language"])
    physician.save(update_fields=["language"])
    consult = send(world, observation=record_vitals(world))
    services.accept_consult(actor=physician, consult=consult)
    order = orders.place_order(
        actor=physician,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera temperaturen.",
        consult=consult,
    )
    url = f"{asgi_browser_login.url}{reverse('consults:detail', args=[consult.pk])}"
    pages = {}
    for user in (physician, nurse):
        page = asgi_browser_login(user)
        page.goto(url)
        expect(page.locator("#consult-thread")).to_have_attribute("data-live-state", "open")
        pages[user.language] = page
    expect(pages["es"].locator("#consult-thread")).to_contain_text("Aceptada por Carmen Doctor.")
    expect(pages["sv"].locator("#consult-thread")).to_contain_text("Mottagen av Carmen Doctor.")

    measured = record_vitals(world, temperature=Decimal("37.0"))
    orders.complete_task(actor=nurse, task=order.tasks.get(), result="", observation=measured)

    spanish = pages["es"].locator(".consult-entries")
    swedish = pages["sv"].locator(".consult-entries")
    expect(spanish).to_contain_text(
        "Realizada: Tomar constantes vitales: Kontrollera temperaturen.", timeout=10_000
    )
    expect(spanish).to_contain_text("Temp. 37,0 °C")
    expect(swedish).to_contain_text(
        "Utförd: Mät vitalparametrar: Kontrollera temperaturen.", timeout=10_000
    )
    expect(swedish).to_contain_text("Temp 37,0 °C")
    assert "Utförd" not in spanish.inner_text() and "Realizada" not in swedish.inner_text()
