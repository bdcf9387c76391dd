"""The HTTP SMS provider adapter against a local HTTP server that the test starts."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from digifys.notifications import delivery
from digifys.notifications.channels import HttpSmsBackend, SmsError
from digifys.notifications.models import Delivery, DeliverySettings, NotificationPreference
from digifys.notifications.services import notify


class Provider:
    """What the fake provider received, and how it answers (status, or a delay)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.delay = 0.0


@pytest.fixture
def provider(settings):
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(
                {
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "type": self.headers.get("Content-Type"),
                    "json": json.loads(self.rfile.read(length)),
                }
            )
            if state.delay:
                time.sleep(state.delay)
            body = json.dumps({"id": "msg-1"} if state.status < 300 else {"error": "x"}).encode()
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFICATION_SMS_BACKEND = "digifys.notifications.channels.HttpSmsBackend"
    settings.NOTIFICATION_SMS_URL = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    settings.NOTIFICATION_SMS_TOKEN = "test-token"
    settings.NOTIFICATION_SMS_SENDER = "Digifys"
    settings.NOTIFICATION_SMS_TIMEOUT = 1
    yield state
    server.shutdown()
    server.server_close()


def test_a_message_is_posted_as_json_with_the_token(provider):
    HttpSmsBackend().send_sms("+46701234567", "Hej")
    (request,) = provider.requests
    assert request["path"] == "/v1/sms"
    assert request["auth"] == "Bearer test-token"
    assert request["type"] == "application/json"
    assert request["json"] == {"to": "+46701234567", "from": "Digifys", "message": "Hej"}


def test_a_server_error_is_a_failure_worth_retrying(provider):
    provider.status = 500
    with pytest.raises(SmsError) as raised:
        HttpSmsBackend().send_sms("+46701234567", "Hej")
    assert str(raised.value) == "SMS provider answered HTTP 500"
    assert not raised.value.permanent


def test_a_rejected_number_is_a_permanent_failure(provider):
    provider.status = 400
    with pytest.raises(SmsError) as raised:
        HttpSmsBackend().send_sms("+46701234567", "Hej")
    assert raised.value.permanent


def test_a_provider_that_does_not_answer_in_time_is_a_timeout(provider):
    provider.delay = 2.5
    started = time.monotonic()
    with pytest.raises(SmsError) as raised:
        HttpSmsBackend().send_sms("+46701234567", "Hej")
    assert time.monotonic() - started < 2.4
    assert raised.value.timeout
    assert "did not answer within 1 s" in str(raised.value)


def test_an_unreachable_provider_is_a_failure(settings):
    settings.NOTIFICATION_SMS_URL = "http://127.0.0.1:9/"  # discard port: nothing listens
    settings.NOTIFICATION_SMS_TIMEOUT = 1
    with pytest.raises(SmsError) as raised:
        HttpSmsBackend().send_sms("+46701234567", "Hej")
    assert "unreachable" in str(raised.value)


@pytest.mark.django_db(transaction=True)
def test_a_delivery_through_the_provider_is_retried_then_sent(world, provider, settings):
    settings.NOTIFICATION_RETRY_SECONDS = 0
    settings.SITE_URL = "https://digifys.example.se"
    user = world.relative_with_consent
    user.language = "en"
    user.save()
    DeliverySettings.objects.create(user=user, mobile="+46701234567")
    NotificationPreference.objects.create(user=user, kind="relative_update", channel="sms")
    provider.status = 500
    notify(recipients=[user], kind="relative_update", text="Update about Greta Lind", link="/")
    row = Delivery.objects.get()
    assert delivery.attempt(delivery_id=row.pk) == "retrying"
    row.refresh_from_db()
    assert (row.problem, row.last_error) == ("temporary", "SMS provider answered HTTP 500")
    provider.status = 200  # the provider is back
    call_command("db_worker", batch=True, verbosity=0, startup_delay=False)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(provider.requests) == 2
    sent = provider.requests[-1]["json"]
    assert sent["message"] == "There is a new message from Malåhemmet: https://digifys.example.se/"
    assert "Greta" not in sent["message"]
