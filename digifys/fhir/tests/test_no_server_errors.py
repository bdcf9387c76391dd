"""Property-based test over the route table: whatever a client sends to any route of the FHIR
API — ids, search parameters, headers, bodies — the answer is never a server error, and every
refusal is an OperationOutcome (issue 14 acceptance)."""

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digifys.fhir.routes import ROUTES

from .conftest import panel, vital

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HUGE = "9" * 25
HOSTILE = [
    "",
    "0",
    "1",
    "2",
    "-1",
    HUGE,
    "1e309",
    "NaN",
    "١٢",
    "𝕏",
    "x" * 3000,
    "<script>",
    "../../etc/passwd",
    "Patient/1",
    "Patient/",
    "1-hr",
    "1-news2",
    f"{HUGE}-hr",
    "http://loinc.org|8867-4",
    "|",
    "||",
    ",",
    "ge0001-01-01T00:00+14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "le9999-12-31T23:59:59-14:00",
    "eq9999-12-31",
    "gt9999",
    "lt0001",
    "ap2026-01-01",
    "2026-02-30",
    "2026-01-01T25:00",
    "-date",
    "date,-_lastUpdated",
    "true",
]
ID_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80)
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(HOSTILE),
)
JSON = st.recursive(
    JSON_LEAF,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = [
    "status",
    "category",
    "code",
    "subject",
    "effectiveDateTime",
    "valueQuantity",
    "component",
    "identifier",
    "valueBoolean",
    "dataAbsentReason",
    "type",
    "entry",
    "partOf",
    "payload",
    "output",
    "for",
    "id",
    "start",
    "participant",
    "appointmentType",
    "criteria",
    "channel",
]


def _bodies(patient_id):
    """Valid resources with one element replaced by anything, or any JSON at all."""
    valid = [
        vital(patient_id, "8867-4", 72, "/min"),
        panel(patient_id),
        {
            "resourceType": "Communication",
            "status": "completed",
            "partOf": [{"identifier": {"system": "urn:digifys:fhir:consult", "value": "1"}}],
            "payload": [{"contentString": "Hej"}],
        },
        {
            "resourceType": "Appointment",
            "id": "1",
            "status": "booked",
            "appointmentType": {"coding": [{"system": "urn:digifys:fhir:codes", "code": "video"}]},
            "start": "2026-12-08T09:00:00+01:00",
            "end": "2026-12-08T09:30:00+01:00",
            "reasonCode": [{"text": "Uppföljning"}],
            "participant": [
                {"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"},
                {"actor": {"reference": "Practitioner/1"}, "status": "accepted"},
            ],
            "cancelationReason": {"text": "Sjuk"},
        },
        {
            "resourceType": "Subscription",
            "id": "1",
            "status": "active",
            "reason": "NEWS2",
            "criteria": "Observation?code=http://snomed.info/sct|1104051000000101"
            "&value-quantity=ge5",
            "channel": {
                "type": "rest-hook",
                "endpoint": "https://receiver.example/hook",
                "payload": "application/fhir+json",
                "header": ["Authorization: Bearer x"],
            },
        },
        {
            "resourceType": "Task",
            "id": "1",
            "status": "completed",
            "intent": "order",
            "output": [{"type": {"text": "result"}, "valueString": "Klart"}],
        },
    ]
    mutated = st.builds(
        lambda base, field, value: json.dumps({**base, field: value}),
        st.sampled_from(valid),
        st.sampled_from(FIELDS),
        JSON,
    )
    entry_mutated = st.builds(
        lambda index, field, value: json.dumps(
            {
                **panel(patient_id),
                "entry": [
                    {**e, "resource": {**e["resource"], field: value}} if i == index else e
                    for i, e in enumerate(panel(patient_id)["entry"])
                ],
            }
        ),
        st.integers(0, 6),
        st.sampled_from(FIELDS),
        JSON,
    )
    return st.one_of(
        mutated, entry_mutated, JSON.map(json.dumps), st.text(max_size=50), st.just("")
    )


def _url(route, data):
    path = route.pattern
    if "<str:id>" in path:
        identifier = data.draw(st.one_of(st.sampled_from(HOSTILE), ID_TEXT))
        path = path.replace("<str:id>", quote(identifier, safe="") or "x")
    if "<str:type>" in path:
        resource_type = data.draw(st.sampled_from(["Patient", "Observation", *HOSTILE]))
        path = path.replace("<str:type>", quote(resource_type, safe="") or "x")
    names = [*route.search_params, "_offset", "_format", "unknown"]
    query = data.draw(
        st.lists(st.tuples(st.sampled_from(names), VALUES), max_size=4), label="query"
    )
    return f"/fhir/R4/{path}", query


def _some_records(world):
    """An order (ServiceRequest, Task) and a consult (Communication) for the routes to find."""
    from digifys.consults.services import send_consult
    from digifys.orders.services import place_order

    place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
    )
    send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="same_day",
        situation="Trött.",
        background="Demens.",
        assessment="NEWS2 3.",
        recommendation="Bedömning.",
    )


