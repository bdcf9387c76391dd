"""The plan page as a week calendar in Chromium: fits 390, 768 and 1366 px, tiers in words and
colour, axe clean; screenshots in test-results/screens/scheduling/plan-calendar-<width>.png."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from digifys.scheduling import planning
from digifys.scheduling.models import Plan, PlanItem
from digifys.testing.screens import screenshot
from digifys.testing.world import make_org, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIERS = ["named", "deputy", "team", "other", "locum"]


def _plan(world) -> Plan:
    """A proposed week: five physicians, every tier, a round of twelve, one item deferred."""
    from digifys.directory.models import Organisation

    week = planning.monday_of(timezone.localdate()) + datetime.timedelta(days=7)
    start = planning.horizon_start_of(week)
    plan = Plan.objects.create(
        week_start=week, horizon_start=start, created_by=world.coordinator, method="optimiser",
        named_share=0.6, upper_bound=0.7, contact_share=0.8, contact_bound=0.82,
    )  # fmt: skip
    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    clinic = carmen.employer
    agency = make_org(Organisation.Kind.AGENCY, "Läkarbemanning AB", clinic.parent)
    doctors = {
        "named": carmen,
        "deputy": david,
        "team": make_staff("olle.team", "physician", clinic),
        "other": make_staff("petra.other", "physician", clinic),
        "locum": make_staff("lars.locum", "physician", agency, is_locum=True),
    }
    rows = []
    for n in range(30):
        tier = TIERS[n % 5]
        when = start + datetime.timedelta(days=n // 5 % 5, hours=8 + n % 3)
        round_ = n % 7 == 0
        rows.append(
            PlanItem(
                plan=plan, key=f"x:{n}",
                kind=PlanItem.Kind.ROUND if round_ else PlanItem.Kind.MEDICATION_REVIEW,
                resident=None if round_ else (world.resident_mala, world.resident_mala_2)[n % 2],
                unit=world.unit_mala, duration_minutes=60 if round_ else 30,
                earliest_at=when, deadline_at=when + datetime.timedelta(hours=1),
                named=carmen, deputy=david, clinician=doctors[tier], starts_at=when,
                ends_at=when + datetime.timedelta(minutes=60 if round_ else 30), tier=tier,
                weight=12 if round_ else 1, named_status="chosen" if tier == "named" else "full",
                reasons=[] if tier == "named" else [
                    {"code": "holiday", "params": {"role": "named", "name": carmen.name,
                     "date": "2026-12-08", "country": "ES", "subdivision": "AN",
                     "holiday": "Inmaculada Concepción"}}],
            )
        )  # fmt: skip
    rows.append(
        PlanItem(
            plan=plan, key="late", kind=PlanItem.Kind.MEDICATION_REVIEW,
            resident=world.resident_mala, unit=world.unit_mala, duration_minutes=30,
            earliest_at=start, deadline_at=start + datetime.timedelta(days=5), named=carmen,
            deputy=david, deferred=True, named_status="full",
            reasons=[{"code": "deferred", "params": {"week": 51, "name": carmen.name,
                      "round_unit": world.unit_mala.name}}],
        )
    )  # fmt: skip
    PlanItem.objects.bulk_create(rows)
    return plan


def test_the_week_calendar_fits_and_says_the_tier_in_words(world, browser_login, live_server):
    plan = _plan(world)
    page = browser_login(world.coordinator, language="en")
    page.goto(f"{live_server.url}{reverse('scheduling:plan', kwargs={'pk': plan.pk})}")
    calendar = page.locator("table.plan-calendar")
    # Physicians as rows (five), days as columns (Monday to Friday).
    assert calendar.locator("tbody th[scope=row]").count() == 5
    assert calendar.locator("thead th").count() == 6
    legend = page.locator(".plan-legend")
    for label in ("Named physician", "Deputy", "Same team", "Other physician", "Locum"):
        assert label in legend.inner_text()
    # Every placed item says its tier in words; the colour comes from its class.
    entries = calendar.locator("[data-plan-entry]")
    assert entries.count() == 30
    for n in range(entries.count()):
        entry = entries.nth(n)
        tier = entry.get_attribute("class").split("tier-")[1].split()[0]
        assert entry.locator(".plan-tier").inner_text() in {
            "named": "Named physician", "deputy": "Deputy", "team": "Same team",
            "other": "Other physician", "locum": "Locum",
        }[tier]  # fmt: skip
    colours = {
        page.locator(f"[data-plan-entry].tier-{t}").first.evaluate(
            "e => getComputedStyle(e).borderLeftColor"
        )
        for t in TIERS
    }
    assert len(colours) == 5
    assert "Immaculate Conception" in calendar.inner_text()
    assert (
        "Moved to week 51 to keep the ward round"
        in page.locator("section[aria-labelledby=plan-open]").inner_text()
    )
    assert "(12 residents)" in calendar.inner_text()
    for width in (1366, 768, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        wide = page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        )
        assert wide <= width, (width, wide)
        screenshot(page, "scheduling", f"plan-calendar-{width}")
        if width in (1366, 390):
            results = Axe().run(page)
            serious = [
                v["id"]
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert not serious, (width, serious)
    # The page is a calendar, not a 12,000-pixel table.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.documentElement.scrollHeight") < 4000
    # Inline edit inside a day's cell: the form opens in place and the page still fits.
    page.locator("table.plan-calendar [data-plan-entry].tier-locum").first.get_by_role(
        "link", name="Edit"
    ).click()
    form = page.locator("table.plan-calendar form.plan-edit")
    form.wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366
    form.scroll_into_view_if_needed()
    screenshot(page, "scheduling", "plan-calendar-edit-1366", full_page=False)
