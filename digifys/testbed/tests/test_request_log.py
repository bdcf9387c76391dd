"""The request log records a sandbox's clients of both kinds — static-token clients and key
clients (SMART Backend Services) — under their names, and nothing of the region's clients; a
region request costs the log no more queries than before key clients were logged."""

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from digifys.fhir import services as fhir_services
from digifys.fhir.tests.conftest import panel
from digifys.fhir.tests.test_smart import Key, _token_request
from digifys.testbed import services
from digifys.testbed.models import RequestLog
from digifys.testing.accounts import complete_second_factor

pytestmark = pytest.mark.django_db

LOG_MIDDLEWARE = "digifys.testbed.middleware.RequestLogMiddleware"


@pytest.fixture
def company(client, sandbox):
    user = sandbox.application.user
    user.language = "en"  # English wording is asserted below
    user.save(update_fields=["language"])
    client.force_login(user)
    complete_second_factor(client, user)
    return client


def _key_client(company, sandbox, name="Wristband key"):
    """A key client registered by the company and a bearer header of a token it was given."""
    key = Key("ES384")
    smart = services.create_key_client(
        actor=sandbox.application.user,
        application=sandbox.application,
        name=name,
        jwks=key.jwks,
    )
    token = _token_request(
        company,
        key.assertion(smart.application.client_id),
        scope="system/Patient.read system/Observation.write",
    )
    assert token.status_code == 200, token.content
    return smart, {"HTTP_AUTHORIZATION": f"Bearer {token.json()['access_token']}"}


def _region_key_client(client, world):
    key = Key("RS384")
    smart = fhir_services.register_backend_client(
        actor=world.administrator,
        user=world.nurse_mala,
        name="Region device",
        jwks=key.jwks,
        scopes="system/*.read",
    )
    token = _token_request(client, key.assertion(smart.application.client_id)).json()
    return {"HTTP_AUTHORIZATION": f"Bearer {token['access_token']}"}


