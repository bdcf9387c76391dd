"""FHIR Subscriptions (issue 14 §4): a real HTTP receiver in the test gets the signed
notification from the task worker; retries with backoff; the delivery log; status error."""

import hashlib
import hmac
import http.server
import json
import threading

import pytest
from django.core.management import call_command
from fhir.resources.R4B.bundle import Bundle

from digifys.audit.models import AuditEvent
from digifys.fhir import subscriptions
from digifys.fhir.models import DeliveryAttempt, Subscription, SubscriptionNotification
from digifys.testing.world import record_news2_six
from digifys.vitals import services as vitals_services

from .conftest import panel, vital

NEWS2_AT_LEAST_5 = "Observation?code=http://snomed.info/sct|1104051000000101&value-quantity=ge5"


class Receiver:
    """An HTTP server on a free local port that answers 500 to the first FAIL requests."""

    def __init__(self, fail: int = 0):
        self.fail = fail
        self.requests: list[dict] = []
        self.delivered: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                got = {"headers": dict(self.headers), "body": body, "path": self.path}
                receiver.requests.append(got)
                if len(receiver.requests) <= receiver.fail:
                    self.send_response(500)
                else:
                    receiver.delivered.append(got)
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.FHIR_SUBSCRIPTION_ALLOW_PRIVATE_ENDPOINTS = True  # the receiver is on 127.0.0.1
    made = []

    def make(fail: int = 0) -> Receiver:
        made.append(Receiver(fail))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def fast_retries(settings):
    settings.FHIR_SUBSCRIPTION_RETRY_SECONDS = 0  # a retry is due at once: one worker run
    settings.FHIR_SUBSCRIPTION_MAX_ATTEMPTS = 4
    settings.FHIR_SUBSCRIPTION_ERROR_AFTER = 3


def _worker():
    call_command("db_worker", batch=True, verbosity=0, startup_delay=False)


def _subscription(endpoint: str, criteria: str = NEWS2_AT_LEAST_5, **channel) -> dict:
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Deteriorating residents",
        "criteria": criteria,
        "channel": {
            "type": "rest-hook",
            "endpoint": endpoint,
            "payload": "application/fhir+json",
            **channel,
        },
    }


def _subscribe(api, endpoint: str, criteria: str = NEWS2_AT_LEAST_5, **channel):
    response = api.post("Subscription", _subscription(endpoint, criteria, **channel))
    assert response.status_code == 201, response.content
    return response.json(), response[subscriptions.SECRET_HEADER]


