"""Issue 12 §4 items 1 and 4: a too-long repeating order is refused, never cut short; nothing is
overdue at the moment it is created."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from digifys.orders.models import NurseTask, Order
from digifys.orders.services import MAX_TASKS_PER_ORDER, due_times

from .conftest import WEDNESDAY_10, an_order

HOUR = datetime.timedelta(hours=1)


def test_due_times_never_cut_an_order_short():
    assert len(due_times(WEDNESDAY_10, 1, 90)) == 90 * 24


def test_an_order_making_more_tasks_than_the_limit_is_refused_not_truncated(world, clock):
    with pytest.raises(ValidationError) as refused:
        an_order(world, from_consult=False, every_hours=1, for_days=90)
    message = " ".join(refused.value.message_dict["every_hours"])
    assert "2160" in message and str(MAX_TASKS_PER_ORDER) in message
    # It says how to shorten it: the longest period at this frequency, the least frequent repeat.
    assert "8 days" in message and "every 11 hours" in message
    assert not Order.objects.exists() and not NurseTask.objects.exists()


def test_an_order_at_the_limit_is_placed_whole(world, clock):
    order = an_order(world, from_consult=False, every_hours=12, for_days=90)
    assert order.tasks.count() == 180


def test_the_form_keeps_what_was_typed_and_says_how_to_shorten(world, clock, consult, login):
    client = login(world.physician_spain, language="sv")
    data = {
        "kind": "vitals",
        "instructions": "Kontrollera vitalparametrar.",
        "first_due_date": "2027-01-13",
        "first_due_time": "11:00",
        "every_hours": "1",
        "for_days": "90",
    }
    response = client.post(reverse("orders:new", args=[consult.pk]), data)
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "Kontrollera vitalparametrar." in page and 'value="90"' in page
    assert "2160" in page and "högst" in page.lower()
    assert not Order.objects.exists()
    preview = client.get(
        reverse("orders:new", args=[consult.pk]), {"preview": "1", **data}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "2160" in preview


def test_a_task_due_now_is_not_overdue_at_creation(world, clock, login):
    task = an_order(world, first_due_at=WEDNESDAY_10).tasks.get()
    assert not task.is_overdue(WEDNESDAY_10)
    client = login(world.nurse_mala, language="sv")
    page = client.get(reverse("orders:tasks")).content.decode()
    assert "badge-bad" not in page and "0\xa0minuter" not in page
    assert (
        "badge-bad" not in client.get(reverse("orders:complete", args=[task.pk])).content.decode()
    )
    overdue = client.get(reverse("orders:tasks"), {"show": "overdue"}).content.decode()
    assert "Kontrollera vitalparametrar och NEWS2." not in overdue


def test_a_task_is_overdue_once_its_grace_has_passed(world, clock, settings, login):
    task = an_order(world, first_due_at=WEDNESDAY_10).tasks.get()
    grace = datetime.timedelta(minutes=settings.TASK_OVERDUE_GRACE_MINUTES)
    assert not task.is_overdue(WEDNESDAY_10 + grace)
    assert task.is_overdue(WEDNESDAY_10 + grace + datetime.timedelta(minutes=1))
    clock.shift(grace + HOUR)
    page = login(world.nurse_mala, language="sv").get(reverse("orders:tasks")).content.decode()
    assert "badge-bad" in page
