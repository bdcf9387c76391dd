"""The task list: the unit's open tasks by due time for nurses, the own orders for physicians."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.orders.services import complete_task
from digifys.testing.world import assign, make_resident

from .conftest import WEDNESDAY_10, an_order

HOUR = datetime.timedelta(hours=1)
OVERDUE = '<strong class="badge badge-bad">Overdue</strong>'


def _page(client, **params) -> str:
    response = client.get(reverse("orders:tasks"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_nurse_sees_her_units_open_tasks_by_due_time(world, clock, login):
    an_order(world, resident=world.resident_mala_2, first_due_at=WEDNESDAY_10 + 3 * HOUR)
    an_order(world, first_due_at=WEDNESDAY_10 + HOUR, instructions="Blodsocker före lunch.")
    an_order(world, resident=world.resident_storuman, from_consult=False)
    page = _page(login(world.nurse_mala, language="en"))
    assert page.index("Blodsocker före lunch.") < page.index("Helge Nord")
    assert "Inga Berg" not in page
    assert "Carmen Doctor" in page  # ordered by
    assert "Wed 13 Jan 11:00" in page  # due, Stockholm time
    assert OVERDUE not in page


def test_a_nurse_of_another_unit_sees_none_of_them(world, clock, login):
    an_order(world)
    page = _page(login(world.nurse_storuman, language="en"))
    assert "Greta Lind" not in page
    assert "No open tasks on your unit." in page


def test_an_overdue_task_is_marked_with_text_and_can_be_filtered(world, clock, login):
    an_order(world, first_due_at=WEDNESDAY_10 + HOUR, instructions="Såromläggning.", kind="wound")
    an_order(world, first_due_at=WEDNESDAY_10 + 26 * HOUR, instructions="Odla urin.", kind="sample")
    clock.shift(3 * HOUR)
    client = login(world.nurse_mala, language="en")
    page = _page(client)
    assert page.count(OVERDUE) == 1 and "by 2\xa0hours" in page
    assert "Såromläggning." in page and "Odla urin." in page
    overdue = _page(client, show="overdue")
    assert "Såromläggning." in overdue and "Odla urin." not in overdue
    today = _page(client, show="today")
    assert "Såromläggning." in today and "Odla urin." not in today


def test_tasks_done_in_the_last_day_are_listed_with_their_result(world, clock, login):
    order = an_order(world)
    complete_task(actor=world.nurse_mala, task=order.tasks.first(), result="AF 18, SpO2 96 %.")
    client = login(world.nurse_mala, language="en")
    assert "AF 18, SpO2 96 %." in _page(client)
    clock.shift(25 * HOUR)
    client = login(world.nurse_mala, language="en")
    assert "Nothing done in the last 24 hours." in _page(client)


def test_a_physician_sees_the_tasks_of_their_own_orders_and_the_results(world, clock, login):
    order = an_order(world, every_hours=8, for_days=1)
    complete_task(actor=world.nurse_mala, task=order.tasks.first(), result="Puls 88, BT 135/80.")
    client = login(world.physician_spain, language="en")
    page = _page(client)
    assert "Tasks from my orders" in page
    assert "Puls 88, BT 135/80." in page
    assert reverse("orders:cancel", args=[order.pk]) in page
    assert 'data-live-socket="/ws/inbox/"' in page
    assert "Greta Lind" not in _page(login(world.other_physician, language="en"))


def test_the_list_refreshes_itself_over_the_units_socket(world, clock, login):
    an_order(world)
    client = login(world.nurse_mala, language="en")
    page = _page(client, show="overdue")
    assert f'data-live-socket="/ws/units/{world.unit_mala.pk}/"' in page
    assert f'hx-get="{reverse("orders:task_rows")}?show=overdue"' in page
    assert 'hx-trigger="live-update"' in page
    rows = client.get(reverse("orders:task_rows")).content.decode()
    assert "<html" not in rows and "Greta Lind" in rows


def test_others_may_not_see_the_task_list(world, login):
    for persona in (world.coordinator, world.administrator, world.relative_with_consent):
        assert login(persona).get(reverse("orders:tasks")).status_code == 403
        assert login(persona).get(reverse("orders:task_rows")).status_code == 403


def test_one_read_is_logged_per_resident_shown(world, clock, login):
    an_order(world, every_hours=4, for_days=2)
    an_order(world, resident=world.resident_mala_2)
    client = login(world.nurse_mala)
    before = AuditEvent.objects.count()
    _page(client)
    reads = AuditEvent.objects.order_by("seq")[before:]
    assert sorted(event.resident_id for event in reads) == sorted(
        [world.resident_mala.pk, world.resident_mala_2.pk]
    )
    assert {event.object_type for event in reads} == {"task_list"}


def _more_orders(world, count: int) -> None:
    for index in range(count):
        resident = make_resident(world.unit_mala, room=str(100 + index))
        assign(resident, world.physician_spain.staff_profile)
        order = an_order(
            world, resident=resident, from_consult=index % 2 == 0, every_hours=4, for_days=1
        )
        complete_task(actor=world.nurse_mala, task=order.tasks.first(), result="Klart.")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_takes_a_constant_number_of_queries(
    world, clock, login, django_assert_max_num_queries
):
    _more_orders(world, 1)
    nurse = login(world.nurse_mala)
    small = _queries(nurse, reverse("orders:tasks"))
    small_rows = _queries(nurse, reverse("orders:task_rows"))
    _more_orders(world, 12)
    with django_assert_max_num_queries(small):
        nurse.get(reverse("orders:tasks"))
    with django_assert_max_num_queries(small_rows):
        nurse.get(reverse("orders:task_rows"), {"page": 2})
    physician = login(world.physician_spain)
    with django_assert_max_num_queries(small):
        page = physician.get(reverse("orders:tasks")).content.decode()
    assert "Klart." in page
