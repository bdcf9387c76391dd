"""A physician orders from a consult: the form, its preview, its errors, and what it creates."""

import pytest
from django.urls import reverse

from digifys.consults.models import Consult, ConsultMessage
from digifys.notifications.models import Notification
from digifys.orders.models import NurseTask, Order

from .conftest import WEDNESDAY_10


def _data(**overrides) -> dict:
    data = {
        "kind": "vitals",
        "instructions": "Kontrollera AF, SpO2, puls, BT och temp. Ring vid NEWS2 ≥ 5.",
        "first_due_date": "2027-01-13",
        "first_due_time": "11:00",
        "every_hours": "4",
        "for_days": "2",
    }
    data.update(overrides)
    return data


def test_placing_an_order_from_a_consult_answers_it_and_creates_the_tasks(
    world, clock, consult, login
):
    client = login(world.physician_spain, language="en")
    response = client.post(reverse("orders:new", args=[consult.pk]), _data())
    assert response.status_code == 302
    assert response.url == reverse("consults:detail", args=[consult.pk])
    order = Order.objects.get()
    assert (order.consult, order.resident, order.unit) == (
        consult,
        world.resident_mala,
        world.unit_mala,
    )
    tasks = list(order.tasks.all())
    assert len(tasks) == 12
    assert tasks[0].due_at == WEDNESDAY_10.replace(hour=11)
    consult.refresh_from_db()
    assert consult.status == Consult.Status.ANSWERED
    assert consult.messages.filter(kind=ConsultMessage.Kind.EVENT, params__count=12).exists()
    assert Notification.objects.filter(recipient=world.nurse_mala, kind="task_new").exists()


def test_the_form_shows_the_tasks_it_will_create(world, clock, consult, login):
    client = login(world.physician_spain, language="en")
    url = reverse("orders:new", args=[consult.pk])
    page = client.get(url).content.decode()
    assert "Greta Lind" in page
    assert 'value="2027-01-13"' in page and 'value="10:00"' in page  # now, in Stockholm
    assert "1 task, due (Stockholm time)" in page
    preview = client.get(
        url,
        {"preview": "1", **_data(first_due_time="22:00", every_hours="6", for_days="1")},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<html" not in preview
    assert "4 tasks, due (Stockholm time)" in preview
    assert "Wed 13 Jan 22:00" in preview and "Thu 14 Jan 16:00" in preview
    assert "Greta" not in preview
    assert Order.objects.count() == 0


def test_a_physician_abroad_also_sees_their_own_time(world, clock, consult, login):
    profile = world.physician_spain.staff_profile
    profile.time_zone = "Atlantic/Canary"  # one hour behind Stockholm
    profile.save()
    client = login(world.physician_spain, language="en")
    url = reverse("orders:new", args=[consult.pk])
    page = client.get(url).content.decode()
    assert "It is now 10:00 in Stockholm and 09:00 where you are (Atlantic/Canary)." in page
    preview = client.get(url, {"preview": "1", **_data(every_hours="", for_days="")})
    assert "Wed 13 Jan 11:00" in preview.content.decode()
    assert "your time Wed 10:00" in preview.content.decode()


def test_in_madrid_the_clock_is_stockholms_and_no_second_time_is_shown(
    world, clock, consult, login
):
    client = login(world.physician_spain, language="en")
    page = client.get(reverse("orders:new", args=[consult.pk])).content.decode()
    assert "where you are" not in page and "your time" not in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"instructions": "   "}, "Write what the nurse should do."),
        ({"for_days": ""}, "give both how often and for how many days"),
        ({"every_hours": ""}, "give both how often and for how many days"),
        ({"first_due_time": "08:00"}, "The first due time has already passed."),
        ({"every_hours": "0"}, "Repeat every 1–168 hours for 1–90 days."),
        ({"kind": ""}, "Choose what is ordered."),
        ({"first_due_date": "13/1"}, "Write the date as YYYY-MM-DD."),
    ],
    ids=["no-instructions", "every-only", "for-only", "past", "zero-hours", "no-kind", "bad-date"],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_lost(
    world, clock, consult, login, changes, message
):
    client = login(world.physician_spain, language="en")
    data = _data(**changes)
    if "instructions" not in changes:
        data["instructions"] = "Ge Furix 40 mg i.v. och följ diuresen."
    response = client.post(reverse("orders:new", args=[consult.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'role="alert"' in page
    if "instructions" not in changes:
        assert "Ge Furix 40 mg i.v. och följ diuresen." in page
    for name in ("first_due_date", "first_due_time", "every_hours", "for_days"):
        if data[name]:
            assert f'value="{data[name]}"' in page
    assert Order.objects.count() == 0 and NurseTask.objects.count() == 0
    consult.refresh_from_db()
    assert consult.status == Consult.Status.SENT


def test_the_form_works_as_a_partial_in_the_consult_page(world, clock, consult, login):
    client = login(world.physician_spain, language="en")
    url = reverse("orders:new", args=[consult.pk])
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert f'hx-post="{url}"' in partial
    assert "Order for Greta Lind" in partial
    refused = client.post(url, _data(instructions=""), HTTP_HX_REQUEST="true")
    assert refused.status_code == 200  # htmx swaps only successful responses
    assert "<html" not in refused.content.decode()
    assert "Write what the nurse should do." in refused.content.decode()
    placed = client.post(url, _data(), HTTP_HX_REQUEST="true")
    assert placed.headers["HX-Redirect"] == reverse("consults:detail", args=[consult.pk])
    assert Order.objects.count() == 1


def test_the_preview_button_does_not_place_the_order(world, clock, consult, login):
    client = login(world.physician_spain, language="en")
    response = client.post(
        reverse("orders:new", args=[consult.pk]), {**_data(for_days="1"), "action": "preview"}
    )
    assert response.status_code == 200
    assert "6 tasks, due (Stockholm time)" in response.content.decode()
    assert Order.objects.count() == 0


def test_a_nurse_cannot_order(world, clock, consult, login):
    response = login(world.nurse_mala).post(reverse("orders:new", args=[consult.pk]), _data())
    assert response.status_code == 403
    assert Order.objects.count() == 0


def test_a_physician_who_does_not_see_the_consult_gets_404(world, clock, consult, login):
    client = login(world.other_physician)
    response = client.post(reverse("orders:new", args=[consult.pk]), _data())
    assert response.status_code == 404
    assert Order.objects.count() == 0
