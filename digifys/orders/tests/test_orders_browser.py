"""Orders and tasks in real Chromium: the live due-time preview, placing, completing, axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from digifys.orders.models import NurseTask, Order

from .conftest import a_consult

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 1280, "height": 800}


def _no_serious_violations(page) -> None:
    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert not serious, results.generate_report()


def test_a_physician_sees_the_tasks_before_ordering_and_places_the_order(
    world, browser_login, live_server
):
    consult = a_consult(world)
    page = browser_login(world.physician_spain)
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}{reverse('orders:new', args=[consult.pk])}")
    _no_serious_violations(page)
    preview = page.locator(f"#order-preview-{consult.pk}")
    expect(preview).to_contain_text("1")
    page.check("#id_kind_0")
    page.fill("#id_every_hours", "6")
    page.locator(f"#order-form-{consult.pk} button[type=submit]").first.click()
    # Refused in place: the message beside the field, what was typed kept.
    expect(page.locator("#id_instructions_error")).to_be_visible()
    expect(page.locator("#id_every_hours")).to_have_value("6")
    assert page.is_checked("#id_kind_0")
    assert Order.objects.count() == 0
    page.fill("#id_instructions", "Kontrollera vitalparametrar, ring vid NEWS2 ≥ 5.")
    page.fill("#id_every_hours", "6")
    page.fill("#id_for_days", "1")
    page.locator("#id_for_days").blur()
    expect(preview.locator("li")).to_have_count(4)  # updated without a reload
    assert Order.objects.count() == 0
    with page.expect_navigation():
        page.locator(f"#order-form-{consult.pk} button[type=submit]").first.click()
    assert page.url.endswith(reverse("consults:detail", args=[consult.pk]))
    assert Order.objects.get().tasks.count() == 4


def test_a_nurse_completes_a_task_from_the_list(world, browser_login, live_server):
    from .conftest import an_order

    order = an_order(world, first_due_at=None, kind="wound", instructions="Lägg om såret.")
    page = browser_login(world.nurse_mala)
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}{reverse('orders:tasks')}")
    _no_serious_violations(page)
    page.locator(".orders-task-actions a.button").first.click()
    page.wait_for_url(f"**{reverse('orders:complete', args=[order.tasks.get().pk])}**")
    _no_serious_violations(page)
    page.fill("#id_result", "Omlagt, sårkanter lugna.")
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    assert page.url.endswith(reverse("orders:tasks"))
    expect(page.locator("#h-done-tasks + .table-wrap")).to_contain_text("Omlagt, sårkanter lugna.")
    assert order.tasks.get().status == NurseTask.Status.DONE
