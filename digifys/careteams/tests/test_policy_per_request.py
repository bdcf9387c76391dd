"""Issue 12 §3: a page asks the access policy once, not in every query it makes.

Within a GET or HEAD request the policy resolves who the user may see once (core/request_memo.py)
and every list, record and check of the page filters by those ids. Nothing is remembered beyond
the request, across users, or in a request that changes data.
"""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digifys.careteams.models import PhysicianAssignment
from digifys.careteams.policy import resident_filter_for
from digifys.consults.services import send_consult
from digifys.core import request_memo
from digifys.core.middleware import RequestMemoMiddleware
from digifys.residents.models import Resident
from digifys.testing.world import assign, make_resident

pytestmark = pytest.mark.django_db


def _consult(world, resident):
    return send_consult(
        actor=world.nurse_mala,
        resident=resident,
        urgency="same_day",
        situation="Trött.",
        background="Demens.",
        assessment="NEWS2 3.",
        recommendation="Bedömning.",
    )


def _pages(world):
    return {
        "inbox": (world.physician_spain, reverse("consults:inbox")),
        "resident": (
            world.physician_spain,
            reverse("residents:detail", args=[world.resident_mala.pk]),
        ),
        "worklist": (world.nurse_mala, reverse("worklist:unit", args=[world.unit_mala.pk])),
    }


@pytest.mark.parametrize("page", ["inbox", "resident", "worklist"])
def test_a_page_asks_the_access_policy_once(world, login, page):
    _consult(world, world.resident_mala)
    user, url = _pages(world)[page]
    client = login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # Access grants are part of every answer the policy gives; before, every query of the page
    # carried them as a subquery (and the care relationships with them).
    asking = [q["sql"] for q in queries if "careteams_accessgrant" in q["sql"]]
    assert len(asking) == 1, asking


def _parameters_per_query(client, url) -> list[int]:
    counts = []

    def count(execute, sql, params, many, context):
        if not sql.startswith("INSERT"):  # the access log: one row per resident shown
            counts.append(len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert client.get(url).status_code == 200
    return counts


@pytest.mark.parametrize("page", ["inbox", "resident"])
def test_the_queries_do_not_grow_with_the_residents_the_user_sees(world, login, page):
    """The ids the policy resolved reach each query as one parameter (core/idsets.py): before,
    a physician's panel of ~90 residents was ~90 parameters in every query of a page."""
    _consult(world, world.resident_mala)
    user, url = _pages(world)[page]
    client = login(user)
    few = _parameters_per_query(client, url)
    for room in range(30):  # 30 more residents on the physician's panel (not on these pages)
        assign(
            make_resident(world.unit_mala, room=str(200 + room)),
            world.physician_spain.staff_profile,
        )
    many = _parameters_per_query(client, url)
    assert len(many) == len(few)
    assert max(many) == max(few) and sum(many) == sum(few), (few, many)


def test_what_a_request_resolved_is_gone_in_the_next(world, login):
    url = reverse("residents:detail", args=[world.resident_mala.pk])
    client = login(world.physician_spain)
    assert client.get(url).status_code == 200
    PhysicianAssignment.objects.filter(resident=world.resident_mala).update(ended_at=timezone.now())
    assert client.get(url).status_code in (403, 404)


def test_the_memo_is_per_user(world):
    with request_memo.scope():
        nurse = set(Resident.objects.filter(resident_filter_for(world.nurse_storuman)))
        physician = set(Resident.objects.filter(resident_filter_for(world.physician_spain)))
    assert nurse == {world.resident_storuman}
    assert physician == {world.resident_mala, world.resident_mala_2}


@pytest.mark.parametrize("method", ["get", "head", "post"])
def test_only_read_only_requests_get_a_memo(method):
    seen = []
    middleware = RequestMemoMiddleware(lambda request: seen.append(request_memo.current()))
    middleware(getattr(RequestFactory(), method)("/"))
    assert (seen[0] is not None) == (method != "post")
    assert request_memo.current() is None  # nothing outlives the request


def test_without_a_request_the_policy_asks_the_database_each_time(world):
    assert request_memo.current() is None
    visible = Resident.objects.filter(resident_filter_for(world.physician_spain))
    assert set(visible) == {world.resident_mala, world.resident_mala_2}
    PhysicianAssignment.objects.filter(resident=world.resident_mala).update(ended_at=timezone.now())
    visible = Resident.objects.filter(resident_filter_for(world.physician_spain))
    assert set(visible) == {world.resident_mala_2}


@pytest.mark.parametrize(
    "persona", ["relative_with_consent", "relative_without", "relative_expired", "relative_revoked"]
)
def test_a_relatives_residents_within_a_request_follow_the_consent_in_force(world, persona):
    """The memo path and the subquery path give a relative the same residents: those of a
    consent in force, never a link without one (issue 13 §1)."""
    relative = world.persona(persona)
    outside = set(Resident.objects.visible_to(relative).values_list("pk", flat=True))
    with request_memo.scope():
        inside = set(Resident.objects.visible_to(relative).values_list("pk", flat=True))
    assert inside == outside
    assert bool(inside) == (persona == "relative_with_consent")
