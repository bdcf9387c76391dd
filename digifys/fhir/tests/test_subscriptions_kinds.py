"""Subscriptions on resource types besides Observation (issue 14 §4): the criteria are a search
of that type with the search parameters of the search interaction (kinds.matching), and a local
receiver gets the signed notification of a matching Task or Communication and nothing for a
resource that does not match or that its client may not read."""

import datetime
import json

import pytest
from django.utils import timezone

from digifys.consults.services import post_message, send_consult
from digifys.fhir.models import Subscription, SubscriptionNotification
from digifys.orders.models import NurseTask
from digifys.orders.services import cancel_order, complete_task, place_order

from . import test_subscriptions
from .test_subscriptions import _subscribe, _subscription, _verify, _worker

receiver = test_subscriptions.receiver  # the local HTTP receiver fixture


def _order(world, resident=None):
    return place_order(
        actor=world.physician_spain,
        resident=resident or world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
        first_due_at=timezone.now() + datetime.timedelta(hours=2),
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


def _entries(got) -> list[dict]:
    return json.loads(got["body"])["entry"]


@pytest.mark.django_db(transaction=True)
def test_a_completed_task_notifies_a_task_status_subscription_and_an_open_one_does_not(
    world, fhir, receiver
):
    hook, theirs = receiver(), receiver()
    done_task = NurseTask.objects.get(order=_order(world))
    open_task = NurseTask.objects.get(order=_order(world))
    _created, secret = _subscribe(
        fhir(world.nurse_mala), hook.url, f"Task?status=completed&patient={world.resident_mala.pk}"
    )
    _subscribe(fhir(world.nurse_storuman), theirs.url, "Task?status=completed")  # another unit
    complete_task(actor=world.nurse_mala, task=done_task, result="Puls 72.")
    open_task.save()  # saved again, still ready: no match
    _worker()

    (got,) = hook.requests
    _verify(secret, got)
    (entry,) = _entries(got)
    assert entry["resource"]["resourceType"] == "Task"
    assert (entry["resource"]["id"], entry["resource"]["status"]) == (
        str(done_task.pk),
        "completed",
    )
    assert entry["request"] == {"method": "PUT", "url": f"Task/{done_task.pk}"}
    assert entry["fullUrl"].endswith(f"/Task/{done_task.pk}")
    assert theirs.requests == []  # the Storuman nurse may not see the Målå resident
    assert SubscriptionNotification.objects.get().resource_ids == [str(done_task.pk)]


@pytest.mark.django_db(transaction=True)
def test_new_and_cancelled_tasks_and_a_cancelled_order_notify_as_their_status_says(
    world, fhir, receiver
):
    ready, cancelled, revoked = receiver(), receiver(), receiver()
    api = fhir(world.nurse_mala)
    _subscribe(api, ready.url, "Task?status=ready")
    _subscribe(api, cancelled.url, "Task?status=cancelled")
    _subscribe(api, revoked.url, "ServiceRequest?code=vitals&status=revoked")
    order = _order(world)  # its task is made with bulk_create: found through the order
    _worker()
    task = NurseTask.objects.get(order=order)
    (got,) = ready.requests
    (entry,) = _entries(got)
    assert entry["resource"]["id"] == str(task.pk)
    assert entry["request"] == {"method": "POST", "url": "Task"}
    assert cancelled.requests == [] and revoked.requests == []

    cancel_order(actor=world.physician_spain, order=order, reason="Inte längre aktuellt.")
    _worker()
    assert len(ready.requests) == 1  # nothing new is ready
    (got,) = cancelled.requests
    assert _entries(got)[0]["resource"]["status"] == "cancelled"
    (got,) = revoked.requests
    (entry,) = _entries(got)
    assert (entry["resource"]["resourceType"], entry["resource"]["id"]) == (
        "ServiceRequest",
        str(order.pk),
    )
    assert entry["request"] == {"method": "PUT", "url": f"ServiceRequest/{order.pk}"}


@pytest.mark.django_db(transaction=True)
def test_a_message_to_the_watched_consult_notifies_and_one_to_another_does_not(
    world, fhir, receiver
):
    hook = receiver()
    watched, other = _consult(world), _consult(world)
    criteria = f"Communication?part-of=urn:digifys:fhir:consult|{watched.pk}"
    _created, secret = _subscribe(fhir(world.nurse_mala), hook.url, criteria)
    message = post_message(actor=world.nurse_mala, consult=watched, body="Saturation nu 93 %.")
    post_message(actor=world.nurse_mala, consult=other, body="Mår bättre.")
    _worker()

    (got,) = hook.requests
    _verify(secret, got)
    (entry,) = _entries(got)
    resource = entry["resource"]
    assert (resource["resourceType"], resource["id"]) == ("Communication", str(message.pk))
    assert resource["payload"][0]["contentString"] == "Saturation nu 93 %."
    assert entry["request"] == {"method": "POST", "url": "Communication"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("criteria", "named"),
    [
        ("Task?value-quantity=ge5", "value-quantity"),
        ("Task?_sort=period", "_sort"),
        ("Communication?code=x", "code"),
        ("Task?period=yesterday", "period"),
        ("Patient?family=Lind", "Patient"),
    ],
)
def test_criteria_a_task_or_communication_search_cannot_take_are_refused(
    world, fhir, criteria, named
):
    response = fhir(world.nurse_mala).post(
        "Subscription", _subscription("https://receiver.example/hook", criteria)
    )
    assert response.status_code == 422, response.content
    issue = response.json()["issue"][0]
    assert named in issue["diagnostics"]
    assert issue["expression"] == ["Subscription.criteria"]
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_a_task_subscription_is_stored_with_its_type(world, fhir):
    created, _secret = _subscribe(
        fhir(world.nurse_mala), "https://receiver.example/hook", "Task?status=completed"
    )
    row = Subscription.objects.get(pk=created["id"])
    assert (row.resource_type, created["criteria"]) == ("Task", "Task?status=completed")


@pytest.mark.django_db(transaction=True)
def test_the_tasks_of_a_countersigned_order_notify_when_the_supervisor_signs(world, fhir, receiver):
    from digifys.clinicians import supervision
    from digifys.clinicians.models import SupervisedDraft
    from digifys.clinicians.tests.conftest import entry

    entry(world.other_physician)
    entry(
        world.physician_spain,
        licence_status="in_process",
        licence_number="",
        eu_recognition="in_process",
        supervisor=world.other_physician.staff_profile,
    )
    ready = receiver()
    _subscribe(fhir(world.nurse_mala), ready.url, "Task?status=ready")
    order = _order(world)  # a supervised clinician's order: no task until countersigned
    _worker()
    assert not NurseTask.objects.filter(order=order).exists()
    assert ready.requests == []

    draft = SupervisedDraft.objects.get(object_id=order.pk)
    supervision.countersign(actor=world.other_physician, draft=draft)
    _worker()
    task = NurseTask.objects.get(order=order)
    (got,) = ready.requests
    (entry_,) = _entries(got)
    assert (entry_["resource"]["resourceType"], entry_["resource"]["id"]) == ("Task", str(task.pk))
