"""Work per API request that must not grow (bench/fhir_load.py, issue 14): a search for one kind
of Observation pages in the database, whatever the length of the resident's history; a SMART
access token is checked in one query; and the sandbox request log asks nothing about it."""

import datetime

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.fhir import auth, handlers
from digifys.fhir.context import Context
from digifys.vitals import services as vitals_services
from digifys.vitals.models import Observation

from .test_smart import Key, _backend, _token_request

pytestmark = pytest.mark.django_db

PULSE = "http://loinc.org|8867-4"


def _history(world, sets: int) -> list:
    """SETS sets of vital signs of the Malå resident, one an hour, every third one without a
    pulse (so the search's condition matters)."""
    now = timezone.now()
    return [
        vitals_services.record_observation(
            actor=world.nurse_mala,
            resident=world.resident_mala,
            measured_at=now - datetime.timedelta(hours=sets - number),
            respiratory_rate=16,
            spo2=97,
            pulse=None if number % 3 == 0 else 60 + number,
        )
        for number in range(sets)
    ]


def test_a_search_for_one_code_reads_one_page_of_the_history_not_all_of_it(world, fhir):
    _history(world, 30)
    api = fhir(world.nurse_mala)
    patient = world.resident_mala.pk
    query = f"Observation?subject=Patient/{patient}&code={PULSE}&_sort=-date&_count=5"
    # What the search must find: every set with a pulse, newest first (the full evaluation).
    request = RequestFactory().get("/fhir/R4/Observation")
    ctx = Context(
        request=request, client=auth.Principal(0, "x", world.nurse_mala, frozenset()), base=""
    )
    params = request.GET.copy()
    params.update({"subject": f"Patient/{patient}", "code": PULSE, "_sort": "-date"})
    expected = [f"{pk}-{part}" for pk, part in handlers._matching_parts(ctx, params)[0]]
    assert len(expected) >= 20

    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance.pk)

    post_init.connect(count, sender=Observation)
    try:
        response = api.get(query)
    finally:
        post_init.disconnect(count, sender=Observation)
    assert response.status_code == 200, response.content
    bundle = response.json()
    assert bundle["total"] == len(expected)
    assert [e["resource"]["id"] for e in bundle["entry"]] == expected[:5]
    # Only the page's sets are read from the database, not the resident's whole history.
    assert len(loaded) == 5, loaded

    # The next pages give the rest, in order, with the same total; the log names each page.
    second = api.get(f"{query}&_offset=5").json()
    assert [e["resource"]["id"] for e in second["entry"]] == expected[5:10]
    last = api.get(f"{query}&_offset={len(expected) - 2}").json()
    assert [e["resource"]["id"] for e in last["entry"]] == expected[-2:]
    assert (second["total"], last["total"]) == (len(expected), len(expected))
    assert not [link for link in last["link"] if link["relation"] == "next"]
    assert (
        AuditEvent.objects.filter(
            resident=world.resident_mala, object_type="fhir_observation"
        ).count()
        == 3
    )


def test_a_smart_access_token_is_checked_in_one_query(world, client):
    key = Key("RS384")
    app = _backend(world, key, scopes="system/*.read")
    token = _token_request(client, key.assertion(app.client_id), "system/*.read").json()
    request = RequestFactory().get(
        "/fhir/R4/Patient", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    with CaptureQueriesContext(connection) as captured:
        principal = auth.authenticate(request)
        role = principal.user.role  # what every handler checks first
    assert (principal.user, role) == (world.nurse_mala, world.nurse_mala.role)
    assert len(captured.captured_queries) == 1, [q["sql"] for q in captured.captured_queries]

    # Nor does the sandbox request log look for an ApiClient behind an OAuth token: only an
    # ApiClient's static token can be one (testbed.middleware).
    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            f"/fhir/R4/Patient/{world.resident_mala.pk}",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
    assert response.status_code == 200, response.content
    assert not [q for q in captured.captured_queries if "fhir_apiclient" in q["sql"]]
