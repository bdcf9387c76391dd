"""Closing the loop: the nurse completes a task, the physician sees the result; orders cancelled."""

import datetime

from django.urls import reverse

from digifys.consults.models import ConsultMessage
from digifys.notifications.models import Notification
from digifys.orders.models import NurseTask
from digifys.vitals.services import record_observation

from .conftest import WEDNESDAY_10, an_order

VITALS = {
    "respiratory_rate": 22,
    "spo2": 94,
    "on_oxygen": False,
    "systolic_bp": 105,
    "pulse": 104,
    "consciousness": "A",
    "temperature": "38.4",
}


def _complete_url(task, **params) -> str:
    url = reverse("orders:complete", args=[task.pk])
    return url + ("?next=" + params["next"] if "next" in params else "")


def test_the_nurse_completes_a_task_and_the_physician_sees_the_result(world, clock, login):
    order = an_order(world, kind="wound", instructions="Lägg om såret på vänster underben.")
    task = order.tasks.get()
    client = login(world.nurse_mala, language="en")
    page = client.get(_complete_url(task)).content.decode()
    assert "Lägg om såret på vänster underben." in page and "Greta Lind" in page
    assert reverse("vitals:record", args=[world.resident_mala.pk]) not in page
    response = client.post(
        _complete_url(task), {"result": "Omlagt. Sårkanter lätt rodnade, ingen vätska."}
    )
    assert response.status_code == 302 and response.url == reverse("orders:tasks")
    task.refresh_from_db()
    assert task.status == NurseTask.Status.DONE
    assert task.completed_by == world.nurse_mala
    assert Notification.objects.filter(
        recipient=world.physician_spain, kind=Notification.Kind.TASK_DONE
    ).exists()
    event = order.consult.messages.filter(kind=ConsultMessage.Kind.EVENT).last()
    assert "Omlagt. Sårkanter lätt rodnade, ingen vätska." in event.text
    physician_page = login(world.physician_spain, language="en").get(reverse("orders:tasks"))
    assert "Omlagt. Sårkanter lätt rodnade, ingen vätska." in physician_page.content.decode()


def test_a_task_without_a_result_is_refused_and_stays_open(world, clock, login):
    task = an_order(world, kind="sample").tasks.get()
    response = login(world.nurse_mala, language="en").post(_complete_url(task), {"result": " "})
    assert response.status_code == 400
    assert "Write the result, or what was done." in response.content.decode()
    task.refresh_from_db()
    assert task.status == NurseTask.Status.OPEN
    assert not Notification.objects.filter(kind=Notification.Kind.TASK_DONE).exists()


def test_a_nurse_of_another_unit_gets_404(world, clock, login):
    task = an_order(world).tasks.get()
    client = login(world.nurse_storuman)
    assert client.get(_complete_url(task)).status_code == 404
    assert client.post(_complete_url(task), {"result": "Klart."}).status_code == 404
    task.refresh_from_db()
    assert task.status == NurseTask.Status.OPEN


def test_others_may_not_complete_tasks(world, clock, login):
    task = an_order(world).tasks.get()
    for persona in (world.coordinator, world.relative_with_consent, world.administrator):
        assert login(persona).post(_complete_url(task), {"result": "x"}).status_code == 403


def test_a_measuring_task_links_to_the_vitals_form_and_takes_the_vital_signs(world, clock, login):
    task = an_order(world, kind="vitals").tasks.get()
    before = record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        measured_at=WEDNESDAY_10 - datetime.timedelta(hours=2),
        **VITALS,
    )
    clock.shift(datetime.timedelta(minutes=50))
    measured = record_observation(actor=world.nurse_mala, resident=world.resident_mala, **VITALS)
    other = record_observation(actor=world.nurse_mala, resident=world.resident_mala_2, **VITALS)
    client = login(world.nurse_mala, language="en")
    page = client.get(_complete_url(task)).content.decode()
    record_link = reverse("vitals:record", args=[world.resident_mala.pk]) + f"?task={task.pk}"
    assert record_link in page
    assert f'value="{measured.pk}"' in page
    assert f'value="{other.pk}"' not in page
    assert f'value="{before.pk}"' not in page  # measured before the order
    # Someone else's vital signs are refused, and what was typed stays.
    refused = client.post(_complete_url(task), {"result": "Trött.", "observation": other.pk})
    assert refused.status_code == 400
    assert "Trött." in refused.content.decode()
    response = client.post(_complete_url(task), {"result": "", "observation": measured.pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.observation == measured
    assert f"NEWS2 {measured.news2_total}" in task.result_text


def test_after_completing_the_nurse_goes_back_to_a_safe_next_page(world, clock, login):
    order = an_order(world, every_hours=4, for_days=1)
    first, second = order.tasks.all()[:2]
    client = login(world.nurse_mala)
    here = reverse("orders:tasks") + "?show=today"
    response = client.post(_complete_url(first, next=here), {"result": "Klart."})
    assert response.url == here
    response = client.post(
        _complete_url(second, next="https://evil.example/"), {"result": "Klart."}
    )
    assert response.url == reverse("orders:tasks")


def test_a_done_task_shows_its_result_and_cannot_be_done_again(world, clock, login):
    task = an_order(world).tasks.get()
    client = login(world.nurse_mala, language="en")
    client.post(_complete_url(task), {"result": "Första resultatet."})
    page = client.get(_complete_url(task)).content.decode()
    assert "Första resultatet." in page and "Mark as done" not in page
    again = client.post(_complete_url(task), {"result": "Andra."})
    assert again.status_code == 400
    assert "already done or cancelled" in again.content.decode()
    task.refresh_from_db()
    assert task.result == "Första resultatet."


def test_the_physician_cancels_an_order_with_a_reason(world, clock, login):
    order = an_order(world, every_hours=4, for_days=1)
    url = reverse("orders:cancel", args=[order.pk])
    client = login(world.physician_spain, language="en")
    page = client.get(url).content.decode()
    assert "6 open, 0 done" in page and "Greta Lind" in page
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "Say why the order is cancelled." in refused.content.decode()
    assert order.tasks.filter(status=NurseTask.Status.OPEN).count() == 6
    response = client.post(url, {"reason": "Feberfri, kontrollerna behövs inte."})
    assert response.url == reverse("consults:detail", args=[order.consult_id])
    assert not order.tasks.filter(status=NurseTask.Status.OPEN).exists()
    assert order.consult.messages.filter(
        code="order_cancelled", params__reason="Feberfri, kontrollerna behövs inte."
    ).exists()


def test_only_physicians_cancel_orders(world, clock, login):
    order = an_order(world)
    url = reverse("orders:cancel", args=[order.pk])
    assert login(world.nurse_mala).post(url, {"reason": "x"}).status_code == 403
    assert login(world.other_physician).post(url, {"reason": "x"}).status_code == 404
    assert order.tasks.get().status == NurseTask.Status.OPEN
