"""The FHIR R4 API through Django's test client: authentication, scopes, the access policy, the
access log, search, validation, conditional create and transaction Bundles (issue 14 §1)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.fhir import codes, services
from digifys.fhir.routes import ROUTES
from digifys.vitals import services as vitals_services
from digifys.vitals.models import Observation
from digifys.vitals.parsing import LIMIT_MESSAGES

from .conftest import panel, vital

pytestmark = pytest.mark.django_db

COMPLETE = {
    "respiratory_rate": 16,
    "spo2": 97,
    "on_oxygen": False,
    "systolic_bp": 130,
    "diastolic_bp": 80,
    "pulse": 72,
    "consciousness": "A",
    "temperature": "36.8",
}


def _set(world, resident=None, *, measured_at=None, **values):
    return vitals_services.record_observation(
        actor=world.nurse_mala,
        resident=resident or world.resident_mala,
        measured_at=measured_at,
        **(values or COMPLETE),
    )


def _outcome(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert response["Content-Type"].startswith("application/fhir+json")
    return body["issue"][0]


def _reads(before):
    return list(AuditEvent.objects.filter(seq__gt=before, action="read").order_by("seq"))


def _last_seq():
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


# --- CapabilityStatement ---------------------------------------------------------------------


def test_metadata_is_generated_from_the_route_table(client):
    response = client.get("/fhir/R4/metadata")
    assert response.status_code == 200
    statement = response.json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    rest = statement["rest"][0]
    listed = {
        (resource["type"], interaction["code"])
        for resource in rest["resource"]
        for interaction in resource.get("interaction", [])
    }
    routed = {(r.resource, r.interaction) for r in ROUTES if r.resource and not r.operation}
    assert listed == routed
    # $operations (bulk export) are listed as operations with their definition.
    operations = {
        (resource["type"], operation["definition"])
        for resource in rest["resource"]
        for operation in resource.get("operation", [])
    } | {(None, operation["definition"]) for operation in rest.get("operation", [])}
    assert operations == {(r.resource, r.operation) for r in ROUTES if r.operation}
    assert (None, "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export") in operations
    assert ("Subscription", "create") in listed and ("Subscription", "delete") in listed
    assert {"code": "transaction"} in rest["interaction"]
    observation = next(r for r in rest["resource"] if r["type"] == "Observation")
    assert observation["conditionalCreate"] is True
    params = {p["name"] for p in observation["searchParam"]}
    search = next(
        r for r in ROUTES if (r.resource, r.interaction) == ("Observation", "search-type")
    )
    assert params == set(search.search_params)


# --- Authentication and scopes ---------------------------------------------------------------


def test_no_token_unknown_token_expired_and_revoked_are_401(world, client, token_for):
    url = f"/fhir/R4/Patient/{world.resident_mala.pk}"
    issue = _outcome(client.get(url), 401)
    assert issue["code"] == "login"
    assert client.get(url)["WWW-Authenticate"].startswith("Bearer")
    _outcome(client.get(url, headers={"Authorization": "Bearer dfy_nonsense"}), 401)
    token = token_for(world.nurse_mala)
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    api_client = world.nurse_mala.api_clients.get()
    api_client.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    api_client.save()
    _outcome(client.get(url, headers={"Authorization": f"Bearer {token}"}), 401)
    api_client.expires_at = timezone.now() + datetime.timedelta(days=1)
    api_client.save()
    services.revoke_client(actor=world.administrator, client=api_client)
    _outcome(client.get(url, headers={"Authorization": f"Bearer {token}"}), 401)


def test_a_session_login_is_not_an_api_credential(world, login, client):
    login(world.nurse_mala)
    _outcome(client.get(f"/fhir/R4/Patient/{world.resident_mala.pk}"), 401)


def test_a_patient_read_scope_cannot_read_or_write_observations(world, fhir):
    _set(world)
    api = fhir(world.nurse_mala, "user/Patient.read")
    assert api.get(f"Patient/{world.resident_mala.pk}").status_code == 200
    issue = _outcome(api.get("Observation"), 403)
    assert issue["code"] == "forbidden"
    body = vital(world.resident_mala.pk, "8867-4", 72, "/min")
    _outcome(api.post("Observation", body), 403)
    assert Observation.objects.count() == 1


def test_only_administrators_register_clients(world):
    with pytest.raises(PermissionDenied):
        services.register_client(
            actor=world.coordinator, user=world.nurse_mala, name="x", scopes="user/*.read"
        )


# --- The access policy -----------------------------------------------------------------------


def test_a_nurse_token_sees_only_her_units_patients(world, fhir):
    api = fhir(world.nurse_mala)
    bundle = api.get("Patient").json()
    ids = {entry["resource"]["id"] for entry in bundle["entry"]}
    assert ids == {str(world.resident_mala.pk), str(world.resident_mala_2.pk)}
    assert bundle["total"] == 2
    _outcome(api.get(f"Patient/{world.resident_storuman.pk}"), 404)
    storuman_set = vitals_services.record_observation(
        actor=world.nurse_storuman, resident=world.resident_storuman, **COMPLETE
    )
    _outcome(api.get(f"Observation/{storuman_set.pk}-hr"), 404)
    found = api.get(f"Observation?subject=Patient/{world.resident_storuman.pk}").json()
    assert found["total"] == 0
    # Her colleague in Storuman sees Storuman's resident and nothing of Malå.
    other = fhir(world.nurse_storuman)
    ids = {e["resource"]["id"] for e in other.get("Patient").json()["entry"]}
    assert ids == {str(world.resident_storuman.pk)}


@pytest.mark.parametrize(
    ("persona", "patient", "observation"),
    [
        ("nurse_mala", 200, 200),
        ("physician_spain", 200, 200),
        ("nurse_storuman", 404, 404),
        ("other_physician", 404, 404),
        ("coordinator", 200, 403),
        ("administrator", 403, 403),
        ("relative_with_consent", 403, 403),
        ("relative_without", 403, 403),
    ],
)
def test_every_persona_gets_what_the_policy_gives_on_pages(
    world, fhir, persona, patient, observation
):
    vitals = _set(world)
    api = fhir(world.persona(persona))
    before = _last_seq()
    response = api.get(f"Patient/{world.resident_mala.pk}")
    assert response.status_code == patient
    response = api.get(f"Observation/{vitals.pk}-news2")
    assert response.status_code == observation
    expected = (patient == 200) + (observation == 200)
    assert len(_reads(before)) == expected


# --- Access log ------------------------------------------------------------------------------


def test_a_read_writes_one_access_log_entry_naming_the_client(world, fhir):
    api = fhir(world.nurse_mala)
    before = _last_seq()
    api.get(f"Patient/{world.resident_mala.pk}")
    (entry,) = _reads(before)
    assert entry.resident_id == world.resident_mala.pk
    assert entry.actor_id == world.nurse_mala.pk
    assert entry.purpose == "care"
    assert entry.object_type == "fhir_patient"
    assert entry.details["api_client"] == world.nurse_mala.api_clients.get().pk


def test_a_search_logs_each_resident_shown_exactly_once(world, fhir):
    _set(world)
    _set(world, measured_at=timezone.now() - datetime.timedelta(hours=1))
    _set(world, world.resident_mala_2)
    api = fhir(world.physician_spain)
    before = _last_seq()
    bundle = api.get("Observation?_count=100").json()
    assert len(bundle["entry"]) == 3 * 9  # nine FHIR Observations per complete set (no weight)
    logged = sorted(e.resident_id for e in _reads(before))
    assert logged == sorted([world.resident_mala.pk, world.resident_mala_2.pk])
    # Only the residents on the page: a page of one resident's observations logs only them.
    before = _last_seq()
    api.get(f"Observation?subject={world.resident_mala_2.pk}")
    assert [e.resident_id for e in _reads(before)] == [world.resident_mala_2.pk]
    # A refusal and an empty result log nothing.
    before = _last_seq()
    api.get(f"Observation?subject={world.resident_storuman.pk}")
    api.get("Observation?date=xx")
    assert _reads(before) == []


# --- Mapping ---------------------------------------------------------------------------------


def test_a_complete_set_is_shown_with_loinc_ucum_and_news2_derived_from_it(world, fhir):
    vitals = _set(world)
    api = fhir(world.nurse_mala)
    hr = api.get(f"Observation/{vitals.pk}-hr").json()
    assert hr["code"]["coding"] == [{"system": "http://loinc.org", "code": "8867-4"}]
    assert hr["valueQuantity"] == {
        "value": 72,
        "unit": "/min",
        "system": "http://unitsofmeasure.org",
        "code": "/min",
    }
    assert hr["category"][0]["coding"][0]["code"] == "vital-signs"
    assert hr["subject"] == {"reference": f"Patient/{world.resident_mala.pk}"}
    bp = api.get(f"Observation/{vitals.pk}-bp").json()
    assert [
        (c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in bp["component"]
    ] == [
        ("8480-6", 130),
        ("8462-4", 80),
    ]
    assert bp["component"][0]["valueQuantity"]["code"] == "mm[Hg]"
    temp = api.get(f"Observation/{vitals.pk}-temp").json()
    assert temp["valueQuantity"]["code"] == "Cel" and temp["valueQuantity"]["value"] == 36.8
    news2 = api.get(f"Observation/{vitals.pk}-news2").json()
    assert news2["code"]["coding"] == [
        {"system": "http://snomed.info/sct", "code": "1104051000000101"}
    ]
    assert news2["category"][0]["coding"][0]["code"] == "survey"
    assert news2["valueInteger"] == vitals.news2_total == 0
    derived = {d["reference"] for d in news2["derivedFrom"]}
    assert derived == {
        f"Observation/{vitals.pk}-{p}" for p in ("rr", "spo2", "o2", "bp", "hr", "acvpu", "temp")
    }
    assert {c["code"]["coding"][0]["code"] for c in news2["component"]} == set(
        codes.NEWS2_SUBSCORES.values()
    )
    panel = api.get(f"Observation/{vitals.pk}-panel").json()
    assert panel["code"]["coding"][0]["code"] == "85353-1"
    assert {m["reference"] for m in panel["hasMember"]} == derived
    # A partial set has no NEWS2 Observation.
    partial = _set(world, pulse=80)
    _outcome(api.get(f"Observation/{partial.pk}-news2"), 404)
    _outcome(api.get(f"Observation/{partial.pk}-nonsense"), 404)


def test_patient_identifier_systems(world, fhir):
    api = fhir(world.coordinator)
    patient = api.get(f"Patient/{world.resident_mala.pk}").json()
    assert patient["identifier"] == [
        {"system": codes.PERSONNUMMER, "value": world.resident_mala.identity_number}
    ]
    found = api.get(
        f"Patient?identifier={codes.PERSONNUMMER}|{world.resident_mala.identity_number}"
    ).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [str(world.resident_mala.pk)]
    wrong_system = api.get(
        f"Patient?identifier={codes.SAMORDNINGSNUMMER}|{world.resident_mala.identity_number}"
    ).json()
    assert wrong_system["total"] == 0


def test_samordningsnummer_system(world, fhir):
    from digifys.testing.world import make_resident

    resident = make_resident(world.unit_mala, identity_number="701063-2391")
    assert resident.identity_kind == "samordningsnummer"
    patient = fhir(world.nurse_mala).get(f"Patient/{resident.pk}").json()
    assert patient["identifier"][0]["system"] == codes.SAMORDNINGSNUMMER


# --- Search ----------------------------------------------------------------------------------


def test_search_by_code_date_prefixes_sort_and_paging(world, fhir):
    now = timezone.now().replace(microsecond=0)
    sets = [_set(world, measured_at=now - datetime.timedelta(hours=h)) for h in (30, 20, 10)]
    api = fhir(world.nurse_mala)
    base = f"Observation?subject=Patient/{world.resident_mala.pk}&code=http://loinc.org|8867-4"
    newest_first = api.get(base).json()
    assert [e["resource"]["id"] for e in newest_first["entry"]] == [
        f"{s.pk}-hr" for s in reversed(sets)
    ]
    oldest_first = api.get(base + "&_sort=date").json()
    assert [e["resource"]["id"] for e in oldest_first["entry"]] == [f"{s.pk}-hr" for s in sets]
    cut = (now - datetime.timedelta(hours=20)).isoformat().replace("+00:00", "Z")
    for prefix, expected in (
        ("ge", sets[1:]),
        ("gt", sets[2:]),
        ("lt", sets[:1]),
        ("le", sets[:2]),
        ("eq", sets[1:2]),
    ):
        found = api.get(f"{base}&date={prefix}{cut}&_sort=date").json()
        assert [e["resource"]["id"] for e in found["entry"]] == [f"{s.pk}-hr" for s in expected], (
            prefix
        )
    # Paging: two per page, next links until the end.
    page = api.get(base + "&_count=2").json()
    assert page["total"] == 3 and len(page["entry"]) == 2
    links = {link["relation"]: link["url"] for link in page["link"]}
    assert "_count=2" in links["self"]
    following = api.get(links["next"].split("/fhir/R4/")[1]).json()
    assert [e["resource"]["id"] for e in following["entry"]] == [f"{sets[0].pk}-hr"]
    assert "next" not in {link["relation"] for link in following["link"]}
    # NEWS2 by its SNOMED code; category survey; status final; _id.
    news2 = api.get(f"Observation?code=http://snomed.info/sct|{codes.NEWS2_TOTAL}").json()
    assert news2["total"] == 3
    assert api.get("Observation?category=survey").json()["total"] == 3
    assert api.get("Observation?code=http://loinc.org|85353-1").json()["total"] == 3
    assert api.get("Observation?code=urn:digifys:fhir:codes|acvpu").json()["total"] == 3
    assert api.get("Observation?code=8480-6").json()["total"] == 3  # the BP panel's component
    assert api.get("Observation?code=29463-7").json()["total"] == 0  # no weight measured
    assert api.get("Observation?status=cancelled").json()["total"] == 0
    one = api.get(f"Observation?_id={sets[0].pk}-hr,{sets[1].pk}-temp").json()
    assert {e["resource"]["id"] for e in one["entry"]} == {f"{sets[0].pk}-hr", f"{sets[1].pk}-temp"}
    assert api.get("Observation?_lastUpdated=ge2000-01-01&code=8867-4").json()["total"] == 3


@pytest.mark.parametrize(
    "query",
    [
        "Observation?date=2026-13-01",
        "Observation?date=ne2026-01-01",
        "Observation?_count=-1",
        "Observation?_count=101",
        "Observation?_sort=name",
        "Observation?subject=Patient/%20",
        "Patient?_sort=date",
        "Patient?active=maybe",
    ],
)
def test_bad_search_parameters_are_400_naming_the_parameter(world, fhir, query):
    issue = _outcome(fhir(world.nurse_mala).get(query), 400)
    assert issue["expression"]


def test_unknown_parameters_are_ignored_unless_the_client_asks_for_strict_handling(world, fhir):
    _set(world)
    api = fhir(world.nurse_mala)
    lenient = api.get("Observation?whatever=1&code=8867-4").json()
    assert lenient["total"] == 1
    assert lenient["link"][0]["url"].endswith("/fhir/R4/Observation?code=8867-4")
    issue = _outcome(api.get("Observation?whatever=1", {"Prefer": "handling=strict"}), 400)
    assert issue["expression"] == ["whatever"]
    # Conditional-create criteria are always strict: an unknown one must not match everything.
    body = vital(world.resident_mala.pk, "8867-4", 72, "/min")
    _outcome(api.post("Observation", body, {"If-None-Exist": "whatever=1"}), 400)
    assert Observation.objects.count() == 1


# --- Create ----------------------------------------------------------------------------------


def test_create_a_vital_sign_stores_a_partial_set_from_a_device(world, fhir):
    api = fhir(world.nurse_mala)
    before = AuditEvent.objects.filter(action="create").count()
    response = api.post("Observation", vital(world.resident_mala.pk, "8867-4", 72, "/min"))
    assert response.status_code == 201
    stored = Observation.objects.get()
    assert response["Location"].endswith(f"/fhir/R4/Observation/{stored.pk}-hr")
    assert (stored.pulse, stored.source, stored.news2_total) == (72, "device", None)
    assert stored.measured_at == datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.UTC)
    assert response.json()["id"] == f"{stored.pk}-hr"
    assert AuditEvent.objects.filter(action="create").count() == before + 1


@pytest.mark.parametrize(
    ("change", "expression", "message"),
    [
        (
            {"valueQuantity": {"value": 300, "unit": "/min", "system": codes.UCUM, "code": "/min"}},
            "Observation.valueQuantity.value",
            str(LIMIT_MESSAGES["pulse"]),
        ),
        (
            {
                "valueQuantity": {
                    "value": 72.5,
                    "unit": "/min",
                    "system": codes.UCUM,
                    "code": "/min",
                }
            },
            "Observation.valueQuantity.value",
            str(LIMIT_MESSAGES["pulse"]),
        ),
        (
            {
                "valueQuantity": {
                    "value": 72,
                    "unit": "mmHg",
                    "system": codes.UCUM,
                    "code": "mm[Hg]",
                }
            },
            "Observation.valueQuantity.code",
            None,
        ),
        (
            {"code": {"coding": [{"system": codes.LOINC, "code": "88330-6"}]}},
            "Observation.code",
            None,
        ),
        ({"category": []}, "Observation.category", None),
        ({"status": "preliminary"}, "Observation.status", None),
        ({"effectiveDateTime": "2026-12-04"}, "Observation.effectiveDateTime", None),
        # Year 1 at +14:00 lies before year 1 in UTC: refused, not a server error.
        ({"effectiveDateTime": "0001-01-01T00:00:00+14:00"}, "Observation.effectiveDateTime", None),
        ({"dataAbsentReason": {"text": "x"}}, "Observation.dataAbsentReason", None),
        ({"subject": {"reference": "Group/1"}}, "Observation.subject", None),
    ],
)
def test_invalid_vitals_are_422_naming_the_element_and_nothing_is_stored(
    world, fhir, change, expression, message
):
    body = {**vital(world.resident_mala.pk, "8867-4", 72, "/min"), **change}
    issue = _outcome(fhir(world.nurse_mala).post("Observation", body), 422)
    assert issue["expression"] == [expression]
    if message:
        assert issue["diagnostics"] == message  # the vitals form's own message
    assert Observation.objects.count() == 0


def test_a_body_that_is_not_fhir_is_400(world, fhir):
    api = fhir(world.nurse_mala)
    _outcome(api.post("Observation", "{not json"), 400)
    _outcome(api.post("Observation", {"resourceType": "Patient"}), 400)
    issue = _outcome(
        api.post("Observation", {**vital(world.resident_mala.pk, "8867-4", 72, "/min"), "x": 1}),
        400,
    )
    assert issue["code"] == "structure"
    assert Observation.objects.count() == 0


def test_a_patient_the_client_may_not_see_is_refused(world, fhir):
    body = vital(world.resident_storuman.pk, "8867-4", 72, "/min")
    issue = _outcome(fhir(world.nurse_mala).post("Observation", body), 422)
    assert issue["expression"] == ["Observation.subject"]
    assert Observation.objects.count() == 0


def test_conditional_create_never_duplicates_a_retry(world, fhir):
    api = fhir(world.nurse_mala)
    body = vital(
        world.resident_mala.pk,
        "8867-4",
        72,
        "/min",
        identifier=[{"system": "urn:oid:1.2.3", "value": "reading-1"}],
    )
    header = {"If-None-Exist": "identifier=urn:oid:1.2.3|reading-1"}
    first = api.post("Observation", body, header)
    assert first.status_code == 201
    again = api.post("Observation", body, header)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["identifier"] == [{"system": "urn:oid:1.2.3", "value": "reading-1"}]
    assert Observation.objects.count() == 1
    # Without the header the same identifier is a conflict, not a duplicate.
    _outcome(api.post("Observation", body), 409)
    assert Observation.objects.count() == 1
    # Criteria that match several observations: 412.
    api.post("Observation", vital(world.resident_mala.pk, "8867-4", 80, "/min"))
    _outcome(api.post("Observation", body, {"If-None-Exist": "code=8867-4"}), 412)
    assert Observation.objects.count() == 2


# --- Transaction -----------------------------------------------------------------------------


def test_a_transaction_panel_is_one_set_scored_and_escalated_like_the_form(world, fhir):
    api = fhir(world.nurse_mala)
    response = api.post("", panel(world.resident_mala.pk))
    assert response.status_code == 200, response.content
    bundle = response.json()
    assert bundle["type"] == "transaction-response"
    stored = Observation.objects.get()
    # The README's example: RR 22, SpO2 95, air, BP 105, pulse 95, A, 38.3 °C → NEWS2 6 (medium).
    assert (stored.news2_total, stored.news2_band, stored.source) == (6, "medium", "device")
    statuses = {e["response"]["status"] for e in bundle["entry"]}
    assert statuses == {"201 Created"}
    assert bundle["entry"][0]["response"]["location"] == f"Observation/{stored.pk}-rr"
    outcome = bundle["entry"][0]["response"]["outcome"]
    assert outcome["issue"][0]["severity"] == "information"
    expected = vitals_services.response_for(stored).rule.response
    assert expected in outcome["issue"][0]["diagnostics"]
    # The same bundle again (a device retrying): nothing new.
    again = api.post("", panel(world.resident_mala.pk)).json()
    assert {e["response"]["status"] for e in again["entry"]} == {"200 OK"}
    assert Observation.objects.count() == 1
    # The NEWS2 Observation is readable with derivedFrom.
    news2 = api.get(f"Observation/{stored.pk}-news2").json()
    assert news2["valueInteger"] == 6


def test_a_transaction_is_all_or_nothing(world, fhir):
    api = fhir(world.nurse_mala)
    bundle = panel(world.resident_mala.pk)
    bundle["entry"][4]["resource"]["valueQuantity"]["value"] = 400  # pulse out of range
    issue = _outcome(api.post("", bundle), 422)
    assert issue["expression"] == ["Bundle.entry[4].resource.valueQuantity.value"]
    # A business rule of the vitals service (diastolic ≥ systolic) refuses the whole set too.
    bundle = panel(world.resident_mala.pk)
    bundle["entry"][3]["resource"]["component"].append(
        {
            "code": {"coding": [{"system": codes.LOINC, "code": "8462-4"}]},
            "valueQuantity": {
                "value": 120,
                "unit": "mm[Hg]",
                "system": codes.UCUM,
                "code": "mm[Hg]",
            },
        }
    )
    issue = _outcome(api.post("", bundle), 422)
    assert issue["expression"] == ["Bundle.entry[3].resource.component[1].valueQuantity"]
    assert Observation.objects.count() == 0
    assert not AuditEvent.objects.filter(action="create").exists()


def test_a_block_hides_the_units_records_from_the_api_as_from_pages(world, fhir):
    from digifys.careteams.models import Block

    vitals = _set(world)
    api = fhir(world.physician_spain)
    assert api.get(f"Observation/{vitals.pk}-hr").status_code == 200
    Block.objects.create(
        resident=world.resident_mala, unit=world.unit_mala, created_by=world.coordinator
    )
    _outcome(api.get(f"Observation/{vitals.pk}-hr"), 404)
    assert api.get("Observation").json()["total"] == 0
    # The unit's own nurse still sees them.
    assert fhir(world.nurse_mala).get(f"Observation/{vitals.pk}-hr").status_code == 200


def test_a_time_of_measurement_in_the_future_is_refused(world, fhir):
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    body = vital(world.resident_mala.pk, "8867-4", 72, "/min", when=later)
    issue = _outcome(fhir(world.nurse_mala).post("Observation", body), 422)
    assert issue["expression"] == ["Observation.effectiveDateTime"]
    assert Observation.objects.count() == 0


def test_messages_follow_the_users_saved_language(world, fhir):
    world.nurse_mala.language = "es"
    world.nurse_mala.save()
    body = vital(world.resident_mala.pk, "8867-4", 400, "/min")
    issue = _outcome(fhir(world.nurse_mala).post("Observation", body), 422)
    assert issue["diagnostics"].startswith("El pulso")


# --- Directory -------------------------------------------------------------------------------


def test_practitioners_and_roles_carry_hsa_id_profession_and_time_zone(world, fhir):
    profile = world.physician_spain.staff_profile
    profile.hsa_id = "SE2321000131-P000000123456"
    profile.save()
    api = fhir(world.nurse_mala)
    before = _last_seq()
    practitioner = api.get(f"Practitioner/{profile.pk}").json()
    assert practitioner["identifier"] == [
        {"system": "urn:oid:1.2.752.29.4.19", "value": "SE2321000131-P000000123456"}
    ]
    assert practitioner["name"][0]["family"] == world.physician_spain.last_name
    role = api.get(f"PractitionerRole/{profile.pk}").json()
    assert role["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/tz-code", "valueCode": "Europe/Madrid"}
    ]
    assert role["practitioner"] == {"reference": f"Practitioner/{profile.pk}"}
    assert role["organization"]["reference"] == f"Organization/{world.clinic.pk}"
    assert role["code"][0]["coding"][0]["code"] == "physician"
    found = api.get("Practitioner?identifier=urn:oid:1.2.752.29.4.19|SE2321000131-P000000123456")
    assert [e["resource"]["id"] for e in found.json()["entry"]] == [str(profile.pk)]
    physicians = api.get("PractitionerRole?role=physician&_count=100").json()
    assert physicians["total"] == 2
    # Coordinators and administrators are no Practitioners.
    _outcome(api.get(f"Practitioner/{world.coordinator.staff_profile.pk}"), 404)
    # No resident data, no access-log entry.
    assert _reads(before) == []


def test_organizations_form_a_hierarchy(world, fhir):
    api = fhir(world.coordinator)
    unit = api.get(f"Organization/{world.unit_mala.pk}").json()
    assert unit["name"] == "Avd 1 Björken"
    assert unit["type"][0]["coding"][0]["code"] == "unit"
    home = unit["partOf"]["reference"].removeprefix("Organization/")
    children = api.get(f"Organization?partof=Organization/{home}").json()
    assert [e["resource"]["id"] for e in children["entry"]] == [str(world.unit_mala.pk)]
    units = api.get("Organization?type=unit&_sort=name").json()
    assert [e["resource"]["name"] for e in units["entry"]] == ["Avd 1 Björken", "Avd 2 Tallen"]
    # Relatives have no access to the directory through the API.
    _outcome(fhir(world.relative_with_consent).get(f"Organization/{world.unit_mala.pk}"), 403)


def test_a_nul_character_is_refused_with_an_operation_outcome(world, fhir):
    # Found by the hypothesis test: the shared middleware that refuses NUL answered with HTML.
    issue = _outcome(fhir(world.nurse_mala).get("Observation?_id=%00"), 400)
    assert issue["code"] == "invalid"


@pytest.mark.parametrize(
    "path", ["PractitionerRole/%2F%0A", "Nothing", "Patient/_history", "../R5/metadata"]
)
def test_an_unknown_path_is_a_404_operation_outcome(world, fhir, path):
    # Found by the hypothesis test: a newline in the path fell through to Django's HTML 404.
    issue = _outcome(fhir(world.nurse_mala).get(path), 404)
    assert issue["code"] == "not-found"


@pytest.mark.parametrize("path", ["Patient/%C2%B2", "Observation?_id=%C2%B2", "Patient?_id=%D9%A3"])
def test_a_digit_that_is_not_ascii_is_no_id_and_no_server_error(world, fhir, path):
    # Found by the hypothesis test in the full run: "²".isdigit() is True but int("²") fails.
    response = fhir(world.nurse_mala).get(path)
    assert response.status_code in (200, 404)
    assert response.json()["resourceType"] in ("Bundle", "OperationOutcome")
    if response.status_code == 200:
        assert response.json()["total"] == 0


def test_a_care_team_names_the_named_physician_and_deputy(world, fhir):
    from digifys.testing.world import assign, make_staff

    deputy = make_staff("ines.doctor", "physician", world.clinic)
    assign(world.resident_mala, deputy, role="deputy")
    api = fhir(world.nurse_mala)
    before = _last_seq()
    team = api.get(f"CareTeam/{world.resident_mala.pk}").json()
    assert team["subject"] == {"reference": f"Patient/{world.resident_mala.pk}"}
    roles = {
        p["role"][0]["coding"][0]["code"]: p["member"]["reference"] for p in team["participant"]
    }
    assert roles == {
        "named": f"Practitioner/{world.physician_spain.staff_profile.pk}",
        "deputy": f"Practitioner/{deputy.pk}",
    }
    assert [e.resident_id for e in _reads(before)] == [world.resident_mala.pk]
    # The physician's panel: the care teams she is on, one log entry per resident shown.
    before = _last_seq()
    panel = fhir(world.physician_spain).get(
        f"CareTeam?participant=Practitioner/{world.physician_spain.staff_profile.pk}"
    )
    assert {e["resource"]["id"] for e in panel.json()["entry"]} == {
        str(world.resident_mala.pk),
        str(world.resident_mala_2.pk),
    }
    assert sorted(e.resident_id for e in _reads(before)) == sorted(
        [world.resident_mala.pk, world.resident_mala_2.pk]
    )
    _outcome(api.get(f"CareTeam/{world.resident_storuman.pk}"), 404)
    _outcome(fhir(world.relative_with_consent).get(f"CareTeam/{world.resident_mala.pk}"), 403)
