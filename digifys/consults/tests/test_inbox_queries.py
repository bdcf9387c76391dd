"""Issue 12 §3: the physician's inbox takes a constant, small number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digifys.consults.services import send_consult
from digifys.testing.world import assign, make_resident

pytestmark = pytest.mark.django_db

BUDGET = 16


def _consults(world, count: int, start: int) -> None:
    for index in range(count):
        resident = make_resident(world.unit_mala, room=str(start + index))
        assign(resident, world.physician_spain.staff_profile)
        send_consult(
            actor=world.nurse_mala,
            resident=resident,
            urgency="urgent" if index % 2 else "same_day",
            situation="Trött.",
            background="Demens.",
            assessment="NEWS2 3.",
            recommendation="Bedömning.",
        )


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries]


def test_the_inbox_takes_a_constant_number_of_queries(world, login):
    _consults(world, 2, 20)
    client = login(world.physician_spain)
    url = reverse("consults:inbox")
    client.get(url)  # the session is renewed on the first page view
    few = _queries(client, url)
    _consults(world, 12, 40)
    many = _queries(client, url)
    assert len(many) == len(few), many
    assert len(many) <= BUDGET, many
    rows = _queries(client, reverse("consults:inbox_rows"))
    assert len(rows) <= BUDGET, rows