def test_a_sandbox_key_clients_requests_are_logged_under_its_name(company, sandbox):
    smart, auth = _key_client(company, sandbox)
    resident = sandbox.unit.residents.order_by("room").last()
    now = timezone.localtime().isoformat(timespec="seconds")
    sent = company.post(
        "/fhir/R4", panel(resident.pk, when=now), content_type="application/fhir+json", **auth
    )
    assert sent.status_code == 200, sent.content
    assert company.get("/fhir/R4/Patient?_count=5", **auth).status_code == 200
    rows = RequestLog.objects.order_by("at")
    assert [(row.method, row.key_client_id, row.client_id) for row in rows] == [
        ("POST", smart.pk, None),
        ("GET", smart.pk, None),
    ]
    assert rows[0].codings  # the panel's quantities, for the report
    log = company.get(reverse("testbed:log")).content.decode()
    assert "Wristband key" in log and "POST /fhir/R4" in log
    page = company.get(reverse("testbed:report"), {"client": f"key-{smart.pk}"})
    text = page.content.decode()
    assert "2 requests, 0 refused." in text and "transaction Bundle: 1" in text
    assert f'value="key-{smart.pk}" selected>Wristband key' in text
    assert f"?client=key-{smart.pk}" in text  # the PDF of the same client
    pdf = company.get(reverse("testbed:report_pdf"), {"client": f"key-{smart.pk}"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_report_of_a_token_client_leaves_out_the_key_clients_requests(company, sandbox):
    _smart, auth = _key_client(company, sandbox)
    token_client, token = services.create_client(
        actor=sandbox.application.user, application=sandbox.application, name="Scale"
    )
    company.get("/fhir/R4/Patient", **auth)
    company.get("/fhir/R4/Patient", HTTP_AUTHORIZATION=f"Bearer {token}")
    company.get("/fhir/R4/Patient/1", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert RequestLog.objects.get(client=None).key_client_id == _smart.pk
    page = company.get(reverse("testbed:report"), {"client": token_client.pk}).content.decode()
    assert "2 requests" in page
    everything = company.get(reverse("testbed:report")).content.decode()
    assert "3 requests" in everything
    log = company.get(reverse("testbed:log")).content.decode()
    assert "Scale" in log and "Wristband key" in log


def test_a_static_token_client_is_still_logged(company, sandbox):
    client, token = services.create_client(
        actor=sandbox.application.user, application=sandbox.application, name="Scale"
    )
    company.get("/fhir/R4/Patient", HTTP_AUTHORIZATION=f"Bearer {token}")
    row = RequestLog.objects.get()
    assert row.client == client and row.key_client is None


def test_a_region_smart_clients_requests_are_not_logged(client, world):
    auth = _region_key_client(client, world)
    assert client.get("/fhir/R4/Patient", **auth).status_code == 200
    assert not RequestLog.objects.exists()


def test_another_companys_key_client_has_no_report_here(company, world):
    other = fhir_services.register_backend_client(
        actor=world.administrator,
        user=world.nurse_mala,
        name="Region device",
        jwks=Key("RS384").jwks,
        scopes="system/*.read",
    )
    page = company.get(reverse("testbed:report"), {"client": f"key-{other.pk}"})
    assert page.status_code == 404


def _queries(path, auth, *, logged: bool) -> int:
    """The queries of one request, with or without the request log (a new test client loads
    the middleware as the settings say)."""
    middleware = [m for m in settings.MIDDLEWARE if logged or m != LOG_MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware):
        client = Client()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, **auth).status_code == 200
    return len(queries)


def test_a_region_smart_request_costs_the_log_no_query(client, world):
    auth = _region_key_client(client, world)
    client.get("/fhir/R4/Patient", **auth)  # warm caches
    without = _queries("/fhir/R4/Patient", auth, logged=False)
    assert _queries("/fhir/R4/Patient", auth, logged=True) == without


def test_a_region_static_token_request_costs_the_log_one_query_as_before(client, world):
    _client, token = fhir_services.register_client(
        actor=world.administrator, user=world.nurse_mala, name="Region", scopes="user/*.read"
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.get("/fhir/R4/Patient", **auth)  # warm caches
    without = _queries("/fhir/R4/Patient", auth, logged=False)
    assert _queries("/fhir/R4/Patient", auth, logged=True) == without + 1


def test_removing_a_key_client_removes_its_requests_as_the_page_says(company, sandbox):
    smart, auth = _key_client(company, sandbox)
    company.get("/fhir/R4/Patient", **auth)
    url = reverse("testbed:key_revoke", args=[smart.pk])
    page = company.get(url).content.decode()
    assert "removed from the request log and the conformance report" in page
    assert RequestLog.objects.count() == 1  # asking changes nothing
    assert company.post(url).status_code == 302
    assert not RequestLog.objects.exists()
    assert "0 requests" in company.get(reverse("testbed:report")).content.decode()


def test_revoking_a_token_client_keeps_its_requests_as_the_page_says(company, sandbox):
    client, token = services.create_client(
        actor=sandbox.application.user, application=sandbox.application, name="Scale"
    )
    company.get("/fhir/R4/Patient", HTTP_AUTHORIZATION=f"Bearer {token}")
    url = reverse("testbed:revoke", args=[client.pk])
    assert "stay in the request log" in company.get(url).content.decode()
    company.post(url)
    assert RequestLog.objects.filter(client=client).count() == 1
    assert "Scale" in company.get(reverse("testbed:log")).content.decode()


def test_a_log_row_names_exactly_one_client(sandbox, world):
    client, _token = services.create_client(
        actor=sandbox.application.user, application=sandbox.application, name="Scale"
    )
    smart = services.create_key_client(
        actor=sandbox.application.user,
        application=sandbox.application,
        name="Key",
        jwks=Key("RS384").jwks,
    )
    fields = {"method": "GET", "path": "/fhir/R4/Patient", "status": 200, "latency_ms": 1.0}
    for clients in ({}, {"client": client, "key_client": smart}):
        with pytest.raises(IntegrityError), transaction.atomic():
            RequestLog.objects.create(**clients, **fields)
    assert not RequestLog.objects.exists()