def _verify(secret: str, got: dict) -> None:
    """What a receiver does (docs/api.md): recompute the HMAC over '<timestamp>.' + body."""
    timestamp = got["headers"]["X-Digifys-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + got["body"], hashlib.sha256)
    given = got["headers"]["X-Digifys-Signature"]
    assert hmac.compare_digest(given, "sha256=" + expected.hexdigest())


@pytest.mark.django_db(transaction=True)
def test_a_receiver_gets_the_signed_notification_of_a_matching_observation(world, fhir, receiver):
    hook = receiver()
    api = fhir(world.nurse_mala)
    created, secret = _subscribe(api, hook.url, header=["Authorization: Bearer receiver-token"])
    assert created["status"] == "active" and len(secret) == 64
    assert secret not in json.dumps(created)

    response = api.post("", panel(world.resident_mala.pk))  # a complete set: NEWS2 6
    assert response.status_code == 200, response.content
    _worker()

    (got,) = hook.requests
    _verify(secret, got)
    assert got["headers"]["Authorization"] == "Bearer receiver-token"
    assert got["headers"]["Content-Type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(got["body"])
    assert bundle.type == "history"
    (entry,) = bundle.entry
    assert entry.resource.get_resource_type() == "Observation"
    assert entry.resource.code.coding[0].code == "1104051000000101"
    assert entry.resource.valueInteger == 6
    # Any change of the body breaks the signature.
    with pytest.raises(AssertionError):
        _verify(secret, {**got, "body": got["body"].replace(b"6", b"7", 1)})
    # The delivery log: one attempt, 200.
    (attempt,) = DeliveryAttempt.objects.all()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")
    # The resident's data left through the API: one read entry naming the client.
    read = AuditEvent.objects.filter(object_type="fhir_subscription_notification").get()
    assert read.resident_id == world.resident_mala.pk
    assert read.details["api_client_name"] == f"test {world.nurse_mala.username}"


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_fails_twice_gets_it_on_the_third_try_once(
    world, fhir, receiver, fast_retries
):
    hook = receiver(fail=2)
    api = fhir(world.nurse_mala)
    _created, secret = _subscribe(api, hook.url)
    api.post("", panel(world.resident_mala.pk))
    _worker()

    assert len(hook.requests) == 3
    assert len(hook.delivered) == 1
    _verify(secret, hook.delivered[0])
    notification = SubscriptionNotification.objects.get()
    assert (notification.status, notification.attempts) == ("sent", 3)
    log = list(DeliveryAttempt.objects.values_list("number", "status_code", "error"))
    assert log == [(1, 500, "HTTP 500"), (2, 500, "HTTP 500"), (3, 200, "")]
    row = Subscription.objects.get()
    assert (row.status, row.consecutive_failures) == ("active", 0)
    # The client reads the delivery log, newest first; no other client can.
    response = api.get(f"Subscription/{row.pk}/$delivery-log")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    shown = [(a["attempt"], a["statusCode"], a["error"]) for a in response.json()["attempts"]]
    assert shown == [(3, 200, ""), (2, 500, "HTTP 500"), (1, 500, "HTTP 500")]
    assert fhir(world.nurse_mala).get(f"Subscription/{row.pk}/$delivery-log").status_code == 404
    # The job run again sends nothing more.
    from digifys.fhir.tasks import deliver_subscription_notification

    deliver_subscription_notification.enqueue(notification_id=notification.pk)
    _worker()
    assert len(hook.requests) == 3


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_keeps_failing_puts_the_subscription_in_error_until_reactivated(
    world, fhir, receiver, fast_retries
):
    hook = receiver(fail=10_000)
    api = fhir(world.nurse_mala)
    created, _secret = _subscribe(api, hook.url)
    api.post("", panel(world.resident_mala.pk))
    _worker()

    assert len(hook.requests) == 4  # FHIR_SUBSCRIPTION_MAX_ATTEMPTS, then given up
    assert SubscriptionNotification.objects.get().status == "given_up"
    read = api.get(f"Subscription/{created['id']}").json()
    assert read["status"] == "error"
    assert read["error"] == "HTTP 500"

    # The client fixes its receiver and sets the subscription active again.
    hook.fail = 0
    again = api.put(f"Subscription/{created['id']}", {**read, "status": "active"})
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "active"
    api.post("", panel(world.resident_mala.pk, tag="set-2", when="2026-12-04T11:00:00+01:00"))
    _worker()
    assert len(hook.delivered) == 1
    assert Subscription.objects.get().status == "active"


@pytest.mark.django_db(transaction=True)
def test_a_successful_delivery_makes_an_errored_subscription_active_again(
    world, fhir, receiver, fast_retries, settings
):
    settings.FHIR_SUBSCRIPTION_ERROR_AFTER = 1
    hook = receiver(fail=1)
    api = fhir(world.nurse_mala)
    _subscribe(api, hook.url)
    api.post("", panel(world.resident_mala.pk))
    # The first attempt fails (status error), the retry succeeds (active again).
    _worker()
    statuses = [a.status_code for a in DeliveryAttempt.objects.all()]
    assert statuses == [500, 200]
    assert Subscription.objects.get().status == "active"


@pytest.mark.django_db(transaction=True)
def test_non_matching_observations_send_nothing(world, fhir, receiver):
    hook = receiver()
    api = fhir(world.nurse_mala)
    _subscribe(api, hook.url)
    # A single sign from a device: no NEWS2 at all.
    response = api.post("Observation", vital(world.resident_mala.pk, "8867-4", 95, "/min"))
    assert response.status_code == 201, response.content
    # A complete set scoring NEWS2 0, typed into the vitals form.
    vitals_services.record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        respiratory_rate=16,
        spo2=97,
        on_oxygen=False,
        systolic_bp=130,
        diastolic_bp=80,
        pulse=72,
        consciousness="A",
        temperature="36.8",
    )
    _worker()
    assert hook.requests == []
    assert not SubscriptionNotification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_vitals_typed_into_the_form_notify_like_those_from_the_api(world, fhir, receiver):
    hook = receiver()
    _subscribe(fhir(world.nurse_mala), hook.url)
    record_news2_six(world.nurse_mala, world.resident_mala)
    _worker()
    (got,) = hook.requests
    (entry,) = json.loads(got["body"])["entry"]
    assert entry["resource"]["valueInteger"] == 6


@pytest.mark.django_db(transaction=True)
def test_a_subscription_never_notifies_what_its_client_may_not_read(world, fhir, receiver):
    mine, theirs = receiver(), receiver()
    _subscribe(fhir(world.nurse_mala), mine.url)
    _subscribe(fhir(world.nurse_storuman), theirs.url)  # another unit's nurse
    fhir(world.nurse_mala).post("", panel(world.resident_mala.pk))
    _worker()
    assert len(mine.requests) == 1
    assert theirs.requests == []


@pytest.mark.django_db(transaction=True)
def test_without_payload_the_notification_is_an_empty_signed_post(world, fhir, receiver):
    hook = receiver()
    api = fhir(world.nurse_mala)
    body = _subscription(hook.url)
    del body["channel"]["payload"]
    response = api.post("Subscription", body)
    secret = response[subscriptions.SECRET_HEADER]
    api.post("", panel(world.resident_mala.pk))
    _worker()
    (got,) = hook.requests
    assert got["body"] == b""
    _verify(secret, got)
    assert not AuditEvent.objects.filter(object_type="fhir_subscription_notification").exists()


# --- the resource: create, read, search, delete; refusals ---------------------------------------


@pytest.mark.django_db
def test_a_client_sees_only_its_own_subscriptions(world, fhir):
    mine = fhir(world.nurse_mala)
    other = fhir(world.nurse_mala)  # another client of the same user
    created, _secret = _subscribe(mine, "https://receiver.example/hook")
    assert mine.get(f"Subscription/{created['id']}").status_code == 200
    assert other.get(f"Subscription/{created['id']}").status_code == 404
    assert other.get("Subscription").json()["total"] == 0
    found = mine.get("Subscription?status=active").json()
    assert [e["resource"]["id"] for e in found["entry"]] == [created["id"]]
    # The secret is shown once: reads never carry it.
    assert subscriptions.SECRET_HEADER not in mine.get(f"Subscription/{created['id']}")
    assert other.delete(f"Subscription/{created['id']}").status_code == 404
    assert mine.delete(f"Subscription/{created['id']}").status_code == 200
    assert mine.get(f"Subscription/{created['id']}").status_code == 404
    assert mine.get("Subscription").json()["total"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("criteria", "named"),
    [
        ("Patient?family=Lind", "Patient"),
        ("Observation?value-string=x", "value-string"),
        ("Observation?_sort=date", "_sort"),
        ("Observation?date=yesterday", "date"),
        ("Observation?value-quantity=high", "value-quantity"),
    ],
)
def test_unsupported_criteria_are_refused_naming_them(world, fhir, criteria, named):
    response = fhir(world.nurse_mala).post(
        "Subscription", _subscription("https://receiver.example/hook", criteria)
    )
    assert response.status_code == 422, response.content
    issue = response.json()["issue"][0]
    assert response.json()["resourceType"] == "OperationOutcome"
    assert named in issue["diagnostics"]
    assert issue["expression"] == ["Subscription.criteria"]
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_only_rest_hook_channels_are_accepted(world, fhir):
    body = _subscription("https://receiver.example/hook")
    body["channel"]["type"] = "websocket"
    response = fhir(world.nurse_mala).post("Subscription", body)
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["Subscription.channel.type"]


@pytest.mark.django_db
def test_a_client_without_observation_read_cannot_subscribe_to_observations(world, fhir):
    api = fhir(world.nurse_mala, "user/Subscription.write user/Patient.read")
    response = api.post("Subscription", _subscription("https://receiver.example/hook"))
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.django_db
def test_value_quantity_searches_with_fhir_number_prefixes(world, fhir):
    record_news2_six(world.nurse_mala, world.resident_mala)
    api = fhir(world.nurse_mala)

    def ids(query):
        bundle = api.get(f"Observation?{query}").json()
        return sorted(e["resource"]["id"].split("-")[1] for e in bundle.get("entry", []))

    news2 = "code=http://snomed.info/sct|1104051000000101"
    assert ids(f"{news2}&value-quantity=ge5") == ["news2"]
    assert ids(f"{news2}&value-quantity=ge7") == []
    assert ids(f"{news2}&value-quantity=6") == ["news2"]
    assert ids("value-quantity=38.3") == ["temp"]
    assert ids("value-quantity=38") == ["temp"]  # eq 38: 37.5 ≤ value < 38.5
    assert ids("value-quantity=gt94") == ["hr", "spo2"]
    twice = api.get("Observation?value-quantity=gt94&value-quantity=lt96")
    assert twice.status_code == 400
    assert twice.json()["issue"][0]["expression"] == ["value-quantity"]


@pytest.mark.django_db
def test_the_sweep_sends_a_notification_whose_job_was_lost(world, fhir, receiver):
    """No job is enqueued here (the test transaction never commits): the sweep task sends it."""
    from digifys.fhir.tasks import sweep_subscription_notifications

    hook = receiver()
    _subscribe(fhir(world.nurse_mala), hook.url)
    vitals = record_news2_six(world.nurse_mala, world.resident_mala)
    assert subscriptions.match_observation(vitals.pk)  # what the commit hook runs
    assert sweep_subscription_notifications.call() == 1
    assert len(hook.requests) == 1
    assert sweep_subscription_notifications.call() == 0
    assert len(hook.requests) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:8000/hook", "http://10.0.0.5/hook", "http://[::1]/hook"]
)
def test_endpoints_in_the_servers_own_network_are_refused(world, fhir, endpoint):
    response = fhir(world.nurse_mala).post("Subscription", _subscription(endpoint))
    assert response.status_code == 422, response.content
    assert response.json()["issue"][0]["expression"] == ["Subscription.channel.endpoint"]
    assert not Subscription.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_to_an_endpoint_that_turned_private(
    world, fhir, receiver, fast_retries, settings
):
    hook = receiver()
    _subscribe(fhir(world.nurse_mala), hook.url)
    settings.FHIR_SUBSCRIPTION_ALLOW_PRIVATE_ENDPOINTS = False
    fhir(world.nurse_mala).post("", panel(world.resident_mala.pk))
    _worker()
    assert hook.requests == []
    errors = set(DeliveryAttempt.objects.values_list("error", flat=True))
    assert len(errors) == 1 and "private address" in errors.pop()


