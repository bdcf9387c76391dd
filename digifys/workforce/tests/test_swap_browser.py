"""Chromium: the coordinator builds the rota, a physician swaps a shift, the rota stays covered."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from digifys.accounts.models import Role
from digifys.testing.world import make_staff
from digifys.workforce import checks, rota
from digifys.workforce.models import Shift, SwapRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_physician_swaps_a_shift_and_the_rota_shows_full_cover(world, browser_login, live_server):
    clinic = world.physician_spain.staff_profile.employer
    for i in range(4):
        make_staff(
            f"dr{i}.clinic",
            Role.PHYSICIAN,
            clinic,
            time_zone="Europe/Madrid",
            work_country="ES",
            work_subdivision="AN",
            work_city="Málaga",
        )
    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    month = rota.next_month(timezone.localdate().replace(day=1))
    rota_url = f"{live_server.url}{reverse('workforce:rota')}?month={month:%Y-%m}"

    # The coordinator builds next month's rota with the solver.
    coordinator = browser_login(world.coordinator, language="en")
    coordinator.goto(rota_url)
    coordinator.get_by_role("button", name="Build the rota").click()
    expect(coordinator.get_by_text("The rota was built: every hour is covered.")).to_be_visible(
        timeout=60_000
    )
    expect(coordinator.locator("[data-rota-cover]")).to_have_attribute("data-rota-cover", "full")

    # Carmen offers her first shift for one of David's that keeps rest, cover and licences.
    mine = Shift.objects.filter(staff=carmen).order_by("starts_at").first()
    theirs = next(
        s
        for s in Shift.objects.filter(staff=david).order_by("starts_at")
        if checks.check_swap(proposer=carmen, counterpart=david, shift=mine, counter_shift=s)
        is None
    )
    physician = browser_login(world.physician_spain, language="en")
    physician.goto(f"{live_server.url}{reverse('workforce:shifts')}")
    physician.get_by_role("link", name="Propose a swap").first.click()
    physician.get_by_label("Their shift you take in return").select_option(str(theirs.pk))
    physician.get_by_label("Note to the colleague").fill("My daughter's concert")
    physician.get_by_role("button", name="Propose the swap").click()
    expect(physician.get_by_text("The swap was proposed to David Doctor.")).to_be_visible()
    swap = SwapRequest.objects.get()

    # David accepts in his browser; the rules are checked again.
    colleague = browser_login(world.other_physician, language="en")
    colleague.goto(f"{live_server.url}{reverse('workforce:swap', args=[swap.pk])}")
    expect(colleague.get_by_text("My daughter's concert")).to_be_visible()
    colleague.get_by_role("button", name="Accept the swap").click()
    expect(
        colleague.get_by_text("You accepted; the coordinator is asked to approve.")
    ).to_be_visible()

    # The coordinator approves from the rota page's waiting list.
    coordinator.goto(rota_url)
    coordinator.get_by_role("link", name="Carmen Doctor ↔ David Doctor").click()
    coordinator.get_by_role("button", name="Approve the swap").click()
    expect(
        coordinator.get_by_text("The swap was approved; the rota and calendars show it.")
    ).to_be_visible()
    assert Shift.objects.get(pk=mine.pk).staff == david
    assert Shift.objects.get(pk=theirs.pk).staff == carmen

    coordinator.goto(rota_url)
    expect(coordinator.locator("[data-rota-cover]")).to_have_attribute("data-rota-cover", "full")
    expect(coordinator.locator("td.rota-gap")).to_have_count(0)
    start = mine.starts_at.astimezone(timezone.get_current_timezone())
    day_row = coordinator.locator("tbody tr").nth(start.day - 1)
    expect(day_row).to_contain_text("David Doctor")


def test_a_swap_that_breaks_rest_is_refused_in_words(world, browser_login, live_server):
    from .helpers import day_ahead, rota_for, shift

    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    table = rota_for(world.coordinator)
    shift(table, david, day_ahead(), 15)
    import datetime

    shift(table, carmen, day_ahead() + datetime.timedelta(days=1), 7)
    page = browser_login(world.physician_spain, language="en")
    page.goto(f"{live_server.url}{reverse('workforce:shifts')}")
    page.get_by_role("link", name="Propose a swap").first.click()
    page.get_by_label("Colleague (for a hand-over)").select_option(label="David Doctor")
    page.get_by_role("button", name="Propose the swap").click()
    expect(page.get_by_role("alert")).to_contain_text("Daily rest would break")
    expect(page.get_by_role("alert")).to_contain_text("only 8 hours")
    assert not SwapRequest.objects.exists()