@pytest.mark.parametrize(
    "route", ROUTES, ids=[f"{r.method} {r.pattern or '[base]'}" for r in ROUTES]
)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_input_gives_a_server_error_and_every_refusal_is_an_operation_outcome(
    world, client, token_for, route, data
):
    if not hasattr(world, "_fhir_tokens"):
        _some_records(world)
        world._fhir_tokens = {
            "nurse": token_for(world.nurse_mala),
            "coordinator": token_for(world.coordinator),
        }
    token = world._fhir_tokens["coordinator" if route.resource == "AuditEvent" else "nurse"]
    path, query = _url(route, data)
    headers = {"Authorization": data.draw(st.sampled_from([f"Bearer {token}"] * 4 + ["", "x"]))}
    if data.draw(st.booleans()):
        headers["If-None-Exist"] = "&".join(
            f"{quote(k)}={quote(v)}"
            for k, v in data.draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["identifier", "code", "subject", "date", "x"]), VALUES
                    ),
                    max_size=2,
                )
            )
        )
    if data.draw(st.booleans()):
        headers["Prefer"] = data.draw(st.sampled_from(["handling=strict", "respond-async"]))
    url = path + ("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query) if query else "")
    method = data.draw(st.sampled_from([route.method, route.method, "PUT", "DELETE"]))
    if data.draw(st.booleans()):
        headers["If-Match"] = data.draw(st.sampled_from(['W/"1"', '"2"', "x", "", 'W/"1e9"']))
    if method in ("POST", "PUT"):
        body = data.draw(_bodies(world.resident_mala.pk))
        response = client.generic(
            method, url, body.encode(), content_type="application/fhir+json", headers=headers
        )
    else:
        response = client.generic(method, url, headers=headers)
    assert response.status_code < 500, (method, url, response.content[:500])
    if response.status_code < 400 and not response["Content-Type"].startswith(
        "application/fhir+json"
    ):
        # A bulk export's manifest or NDJSON file.
        assert response["Content-Type"] in ("application/json", "application/fhir+ndjson")
        return
    body = response.json()
    if response.status_code >= 400:
        assert body["resourceType"] == "OperationOutcome", body
        assert body["issue"] and body["issue"][0]["severity"] == "error"
    elif body["resourceType"] == "OperationOutcome":  # accepted ($export, DELETE)
        assert body["issue"][0]["severity"] == "information"
    else:
        assert body["resourceType"] in {"CapabilityStatement", "Bundle"} | {
            r.resource for r in ROUTES if r.resource
        }


SEARCHES = [r for r in ROUTES if r.search_params]


@pytest.mark.parametrize("route", SEARCHES, ids=[r.pattern for r in SEARCHES])
def test_every_search_parameter_with_every_hostile_value(world, client, token_for, route):
    """The sweep hypothesis starts from: each parameter of the route with each hostile value."""
    headers = {"Authorization": f"Bearer {token_for(world.nurse_mala)}"}
    for name in route.search_params:
        for value in HOSTILE:
            url = f"/fhir/R4/{route.pattern}?{quote(name)}={quote(value)}"
            response = client.get(url, headers=headers)
            assert response.status_code < 500, url
            if response.status_code >= 400:
                assert response.json()["resourceType"] == "OperationOutcome", url
