"""Work per API request that must not grow (bench/fhir_load.py, issue 14): a search for one kind
of Observation pages in the database, whatever the length of the resident's history; a SMART
access token is checked in one query; and the sandbox request log asks nothing about it."""

import datetime
import json

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.observation import Observation as FhirObservation

from digifys.audit.models import AuditEvent
from digifys.fhir import auth, handlers
from digifys.fhir.context import Context
from digifys.orders.models import NurseTask
from digifys.orders.services import place_order
from digifys.testing.queries import AUDIT_APPEND
from digifys.vitals import services as vitals_services
from digifys.vitals.models import Observation

from .conftest import vital
from .test_smart import Key, _backend, _token_request

pytestmark = pytest.mark.django_db

PULSE = "http://loinc.org|8867-4"
# The access log's append is part of each count (AUDIT_APPEND: 3 on SQLite, 1 on PostgreSQL).
CREATE_QUERIES = 18 + AUDIT_APPEND
UPDATE_QUERIES = 19 + AUDIT_APPEND


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
    # (Counted with an execute wrapper: Django empties connection.queries when a request starts,
    # so CaptureQueriesContext around a test-client request captured nothing at all.)
    response, queries = _request(
        lambda: client.get(
            f"/fhir/R4/Patient/{world.resident_mala.pk}",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
    )
    assert response.status_code == 200, response.content
    assert queries
    assert not [sql for sql in queries if "fhir_apiclient" in sql]


# --- Queries per request of the interactions bench/fhir_load.py measures ----------------------
# Each count is the figure of this code (SQLite and PostgreSQL alike): a change that adds a query
# to one of them fails here. What they are, for a nurse's SMART backend token and a read of one
# set: the token (1); the access policy resolved once (her units, her residents, her grants, the
# blocks: 4); the row (1); the access-log entry (her unit for the entry, lock the chain head,
# insert, move the head: 4).


def _request(send) -> tuple:
    """SEND's response and the SQL it ran."""
    queries: list[str] = []

    def log(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(log):
        response = send()
    return response, queries


@pytest.fixture
def smart_api(world, client):
    """`smart_api.get(path)` etc. with a SMART backend token of the Malå nurse (read and write)."""
    key = Key("RS384")
    scopes = "system/*.read system/*.write"
    app = _backend(world, key, scopes=scopes)
    token = _token_request(client, key.assertion(app.client_id), scopes).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        def get(self, path):
            return _request(lambda: client.get(f"/fhir/R4/{path}", headers=headers))

        def send(self, method, path, data, extra=None):
            return _request(
                lambda: getattr(client, method)(
                    f"/fhir/R4/{path}",
                    data=json.dumps(data),
                    content_type="application/fhir+json",
                    headers={**headers, **(extra or {})},
                )
            )

    return Api()


def test_a_read_by_id_asks_pinned_queries_and_orders_no_look_up_by_key(world, smart_api):
    (vitals,) = _history(world, 1)
    smart_api.get(f"Observation/{vitals.pk}-rr")  # the first request of a process warms up
    response, queries = smart_api.get(f"Observation/{vitals.pk}-rr")
    assert response.status_code == 200, response.content
    assert len(queries) == 7 + AUDIT_APPEND, queries
    # The token and the row are looked up by a unique key: no ORDER BY (context.one).
    token, row = queries[0], queries[5]
    assert "oauth2_provider_accesstoken" in token and "vitals_observation" in row
    assert "ORDER BY" not in token and "ORDER BY" not in row
    # The output is still a valid FHIR Observation, with what the mapper gave it.
    body = response.json()
    FhirObservation.model_validate(body)
    assert (body["id"], body["valueQuantity"]["value"]) == (f"{vitals.pk}-rr", 16)

    # A Patient needs no blocks (they hide records, not the resident): one query fewer.
    response, queries = smart_api.get(f"Patient/{world.resident_mala.pk}")
    assert response.status_code == 200, response.content
    assert len(queries) == 6 + AUDIT_APPEND, queries


def test_a_read_of_a_set_from_a_device_asks_for_its_identifiers_and_no_other_read_does(
    world, smart_api
):
    sent = vital(
        world.resident_mala.pk,
        "8867-4",
        71,
        "/min",
        identifier=[{"system": "urn:oid:1.2.3", "value": "count-1"}],
    )
    response, _queries = smart_api.send("post", "Observation", sent)
    assert response.status_code == 201, response.content
    id = response.json()["id"]
    response, queries = smart_api.get(f"Observation/{id}")
    assert response.status_code == 200, response.content
    assert response.json()["identifier"] == [{"system": "urn:oid:1.2.3", "value": "count-1"}]
    assert len(queries) == 8 + AUDIT_APPEND, queries
    assert [sql for sql in queries if 'FROM "fhir_observationidentifier"' in sql]


def test_a_search_page_asks_the_same_queries_whatever_the_page_size(world, smart_api):
    _history(world, 12)
    query = f"Observation?subject=Patient/{world.resident_mala.pk}&code={PULSE}&_sort=-date"
    for count in (3, 6):
        response, queries = smart_api.get(f"{query}&_count={count}")
        assert response.status_code == 200, response.content
        bundle = response.json()
        assert (len(bundle["entry"]), bundle["total"]) == (count, 8)
        # policy 4 + token 1 + page ids, total, the page's sets (unordered) 3 + access log: the
        # user's organisation 1 and the append
        assert len(queries) == 9 + AUDIT_APPEND, queries
        assert "ORDER BY" not in queries[7], queries[7]
        for entry in bundle["entry"]:
            FhirObservation.model_validate(entry["resource"])


def test_a_conditional_create_and_a_task_update_keep_their_query_counts(world, smart_api):
    sent = vital(
        world.resident_mala.pk,
        "8867-4",
        71,
        "/min",
        identifier=[{"system": "urn:oid:1.2.3", "value": "count-2"}],
    )
    headers = {"If-None-Exist": "identifier=urn:oid:1.2.3|count-2"}
    response, queries = smart_api.send("post", "Observation", sent, headers)
    assert response.status_code == 201, response.content
    assert len(queries) == CREATE_QUERIES, queries
    created = response.json()
    FhirObservation.model_validate(created)
    assert created["identifier"] == [{"system": "urn:oid:1.2.3", "value": "count-2"}]
    assert created["valueQuantity"]["value"] == 71

    order = place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
        first_due_at=timezone.now() + datetime.timedelta(hours=2),
    )
    task = NurseTask.objects.get(order=order)
    body = {
        "resourceType": "Task",
        "id": str(task.pk),
        "status": "completed",
        "intent": "order",
        "for": {"reference": f"Patient/{world.resident_mala.pk}"},
        "output": [{"type": {"text": "result"}, "valueString": "Puls 72, mår bra."}],
    }
    response, queries = smart_api.send("put", f"Task/{task.pk}", body, {"If-Match": 'W/"1"'})
    assert response.status_code == 200, response.content
    assert len(queries) == UPDATE_QUERIES, queries
