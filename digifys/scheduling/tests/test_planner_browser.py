"""The coordinator's week planner in real Chromium: propose, read why, edit inline, accept."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from digifys.core.time import STOCKHOLM
from digifys.scheduling import planning
from digifys.scheduling.models import Absence, Booking, Plan, WorkRequest
from digifys.testing.world import assign, give_hours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _serious(page) -> list:
    results = Axe().run(page)
    return [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def test_a_coordinator_proposes_edits_and_accepts_a_week_plan(world, browser_login, live_server):
    week = planning.monday_of(timezone.localdate()) + datetime.timedelta(days=7)
    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    give_hours(carmen, datetime.time(8), datetime.time(16), weekdays=range(5))
    give_hours(david, datetime.time(8), datetime.time(16), weekdays=range(5))
    for resident in (world.resident_mala, world.resident_mala_2):
        assign(resident, david, "deputy")
        WorkRequest.objects.create(
            kind=WorkRequest.Kind.FAMILY_MEETING,
            resident=resident,
            unit=resident.unit,
            duration_minutes=60,
            earliest_on=week,
            deadline_on=week + datetime.timedelta(days=4),
            requested_by=world.nurse_mala,
        )
    Absence.objects.create(
        staff=carmen,
        kind=Absence.Kind.VACATION,
        starts_on=week - datetime.timedelta(days=2),
        ends_on=week + datetime.timedelta(days=6),
    )

    page = browser_login(world.coordinator, language="en")
    page.goto(f"{live_server.url}{reverse('scheduling:plans')}")
    number = week.isocalendar()[1]
    page.get_by_role("button", name=f"Propose plan for week {number}").click()
    expect(page.get_by_role("heading", name=f"Plan for week {number}")).to_be_visible()

    # Carmen is on vacation: both meetings go to her deputy, and the page says why.
    greta = page.locator("[data-plan-entry]", has_text="Greta Lind")
    expect(greta).to_contain_text("on vacation")
    expect(greta).to_contain_text("→ deputy")
    expect(greta.locator(".badge").first).to_have_text("Deputy")
    assert not _serious(page)

    # Move Helge's meeting to Wednesday 13:00 inline.
    helge = page.locator("[data-plan-entry]", has_text="Helge Nord")
    helge.get_by_role("link", name="Edit").click()
    form = page.locator("form.plan-edit")
    expect(form).to_be_visible()
    assert not _serious(page)
    form.get_by_label("Date").fill((week + datetime.timedelta(days=2)).isoformat())
    form.get_by_label("Start (Stockholm time)").fill("13:00")
    form.get_by_role("button", name="Move").click()
    expect(page.locator("form.plan-edit")).to_have_count(0)
    expect(page.locator("[data-plan-entry]", has_text="Helge Nord")).to_contain_text("13:00")
    expect(page.locator("[data-plan-entry]", has_text="Helge Nord")).to_contain_text("Moved by")

    page.get_by_role("link", name="Accept plan…").click()
    expect(page.get_by_text("2 bookings will be made.")).to_be_visible()
    page.get_by_role("button", name="Accept and book").click()
    expect(page.get_by_text("The plan was accepted and the bookings were made.")).to_be_visible()

    assert Plan.objects.get().status == Plan.Status.ACCEPTED
    bookings = Booking.objects.active().order_by("resident__given_name")
    assert [(b.resident.given_name, b.clinician_id) for b in bookings] == [
        ("Greta", david.pk),
        ("Helge", david.pk),
    ]
    helge_start = bookings[1].starts_at.astimezone(STOCKHOLM)
    assert (helge_start.date(), helge_start.time()) == (
        week + datetime.timedelta(days=2),
        datetime.time(13),
    )
