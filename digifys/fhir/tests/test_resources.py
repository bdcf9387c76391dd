"""Issue 14 §1, this session: vread and _history, versionId/ETag, If-Match, and the resources
Location, RelatedPerson, Encounter, Appointment, Schedule, Slot, ServiceRequest, Task,
Communication, Consent and AuditEvent — each filtered by the access policy as pages are, each
resident read logged as a page read is, writes validated before anything is stored."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.careteams.models import CareContact
from digifys.consults.models import ConsultMessage
from digifys.consults.services import send_consult
from digifys.fhir.routes import NO_HISTORY, ROUTES
from digifys.orders.models import NurseTask
from digifys.orders.services import place_order
from digifys.scheduling import services as scheduling
from digifys.scheduling.models import Booking
from digifys.testing.world import give_hours

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
TUESDAY_8 = datetime.datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _last_seq():
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


def _reads(before, object_type):
    return list(AuditEvent.objects.filter(seq__gt=before, action="read", object_type=object_type))


def _outcome(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]


def _order(world):
    return place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
        first_due_at=NOW + datetime.timedelta(hours=2),
    )


def _consult(world):
    return send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="same_day",
        situation="Trött.",
        background="Demens.",
        assessment="NEWS2 3.",
        recommendation="Bedömning.",
    )


def _booking(world):
    carmen = world.physician_spain.staff_profile
    give_hours(carmen, datetime.time(8), datetime.time(17))
    return scheduling.book(
        actor=world.nurse_mala,
        clinician=carmen,
        resident=world.resident_mala,
        kind=Booking.Kind.VIDEO,
        starts_at=TUESDAY_8,
        ends_at=TUESDAY_8 + datetime.timedelta(minutes=30),
        reason="Uppföljning efter fall",
    )


# --- CapabilityStatement ------------------------------------------------------------------------


def test_the_capability_statement_says_which_resources_keep_history(client):
    rest = client.get("/fhir/R4/metadata").json()["rest"][0]
    by_type = {r["type"]: r for r in rest["resource"]}
    routed = {(r.resource, r.interaction) for r in ROUTES if r.resource and not r.operation}
    listed = {(t, i["code"]) for t, r in by_type.items() for i in r.get("interaction", [])}
    assert listed == routed
    for resource in (
        "Location",
        "RelatedPerson",
        "Encounter",
        "Appointment",
        "Schedule",
        "Slot",
        "ServiceRequest",
        "Task",
        "Communication",
        "Consent",
        "AuditEvent",
    ):
        codes = {i["code"] for i in by_type[resource]["interaction"]}
        assert {"read", "vread", "history-instance", "search-type"} <= codes, resource
    assert by_type["Patient"]["documentation"] == NO_HISTORY
    assert by_type["Observation"]["documentation"] == NO_HISTORY
    assert "done or cancelled" in by_type["Task"]["documentation"]
    assert "revocation" in by_type["Consent"]["documentation"]
    assert {"code": "update"} in by_type["Task"]["interaction"]
    assert {"code": "create"} in by_type["Communication"]["interaction"]
    assert {"code": "create"} not in by_type["AuditEvent"]["interaction"]
    assert by_type["Task"]["versioning"] == "versioned"


# --- versions on resources without history ------------------------------------------------------


def test_a_resource_without_history_is_version_1_with_its_etag(world, fhir):
    api = fhir(world.nurse_mala)
    patient = world.resident_mala.pk
    response = api.get(f"Patient/{patient}")
    assert response["ETag"] == 'W/"1"'
    assert response.json()["meta"]["versionId"] == "1"
    assert api.get(f"Patient/{patient}/_history/1").json()["id"] == str(patient)
    _outcome(api.get(f"Patient/{patient}/_history/2"), 404)
    history = api.get(f"Patient/{patient}/_history").json()
    assert (history["type"], history["total"]) == ("history", 1)
    assert history["entry"][0]["resource"]["meta"]["versionId"] == "1"
    # Not visible: 404 on every interaction, as on read.
    other = world.resident_storuman.pk
    _outcome(api.get(f"Patient/{other}/_history"), 404)
    _outcome(api.get(f"Patient/{other}/_history/1"), 404)
    # Searches show version 1 too.
    bundle = api.get("Patient").json()
    assert bundle["entry"][0]["resource"]["meta"]["versionId"] == "1"


# --- Task: versions, If-Match, status update ----------------------------------------------------


def test_a_task_is_completed_through_the_api_with_optimistic_locking(world, fhir):
    order = _order(world)
    task = NurseTask.objects.get(order=order)
    api = fhir(world.nurse_mala)
    response = api.get(f"Task/{task.pk}")
    assert response.status_code == 200, response.content
    assert response["ETag"] == 'W/"1"'
    resource = response.json()
    assert (resource["status"], resource["for"]["reference"]) == (
        "ready",
        f"Patient/{world.resident_mala.pk}",
    )
    assert resource["basedOn"][0]["reference"] == f"ServiceRequest/{order.pk}"

    done = {
        **resource,
        "status": "completed",
        "output": [{"type": {"text": "result"}, "valueString": "Puls 72, mår bra."}],
    }
    # Somebody else's version: 412, nothing changed.
    issue = _outcome(api.put(f"Task/{task.pk}", done, {"If-Match": 'W/"2"'}), 412)
    assert issue["expression"] == ["If-Match"]
    task.refresh_from_db()
    assert task.status == "open"
    # No result: 422 naming the element, nothing changed.
    without = {**resource, "status": "completed"}
    issue = _outcome(api.put(f"Task/{task.pk}", without, {"If-Match": 'W/"1"'}), 422)
    assert issue["expression"] == ["Task.output"]
    # A status the API does not set.
    issue = _outcome(
        api.put(f"Task/{task.pk}", {**resource, "status": "on-hold"}, {"If-Match": 'W/"1"'}), 422
    )
    assert issue["expression"] == ["Task.status"]
    task.refresh_from_db()
    assert task.status == "open"

    response = api.put(f"Task/{task.pk}", done, {"If-Match": 'W/"1"'})
    assert response.status_code == 200, response.content
    assert response["ETag"] == 'W/"2"'
    assert response.json()["status"] == "completed"
    task.refresh_from_db()
    assert (task.status, task.result, task.completed_by) == (
        "done",
        "Puls 72, mår bra.",
        world.nurse_mala,
    )
    # The old version is still there, and a client holding it is refused.
    assert api.get(f"Task/{task.pk}/_history/1").json()["status"] == "ready"
    history = api.get(f"Task/{task.pk}/_history").json()
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    _outcome(api.put(f"Task/{task.pk}", done, {"If-Match": 'W/"1"'}), 412)
    # Search by status.
    found = api.get(f"Task?patient=Patient/{world.resident_mala.pk}&status=completed").json()
    assert [e["resource"]["id"] for e in found["entry"]] == [str(task.pk)]
    assert api.get("Task?status=ready").json()["total"] == 0


def test_tasks_follow_the_policy_and_reads_are_logged(world, fhir):
    task = NurseTask.objects.get(order=_order(world))
    _outcome(fhir(world.nurse_storuman).get(f"Task/{task.pk}"), 404)
    assert fhir(world.nurse_storuman).get("Task").json()["total"] == 0
    _outcome(fhir(world.coordinator).get(f"Task/{task.pk}"), 403)
    before = _last_seq()
    fhir(world.nurse_mala).get(f"Task/{task.pk}")
    (entry,) = _reads(before, "fhir_task")
    assert (entry.resident_id, entry.actor_id, entry.object_id) == (
        world.resident_mala.pk,
        world.nurse_mala.pk,
        str(task.pk),
    )
    assert entry.details["api_client_name"].startswith("test ")
    # A read-only scope cannot update.
    body = fhir(world.nurse_mala).get(f"Task/{task.pk}").json()
    _outcome(fhir(world.nurse_mala, "user/*.read").put(f"Task/{task.pk}", body), 403)


def test_service_requests_are_orders_with_their_cancellation_as_version_2(world, fhir):
    from digifys.orders.services import cancel_order

    order = _order(world)
    api = fhir(world.physician_spain)
    resource = api.get(f"ServiceRequest/{order.pk}").json()
    assert (resource["status"], resource["intent"], resource["code"]["coding"][0]["code"]) == (
        "active",
        "order",
        "vitals",
    )
    cancel_order(actor=world.physician_spain, order=order, reason="Inte längre aktuellt.")
    assert api.get(f"ServiceRequest/{order.pk}").json()["status"] == "revoked"
    assert api.get(f"ServiceRequest/{order.pk}/_history/1").json()["status"] == "active"
    assert api.get("ServiceRequest?status=revoked&code=vitals").json()["total"] == 1
    assert api.get("ServiceRequest?status=active").json()["total"] == 0
    assert fhir(world.nurse_storuman).get("ServiceRequest").json()["total"] == 0


# --- Communication ------------------------------------------------------------------------------


def test_a_message_to_a_consult_is_created_and_read_as_a_communication(world, fhir):
    consult = _consult(world)
    api = fhir(world.nurse_mala)
    message = {
        "resourceType": "Communication",
        "status": "completed",
        "partOf": [
            {"identifier": {"system": "urn:digifys:fhir:consult", "value": str(consult.pk)}}
        ],
        "subject": {"reference": f"Patient/{world.resident_mala.pk}"},
        "payload": [{"contentString": "Saturation nu 93 %."}],
    }
    count = ConsultMessage.objects.count()
    for broken, element in (
        ({**message, "partOf": []}, "Communication.partOf"),
        ({**message, "payload": [{"contentString": "  "}]}, "Communication.payload"),
        ({**message, "subject": {"reference": "Patient/999999"}}, "Communication.subject"),
        ({**message, "status": "stopped"}, "Communication.status"),
    ):
        issue = _outcome(api.post("Communication", broken), 422)
        assert issue["expression"] == [element]
    assert ConsultMessage.objects.count() == count
    # A consult the client cannot see.
    issue = _outcome(fhir(world.nurse_storuman).post("Communication", message), 422)
    assert ConsultMessage.objects.count() == count

    response = api.post("Communication", message)
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["Location"].endswith(f"/Communication/{created['id']}")
    stored = ConsultMessage.objects.get(pk=created["id"])
    assert (stored.author, stored.body) == (world.nurse_mala, "Saturation nu 93 %.")
    found = (
        fhir(world.physician_spain)
        .get(f"Communication?part-of=urn:digifys:fhir:consult|{consult.pk}")
        .json()
    )
    assert [e["resource"]["payload"][0]["contentString"] for e in found["entry"]] == [
        "Saturation nu 93 %."
    ]
    assert fhir(world.nurse_storuman).get("Communication").json()["total"] == 0


# --- Consent and RelatedPerson ------------------------------------------------------------------


def test_consents_keep_every_registration_as_a_version(world, fhir):
    from digifys.residents.models import Relative

    api = fhir(world.nurse_mala)
    revoked = Relative.objects.get(user=world.relative_revoked)
    consent = api.get(f"Consent/{revoked.pk}")
    assert consent.status_code == 200, consent.content
    assert consent.json()["status"] == "inactive"
    history = api.get(f"Consent/{revoked.pk}/_history").json()
    assert history["total"] == revoked.consents.count() >= 2
    assert history["entry"][-1]["resource"]["status"] == "active"
    given = api.get(f"Consent/{revoked.pk}/_history/1").json()
    assert given["provision"]["actor"][0]["reference"]["reference"] == f"RelatedPerson/{revoked.pk}"
    assert consent["ETag"] == f'W/"{history["total"]}"'
    # Staff of another unit see none of it.
    _outcome(fhir(world.nurse_storuman).get(f"Consent/{revoked.pk}"), 404)


def test_related_persons_are_only_relatives_with_a_consent_in_force(world, fhir):
    from digifys.residents.models import Relative

    api = fhir(world.nurse_mala)
    found = api.get(f"RelatedPerson?patient=Patient/{world.resident_mala.pk}").json()
    ids = {int(e["resource"]["id"]) for e in found["entry"]}
    assert Relative.objects.get(user=world.relative_with_consent).pk in ids
    for without in (world.relative_without, world.relative_revoked, world.relative_expired):
        relative = Relative.objects.get(user=without)
        assert relative.pk not in ids
        _outcome(api.get(f"RelatedPerson/{relative.pk}"), 404)
    before = _last_seq()
    api.get(f"RelatedPerson/{Relative.objects.get(user=world.relative_with_consent).pk}")
    assert len(_reads(before, "fhir_relatedperson")) == 1


# --- AuditEvent ---------------------------------------------------------------------------------


def test_the_access_log_is_for_coordinators_only_and_read_only(world, fhir):
    fhir(world.nurse_mala).get(f"Patient/{world.resident_mala.pk}")  # something to log
    _outcome(fhir(world.nurse_mala).get("AuditEvent"), 403)
    _outcome(fhir(world.physician_spain).get("AuditEvent"), 403)
    api = fhir(world.coordinator)
    found = api.get(f"AuditEvent?patient=Patient/{world.resident_mala.pk}&_count=100").json()
    assert found["total"] >= 1
    resource = found["entry"][0]["resource"]
    assert resource["type"]["code"] == "110110"
    read = next(
        e["resource"]
        for e in found["entry"]
        if e["resource"]["agent"][0]["who"]["display"] == world.nurse_mala.get_full_name()
        and e["resource"]["action"] == "R"
    )
    assert read["purposeOfEvent"][0]["coding"][0]["code"] == "ETREAT"
    assert read["agent"][1]["type"]["coding"][0]["code"] == "api-client"
    # No write interaction exists for it.
    response = api.post("AuditEvent", {"resourceType": "AuditEvent"})
    assert response.status_code == 405
    # Reading the log is itself logged.
    before = _last_seq()
    api.get(f"AuditEvent/{read['id']}")
    assert len(_reads(before, "fhir_auditevent")) == 1


# --- Appointment, Schedule, Slot, Encounter, Location -------------------------------------------


def test_bookings_are_appointments_and_busy_slots_cancellation_is_version_2(world, fhir):
    booking = _booking(world)
    api = fhir(world.nurse_mala)
    resource = api.get(f"Appointment/{booking.pk}").json()
    assert resource["status"] == "booked"
    actors = {p["actor"]["reference"] for p in resource["participant"]}
    assert f"Patient/{world.resident_mala.pk}" in actors
    carmen = world.physician_spain.staff_profile.pk
    assert api.get(f"Slot?schedule=Schedule/{carmen}").json()["total"] == 1
    assert api.get(f"Schedule/{carmen}").json()["actor"][0]["reference"] == f"Practitioner/{carmen}"
    found = api.get(
        f"Appointment?patient=Patient/{world.resident_mala.pk}&date=ge2026-06-02&status=booked"
    ).json()
    assert found["total"] == 1
    scheduling.cancel_booking(actor=world.nurse_mala, booking=booking, reason="Sjuk.")
    assert api.get(f"Appointment/{booking.pk}").json()["status"] == "cancelled"
    assert api.get(f"Appointment/{booking.pk}/_history").json()["total"] == 2
    assert api.get(f"Slot?schedule=Schedule/{carmen}").json()["total"] == 0
    assert fhir(world.nurse_storuman).get("Appointment").json()["total"] == 0


def test_care_contacts_are_encounters_with_their_class(world, fhir):
    contact = CareContact.objects.create(
        resident=world.resident_mala,
        clinician=world.physician_spain.staff_profile,
        unit=world.unit_mala,
        kind=CareContact.Kind.VIDEO,
        occurred_at=timezone.now(),
    )
    api = fhir(world.physician_spain)
    resource = api.get(f"Encounter/{contact.pk}").json()
    assert (resource["class"]["code"], resource["status"]) == ("VR", "finished")
    assert api.get("Encounter?class=VR").json()["total"] == 1
    assert api.get("Encounter?class=HH").json()["total"] == 0
    _outcome(fhir(world.nurse_storuman).get(f"Encounter/{contact.pk}"), 404)


def test_units_and_the_virtual_clinic_are_locations(world, fhir):
    api = fhir(world.coordinator)
    unit = api.get(f"Location/{world.unit_mala.pk}").json()
    assert unit["mode"] == "instance"
    assert unit["partOf"]["reference"] == f"Location/{world.unit_mala.parent_id}"
    clinic = api.get(f"Location/{world.clinic.pk}").json()
    assert clinic["mode"] == "kind"
    _outcome(api.get(f"Location/{world.region.pk}"), 404)  # a region is no place
    assert api.get("Location?type=virtual_clinic").json()["total"] == 1


def test_an_appointment_is_booked_and_cancelled_with_if_match(world, fhir):
    carmen = world.physician_spain.staff_profile
    give_hours(carmen, datetime.time(8), datetime.time(17))
    api = fhir(world.nurse_mala)
    appointment = {
        "resourceType": "Appointment",
        "status": "booked",
        "appointmentType": {"coding": [{"system": "urn:digifys:fhir:codes", "code": "video"}]},
        "start": TUESDAY_8.isoformat(),
        "end": (TUESDAY_8 + datetime.timedelta(minutes=30)).isoformat(),
        "reasonCode": [{"text": "Uppföljning efter fall"}],
        "participant": [
            {"actor": {"reference": f"Patient/{world.resident_mala.pk}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{carmen.pk}"}, "status": "accepted"},
        ],
    }
    for broken, element in (
        ({**appointment, "status": "proposed"}, "Appointment.status"),
        ({**appointment, "appointmentType": {"text": "x"}}, "Appointment.appointmentType"),
        ({**appointment, "participant": appointment["participant"][:1]}, "Appointment.participant"),
        ({**appointment, "reasonCode": []}, "Appointment.reasonCode"),
        (
            {
                **appointment,
                "start": "2026-06-02T03:00:00+00:00",
                "end": "2026-06-02T03:30:00+00:00",
            },
            None,
        ),
    ):
        issue = _outcome(api.post("Appointment", broken), 422)
        if element:
            assert issue["expression"] == [element], issue
    assert not Booking.objects.exists()
    # Another unit's nurse cannot book for this resident.
    _outcome(fhir(world.nurse_storuman).post("Appointment", appointment), 422)

    response = api.post("Appointment", appointment)
    assert response.status_code == 201, response.content
    created = response.json()
    booking = Booking.objects.get()
    assert (created["id"], booking.clinician, booking.kind) == (str(booking.pk), carmen, "video")
    # The same time again is a double booking: refused.
    _outcome(api.post("Appointment", appointment), 422)

    cancel = {**created, "status": "cancelled", "cancelationReason": {"text": "Sjuk."}}
    _outcome(api.put(f"Appointment/{booking.pk}", cancel, {"If-Match": 'W/"2"'}), 412)
    issue = _outcome(
        api.put(
            f"Appointment/{booking.pk}",
            {**created, "status": "cancelled"},
            {"If-Match": 'W/"1"'},
        ),
        422,
    )
    assert issue["expression"] == ["Appointment.cancelationReason"]
    booking.refresh_from_db()
    assert booking.cancelled_at is None
    response = api.put(f"Appointment/{booking.pk}", cancel, {"If-Match": 'W/"1"'})
    assert response.status_code == 200, response.content
    assert (response["ETag"], response.json()["status"]) == ('W/"2"', "cancelled")
    booking.refresh_from_db()
    assert booking.cancel_reason == "Sjuk."
    _outcome(api.put(f"Appointment/{booking.pk}", cancel, {"If-Match": 'W/"1"'}), 412)
