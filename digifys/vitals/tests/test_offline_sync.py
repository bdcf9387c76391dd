"""The offline outbox's sync (issue #17 §1): each idempotency key makes one observation at most,
a resident out of the nurse's sight is refused with a message, and the answer carries the unit's
escalation response."""

import json
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.testing.concurrency import at_once
from digifys.vitals import services
from digifys.vitals.models import Observation

from .conftest import HIGH_FORM, MEDIUM_FORM, NORMAL_FORM

pytestmark = pytest.mark.django_db


def _sync(client, *, key, resident, values, saved_at="2026-12-04T21:40:00+00:00"):
    payload = {"key": str(key), "resident": resident.pk, "values": values, "saved_at": saved_at}
    return client.post(reverse("vitals:sync"), json.dumps(payload), content_type="application/json")


def test_an_entry_synced_twice_makes_one_observation_and_the_second_gets_the_first(world, login):
    client = login(world.nurse_mala, language="en")
    key = uuid.uuid4()
    first = _sync(client, key=key, resident=world.resident_mala, values=MEDIUM_FORM)
    second = _sync(client, key=key, resident=world.resident_mala, values=MEDIUM_FORM)
    assert first.status_code == 200, first.content
    assert (first.json()["status"], second.json()["status"]) == ("saved", "already_saved")
    assert Observation.objects.count() == 1
    observation = Observation.objects.get()
    assert second.json()["observation"] == first.json()["observation"] == observation.pk
    assert observation.idempotency_key == key
    assert observation.news2_total == 6
    assert AuditEvent.objects.filter(object_type="observation", action="create").count() == 1


def test_an_entry_saved_offline_keeps_the_time_it_was_saved(world, login):
    client = login(world.nurse_mala)
    _sync(client, key=uuid.uuid4(), resident=world.resident_mala, values=MEDIUM_FORM)
    observation = Observation.objects.get()
    assert observation.measured_at.isoformat() == "2026-12-04T21:40:00+00:00"


def test_the_answer_shows_the_escalation_response_with_112_and_sbar(world, login):
    client = login(world.nurse_mala, language="en")
    answer = _sync(client, key=uuid.uuid4(), resident=world.resident_mala, values=HIGH_FORM).json()
    assert answer["news2_total"] == 18
    assert answer["call_112"] is True
    assert answer["needs_action"] is True
    assert "Call 112 per local routine." in answer["html"]
    assert "Send SBAR" in answer["html"]
    assert reverse("consults:new", args=[world.resident_mala.pk]) in answer["html"]


def test_a_low_score_needs_no_112(world, login):
    client = login(world.nurse_mala, language="en")
    values = {**MEDIUM_FORM, "respiratory_rate": "16", "temperature": "37", "pulse": "70"}
    answer = _sync(client, key=uuid.uuid4(), resident=world.resident_mala, values=values).json()
    assert answer["call_112"] is False
    assert "Call 112" not in answer["html"]


def test_only_an_answer_asking_for_more_than_the_routine_needs_action(world, login):
    """The outbox keeps entries that need action in sight and folds the rest (offline.js)."""
    client = login(world.nurse_mala, language="en")
    medium = _sync(client, key=uuid.uuid4(), resident=world.resident_mala, values=MEDIUM_FORM)
    normal = _sync(client, key=uuid.uuid4(), resident=world.resident_mala_2, values=NORMAL_FORM)
    medium, normal = medium.json(), normal.json()
    assert (medium["news2_total"], normal["news2_total"]) == (6, 0)
    assert medium["needs_action"] is True and "Send SBAR" in medium["html"]
    assert normal["needs_action"] is False and "Send SBAR" not in normal["html"]


def test_a_resident_the_nurse_may_no_longer_see_is_refused_with_a_message(world, login):
    client = login(world.nurse_storuman, language="en")
    response = _sync(client, key=uuid.uuid4(), resident=world.resident_mala, values=MEDIUM_FORM)
    assert response.status_code == 403
    assert response.json()["status"] == "refused"
    assert "no longer see this resident" in response.json()["message"]
    assert Observation.objects.count() == 0


def test_the_refusal_is_translated(world, login):
    client = login(world.nurse_storuman, language="sv")
    response = _sync(client, key=uuid.uuid4(), resident=world.resident_mala, values=MEDIUM_FORM)
    assert "Inte skickad" in response.json()["message"]


def test_bad_values_are_refused_with_a_message_per_field_and_nothing_saved(world, login):
    client = login(world.nurse_mala, language="en")
    values = {**MEDIUM_FORM, "pulse": "400"}
    response = _sync(client, key=uuid.uuid4(), resident=world.resident_mala, values=values)
    assert response.status_code == 422
    assert any(error.startswith("Pulse:") for error in response.json()["errors"])
    assert Observation.objects.count() == 0


def test_another_users_key_gets_no_observation_back(world, login):
    key = uuid.uuid4()
    _sync(login(world.nurse_mala), key=key, resident=world.resident_mala, values=MEDIUM_FORM)
    other = _sync(
        login(world.physician_spain, language="en"),
        key=key,
        resident=world.resident_mala,
        values=MEDIUM_FORM,
    )
    assert other.status_code == 422
    assert "observation" not in other.json()
    assert Observation.objects.count() == 1


def test_an_unreadable_entry_is_a_bad_request(world, login):
    client = login(world.nurse_mala)
    response = client.post(reverse("vitals:sync"), "not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status"] == "refused"


def test_the_form_post_with_a_key_saves_once_when_save_is_pressed_twice(world, login):
    client = login(world.nurse_mala)
    url = reverse("vitals:record", args=[world.resident_mala.pk])
    data = {**MEDIUM_FORM, "idempotency_key": str(uuid.uuid4())}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Observation.objects.count() == 1


def test_the_service_worker_is_served_from_the_root_as_javascript(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "Content-Security-Policy" in response
    assert b"/static/vitals/news2.js" in response.content


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_four_copies_of_one_entry_at_once_make_one_observation(world):
    key = uuid.uuid4()
    values = {
        "respiratory_rate": "22",
        "spo2": "95",
        "on_oxygen": False,
        "systolic_bp": "105",
        "pulse": "95",
        "consciousness": "A",
        "temperature": "38,3",
    }

    def sync():
        once = services.record_observation_once(
            actor=world.nurse_mala, resident=world.resident_mala, idempotency_key=key, **values
        )
        return once.created, once.observation.pk

    outcomes, failures = at_once(sync)
    assert failures == []
    assert Observation.objects.filter(idempotency_key=key).count() == 1
    assert sorted(created for created, _pk in outcomes) == [False, False, False, True]
    assert len({pk for _created, pk in outcomes}) == 1
