"""The resident hub in real Chromium at a phone's, a tablet's and a laptop's width (issue 12 §1).

Set DIGIFYS_SCREENS_DIR to also write the screenshots to that folder (docs/screens/make_screens.py
does, for the README's "What it looks like").
"""

import datetime
import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from digifys.careteams.models import CareContact, PhysicianAssignment
from digifys.consults import services as consults
from digifys.consults.models import Consult, JournalNote
from digifys.medicationreviews.models import MedicationReview
from digifys.orders import services as orders
from digifys.orders.models import NurseTask, Order
from digifys.residents.models import Diagnosis, Medication, TreatmentLimitation
from digifys.rounds.models import AgendaItem
from digifys.rounds.tests.helpers import make_round
from digifys.testing.screens import screenshot
from digifys.vitals import services as vitals
from digifys.vitals.models import Observation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {390: 844, 768: 1024, 1024: 768, 1366: 900}


def _observe(world, resident, hours_ago: float, **values):
    observation = vitals.record_observation(
        actor=world.nurse_mala, resident=resident, on_oxygen=False, consciousness="A", **values
    )
    Observation.objects.filter(pk=observation.pk).update(
        measured_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )


def demo_history(world):
    """A week in Greta Lind's life: a chest infection that is caught, treated and improves."""
    greta = world.resident_mala
    physician = world.physician_spain.staff_profile
    Diagnosis.objects.create(resident=greta, unit=greta.unit, icd10_code="J44.9", text="KOL")
    Diagnosis.objects.create(resident=greta, unit=greta.unit, icd10_code="I50.9", text="Hjärtsvikt")
    Medication.objects.create(resident=greta, unit=greta.unit, name="Furosemid", dose="40 mg x 1")
    TreatmentLimitation.objects.create(
        resident=greta,
        unit=greta.unit,
        kind=TreatmentLimitation.Kind.NO_CPR,
        decided_by=physician,
    )
    # Calm for five days, worse two days ago, better since the antibiotics.
    for hours_ago in range(162, 60, -12):
        _observe(
            world,
            greta,
            hours_ago,
            respiratory_rate=16,
            spo2=95,
            systolic_bp=135,
            pulse=74,
            temperature="36.9",
        )
    for hours_ago, rr, spo2, sbp, pulse, temp in (
        (56, 21, 93, 118, 96, "38.4"),
        (52, 23, 92, 108, 104, "38.9"),
        (48, 22, 93, 112, 99, "38.6"),
        (40, 20, 94, 120, 92, "38.0"),
        (30, 18, 95, 126, 86, "37.5"),
        (18, 17, 95, 130, 80, "37.2"),
        (6, 16, 96, 132, 76, "36.9"),
    ):
        _observe(
            world,
            greta,
            hours_ago,
            respiratory_rate=rr,
            spo2=spo2,
            systolic_bp=sbp,
            pulse=pulse,
            temperature=temp,
        )
    consult = consults.send_consult(
        actor=world.nurse_mala,
        resident=greta,
        urgency="same_day",
        situation="Feber 38,9 och andas snabbare sedan i morse, hostar gult.",
        background="KOL, hjärtsvikt. Ingen HLR.",
        assessment="NEWS2 7, opåverkad i övrigt.",
        recommendation="Bedömning i dag.",
    )
    ago = lambda hours: timezone.now() - datetime.timedelta(hours=hours)  # noqa: E731
    Consult.objects.filter(pk=consult.pk).update(created_at=ago(51))
    order = orders.place_order(
        actor=world.physician_spain,
        resident=greta,
        kind="sample",
        instructions="Ta CRP och odla sputum.",
        consult=consult,
        first_due_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    Order.objects.filter(pk=order.pk).update(created_at=ago(41), first_due_at=ago(40))
    NurseTask.objects.filter(order=order).update(
        due_at=ago(40),
        status=NurseTask.Status.DONE,
        completed_at=ago(39),
        completed_by=world.nurse_mala,
        result="CRP 86",
    )
    orders.place_order(
        actor=world.physician_spain,
        resident=greta,
        kind="vitals",
        instructions="Vitalparametrar morgon och kväll i tre dagar.",
        consult=consult,
        first_due_at=timezone.now() + datetime.timedelta(hours=2),
    )
    JournalNote.objects.create(
        resident=greta,
        unit=greta.unit,
        consult=consult,
        author=physician,
        aktuellt="Feber och hosta.",
        bedomning="Pneumoni hos patient med KOL, opåverkad. Behandlas på boendet.",
        atgard="Amoxicillin, CRP-kontroll om tre dagar.",
        signed_at=timezone.now() - datetime.timedelta(hours=38),
    )
    MedicationReview.objects.create(
        resident=greta,
        unit=greta.unit,
        kind=MedicationReview.Kind.SIMPLE,
        performed_by=physician,
        performed_on=(timezone.now() - datetime.timedelta(days=60)).date(),
        findings="Inga läkemedelsrelaterade problem.",
        created_at=timezone.now() - datetime.timedelta(days=60),
    )
    round_ = make_round(world, hours_ahead=30)
    AgendaItem.objects.create(
        round=round_,
        resident=greta,
        unit=greta.unit,
        reason=AgendaItem.Reason.FLAGGED,
        note="Uppföljning av pneumonin: CRP-kontroll?",
        added_by=world.nurse_mala,
    )
    for days_ago, kind in (
        (2, CareContact.Kind.VIDEO),
        (40, CareContact.Kind.VIDEO),
        (95, CareContact.Kind.ROUND),
    ):
        CareContact.objects.create(
            resident=greta,
            clinician=physician,
            unit=greta.unit,
            kind=kind,
            occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
        )
    PhysicianAssignment.objects.filter(resident=greta).update(
        started_at=timezone.now() - datetime.timedelta(days=200)
    )
    return greta


def _within(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("persona", ["nurse_mala", "physician_spain"])
def test_the_hub_fits_each_width_draws_the_chart_and_passes_axe(
    world, browser_login, live_server, persona
):
    greta = demo_history(world)
    page = browser_login(getattr(world, persona), language="sv")
    url = f"{live_server.url}{reverse('residents:detail', args=[greta.pk])}"
    screens = os.environ.get("DIGIFYS_SCREENS_DIR")
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url)
        expect(page.locator("[data-chart-root]")).to_have_attribute("data-chart-ready", "true")
        # Nothing scrolls sideways, nothing is clipped.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        pnr = page.locator("[data-pnr]")
        expect(pnr).to_have_text(greta.display_identity_number)
        assert _within(page, "[data-pnr]"), width
        assert pnr.evaluate("e => e.scrollWidth <= e.clientWidth + 1 || e.offsetWidth > 0"), width
        assert _within(page, "[data-action]"), width
        # The chart is drawn: every canvas has a Chart.js chart with the points.
        counts = page.evaluate(
            "Array.from(document.querySelectorAll('canvas[data-series]')).map("
            "c => { const chart = window.Chart.getChart(c); "
            "return chart ? chart.data.datasets[0].data.length : -1; })"
        )
        assert len(counts) == 6 and counts[0] == 16 and min(counts) > 0, counts
        for canvas in page.locator("canvas[data-series]").all():
            box = canvas.bounding_box()
            assert box["width"] > 100 and box["x"] + box["width"] <= width + 1, (width, box)
        results = Axe().run(page)
        serious = [
            v["id"]
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, (width, results.generate_report())
        screenshot(page, "residents", f"hub-{persona}-{width}")
        if screens and persona == "nurse_mala" and width != 1024:
            page.screenshot(path=Path(screens) / f"resident-hub-{width}.png", full_page=True)


def test_the_chart_range_switches_with_the_keyboard_and_the_table_follows(
    world, browser_login, live_server
):
    greta = demo_history(world)
    page = browser_login(world.nurse_mala, language="en")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{live_server.url}{reverse('residents:detail', args=[greta.pk])}")
    expect(page.locator("[data-chart-root]")).to_have_attribute("data-chart-ready", "true")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.range || ''") == "24h":
            break
    else:
        pytest.fail("the 24-hour range cannot be reached with the Tab key")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "range=24h" in page.url
    expect(page.locator('[data-range="24h"]')).to_have_attribute("aria-current", "true")
    expect(page.locator("[data-chart-root]")).to_have_attribute("data-chart-ready", "true")
    news2 = page.evaluate(
        "window.Chart.getChart(document.querySelector('canvas[data-series=news2]'))"
        ".data.datasets[0].data.length"
    )
    rows = page.locator("[data-chart-table] tbody tr")
    assert news2 == rows.count() == 2  # the sets of 18 and 6 hours ago
    page.locator("[data-chart-table] summary").press("Enter")
    expect(rows.first).to_be_visible()
