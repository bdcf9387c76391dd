"""The screens changed for issues #18/#19 on the nurse's tablet (768 px wide): nothing overflows
sideways. Chromium (Debian) through Playwright.
"""

import datetime

import pytest
from playwright.sync_api import expect

from digifys.vitals import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 768
LONG_BASELINE = (
    "Känd Alzheimerdemens sedan 2019: orienterad till person men inte till tid och rum, "
    "behöver hjälp med ADL, oftast lugn på dagen och oroligare på kvällen. " * 2
)


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _setup(world):
    world.resident_mala.cognitive_baseline = LONG_BASELINE
    world.resident_mala.save()
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=3)
    services.record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        measured_at=start,
        respiratory_rate=16,
        spo2=89,
        on_oxygen=False,
        systolic_bp=125,
        pulse=80,
        consciousness="A",
        temperature="36.9",
    )
    services.record_scale2_decision(
        actor=world.physician_spain, resident=world.resident_mala, target_low=88, target_high=92
    )
    services.record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        measured_at=start + datetime.timedelta(hours=1),
        spo2_scale=2,
        respiratory_rate=16,
        spo2=89,
        on_oxygen=True,
        oxygen_flow="2",
        oxygen_device="venturi",
        fio2="28",
        systolic_bp=125,
        pulse=95,
        consciousness="A",
        temperature="36.9",
    )
    return services.record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        spo2="82",
        on_oxygen=False,
        pulse="135",
    )


@pytest.mark.parametrize(
    ("persona", "path", "marker"),
    [
        ("nurse_mala", "/vitals/{resident}/new/", ".vitals-baseline"),
        ("nurse_mala", "/vitals/observations/{partial}/", ".vitals-partial-red"),
        ("nurse_mala", "/vitals/{resident}/", ".vitals-trend-scale"),
        ("nurse_mala", "/worklist/units/{unit}/", ".red-partial"),
        ("coordinator", "/vitals/units/{unit}/escalation/", ".escalation-floor"),
        ("nurse_mala", "/consults/new/{resident}/?observation={partial}", "#suggested-urgency"),
        ("nurse_mala", "/residents/{resident}/cognition/", "textarea"),
    ],
)
def test_changed_screens_fit_the_nurse_tablet(
    world, browser_login, live_server, persona, path, marker
):
    partial = _setup(world)
    page = browser_login(world.persona(persona), language="en")
    page.set_viewport_size({"width": WIDTH, "height": 1024})
    url = path.format(resident=world.resident_mala.pk, partial=partial.pk, unit=world.unit_mala.pk)
    page.goto(f"{live_server.url}{url}")
    expect(page.locator(marker).first).to_be_visible()
    assert _overflow(page) <= 0, f"{url} overflows sideways by {_overflow(page)} px"


def test_the_preview_of_a_partial_red_set_and_the_oxygen_fields_fit(
    world, browser_login, live_server
):
    page = browser_login(world.nurse_mala, language="en")
    page.set_viewport_size({"width": WIDTH, "height": 1024})
    page.goto(f"{live_server.url}/vitals/{world.resident_mala.pk}/new/")
    page.fill("#id_spo2", "82")
    page.check("#id_on_oxygen_1")
    expect(page.locator("#id_oxygen_device")).to_be_visible()
    expect(page.locator("#id_fio2")).to_be_visible()
    page.fill("#id_pulse", "135")
    expect(page.locator("#news2-preview .vitals-partial-red")).to_be_visible()
    assert _overflow(page) <= 0