@pytest.mark.django_db
def test_the_scheduled_sweep_retries_a_failed_delivery_without_a_new_event(
    world, fhir, receiver, fast_retries
):
    """`schedule_fhir_sweep` starts a chain of sweeps (each queues the next); a failed delivery
    is tried again by the next sweep although nothing new happened."""
    from io import StringIO

    from django_tasks_db.models import DBTaskResult

    from digifys.fhir.tasks import sweep_subscription_notifications as sweep

    call_command("schedule_fhir_sweep", stdout=StringIO())
    out = StringIO()
    call_command("schedule_fhir_sweep", stdout=out)
    assert "Already queued" in out.getvalue()
    queued = DBTaskResult.objects.filter(task_path=sweep.module_path, status="READY")
    assert queued.count() == 1

    hook = receiver(fail=1)
    _subscribe(fhir(world.nurse_mala), hook.url)
    vitals = record_news2_six(world.nurse_mala, world.resident_mala)
    assert subscriptions.match_observation(vitals.pk)  # what the commit hook runs
    assert sweep.call(reschedule=True) == 1  # the first try fails
    assert len(hook.requests) == 1 and not hook.delivered
    assert sweep.call(reschedule=True) == 1  # the next sweep tries again: no new event
    assert len(hook.requests) == 2 and len(hook.delivered) == 1
    assert sweep.call(reschedule=True) == 0
    assert len(hook.requests) == 2
    assert queued.count() == 4  # every sweep queued the next
