"""The worklist in real Chromium over the full ASGI server: live rows and accessibility."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from digifys.consults import services as consults
from digifys.orders import services as orders
from digifys.testing.world import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_row_updates_live_when_a_colleague_records_vital_signs(world, asgi_browser_login):
    colleague = make_staff(
        "maja.assistant", "assistant_nurse", world.unit_mala.parent, units=[world.unit_mala]
    ).user
    worklist = asgi_browser_login(world.nurse_mala, language="en")
    assert worklist.url.endswith(reverse("worklist:unit", args=[world.unit_mala.pk]))
    live = worklist.locator("#worklist")
    expect(live).to_have_attribute("data-live-state", "open")
    row = worklist.locator(f"#resident-{world.resident_mala.pk}")
    expect(row).to_contain_text("No observations yet")

    # The colleague saves a set on another tablet; the change comes through the server.
    bedside = asgi_browser_login(colleague, language="en")
    record = reverse("vitals:record", args=[world.resident_mala.pk])
    bedside.goto(f"{asgi_browser_login.url}{record}")
    bedside.fill("#id_respiratory_rate", "22")
    bedside.fill("#id_spo2", "95")
    bedside.check("#id_on_oxygen_0")
    bedside.fill("#id_systolic_bp", "105")
    bedside.fill("#id_pulse", "95")
    bedside.check("#id_consciousness_0")
    bedside.fill("#id_temperature", "38,3")
    with bedside.expect_navigation():
        bedside.get_by_role("button", name="Save vital signs").click()

    # No reload: the socket nudges the table, which re-fetches its rows.
    expect(row.locator(".worklist-news2-total")).to_have_text("6", timeout=10_000)
    expect(row).to_have_class("worklist-row attention changed")
    assert worklist.evaluate("document.getElementById('worklist').dataset.liveLast") == (
        "observation"
    )


def test_the_worklist_has_no_serious_accessibility_violations(world, browser_login, live_server):
    consults.send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="urgent",
        situation="Andas snabbare.",
        background="KOL.",
        assessment="NEWS2 6.",
        recommendation="Bedömning.",
    )
    orders.place_order(
        actor=world.physician_spain,
        resident=world.resident_mala_2,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
        first_due_at=timezone.now() + datetime.timedelta(hours=1),
    )
    page = browser_login(world.nurse_mala)
    for query in ("", "?show=attention"):
        url = reverse("worklist:unit", args=[world.unit_mala.pk])
        page.goto(f"{live_server.url}{url}{query}")
        results = Axe().run(page)
        serious = [
            v["id"]
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, results.generate_report()


def test_a_long_name_never_widens_the_worklist_on_a_tablet(world, browser_login, live_server):
    # The longest name registration accepts: 60 letters without a space (issue 12 §4.8).
    page = browser_login(world.nurse_mala, language="en")
    page.set_viewport_size({"width": 768, "height": 1024})
    url = f"{live_server.url}{reverse('worklist:unit', args=[world.unit_mala.pk])}"
    measure = """() => {
          const wrap = document.querySelector('.table-wrap');
          const name = document.querySelector('.worklist-table .resident');
          return {
            page: document.documentElement.scrollWidth,
            view: document.documentElement.clientWidth,
            table: wrap.scrollWidth,
            name: name.getBoundingClientRect().width,
          };
        }"""
    page.goto(url)
    before = page.evaluate(measure)

    resident = world.resident_mala
    resident.family_name = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewiss"[:60]
    resident.given_name = "Maria-Fernanda"
    resident.save()
    page.goto(url)
    expect(page.locator(f"#resident-{resident.pk}")).to_contain_text("Wolfeschlegel")
    after = page.evaluate(measure)

    # The page never scrolls sideways, and the long name widens neither the table nor its column.
    assert after["page"] <= after["view"], after
    assert after["table"] <= before["table"] + 1, (before, after)
    # Ordinary names keep a readable column: no letter-by-letter squeezing (12ch at least).
    assert before["name"] >= 100, before
