"""The request log records a sandbox's clients of both kinds — static-token clients and key
clients (SMART Backend Services) — under their names, and nothing of the region's clients; a
region request costs the log no more queries than before key clients were logged."""

import datetime

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


def _region_device(world):
    """A key client of the region (its user is no sandbox user): (key, SmartClient)."""
    key = Key("RS384")
    smart = fhir_services.register_backend_client(
        actor=world.administrator,
        user=world.nurse_mala,
        name="Region device",
        jwks=key.jwks,
        scopes="system/*.read",
    )
    return key, smart


def _region_key_client(client, world):
    key, smart = _region_device(world)
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
    assert [(row.method, row.path, row.key_client_id, row.client_id) for row in rows] == [
        ("POST", "/oauth/token", smart.pk, None),  # the access token it asked for
        ("POST", "/fhir/R4", smart.pk, None),
        ("GET", "/fhir/R4/Patient?_count=5", smart.pk, None),
    ]
    assert rows[1].codings  # the panel's quantities, for the report
    log = company.get(reverse("testbed:log")).content.decode()
    assert "Wristband key" in log and "POST /fhir/R4" in log
    page = company.get(reverse("testbed:report"), {"client": f"key-{smart.pk}"})
    text = page.content.decode()
    assert "3 requests, 0 refused." in text and "transaction Bundle: 1" in text
    assert "token: 1" in text
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
    assert set(RequestLog.objects.filter(client=None).values_list("key_client", flat=True)) == {
        _smart.pk
    }
    page = company.get(reverse("testbed:report"), {"client": token_client.pk}).content.decode()
    assert "2 requests" in page
    everything = company.get(reverse("testbed:report")).content.decode()
    assert "4 requests" in everything  # the key client's token request and its search too
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
    _key, other = _region_device(world)
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
    assert RequestLog.objects.count() == 2  # asking changes nothing (token request, search)
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


# --- requests refused before authentication -------------------------------------------------
# Logged under a key client only when they can be told to it safely: a bearer token it was
# issued, an assertion a key of its JWKS signed. Anyone can write its client id into a JWT.


def _registered_key(sandbox, key, name="Wristband key"):
    return services.create_key_client(
        actor=sandbox.application.user, application=sandbox.application, name=name, jwks=key.jwks
    )


def _refusals(company, smart) -> str:
    return company.get(reverse("testbed:report"), {"client": f"key-{smart.pk}"}).content.decode()


@pytest.mark.parametrize(
    "claims",
    [{"lifetime": -300}, {"aud": "https://elsewhere.example/token"}, {"sub": "someone-else"}],
    ids=["expired", "other-audience", "other-subject"],
)
def test_a_refused_assertion_its_key_signed_is_logged_under_the_key_client(
    company, sandbox, claims
):
    key = Key("ES384")
    smart = _registered_key(sandbox, key)
    refused = _token_request(company, key.assertion(smart.application.client_id, **claims))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"
    row = RequestLog.objects.get()
    assert (row.key_client_id, row.client_id, row.method, row.path, row.status, row.issues) == (
        smart.pk,
        None,
        "POST",
        "/oauth/token",
        400,
        ["invalid_client"],
    )
    page = _refusals(company, smart)
    assert "1 request, 1 refused." in page
    assert "<code>invalid_client</code>: 1" in page and "token: 1" in page


def test_a_replayed_assertion_is_logged_as_refused_after_the_first_was_logged_as_used(
    company, sandbox
):
    key = Key("RS384")
    smart = _registered_key(sandbox, key)
    assertion = key.assertion(smart.application.client_id)
    assert _token_request(company, assertion).status_code == 200
    assert _token_request(company, assertion).status_code == 400
    rows = RequestLog.objects.filter(key_client=smart).order_by("at")
    assert [(row.status, row.issues) for row in rows] == [(200, []), (400, ["invalid_client"])]


def test_a_scope_the_key_client_was_not_given_is_logged_as_refused(company, sandbox):
    key = Key("ES384")
    smart = _registered_key(sandbox, key)
    refused = _token_request(
        company, key.assertion(smart.application.client_id), scope="system/Practitioner.write"
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    assert RequestLog.objects.get(key_client=smart).issues == ["invalid_scope"]


def test_an_assertion_naming_the_client_but_not_signed_by_its_key_is_not_logged(company, sandbox):
    smart = _registered_key(sandbox, Key("ES384"))
    client_id = smart.application.client_id
    forged = Key("ES384").assertion(client_id)  # a key the client never registered
    for assertion in (forged, forged.rsplit(".", 1)[0] + ".", "not-a-jwt"):
        refused = _token_request(company, assertion)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"
    assert not RequestLog.objects.exists()
    assert "0 requests, 0 refused." in _refusals(company, smart)


def test_an_expired_bearer_token_is_logged_under_the_key_client_it_was_issued_to(company, sandbox):
    from oauth2_provider.models import AccessToken

    smart, auth = _key_client(company, sandbox)
    AccessToken.objects.update(expires=timezone.now() - datetime.timedelta(minutes=1))
    refused = company.get("/fhir/R4/Patient", **auth)
    assert refused.status_code == 401
    row = RequestLog.objects.filter(path="/fhir/R4/Patient").get()
    assert (row.key_client_id, row.status, row.issues) == (smart.pk, 401, ["login"])
    assert "2 requests, 1 refused." in _refusals(company, smart)


def test_an_unknown_or_revoked_bearer_token_is_not_logged(company, sandbox):
    from oauth2_provider.models import AccessToken

    _smart, auth = _key_client(company, sandbox)
    AccessToken.objects.all().delete()  # revoked: DOT deletes the token
    assert company.get("/fhir/R4/Patient", **auth).status_code == 401
    unknown = {"HTTP_AUTHORIZATION": "Bearer made-up-token"}
    assert company.get("/fhir/R4/Patient", **unknown).status_code == 401
    assert not RequestLog.objects.filter(path="/fhir/R4/Patient").exists()


def test_a_region_key_clients_refused_assertion_and_expired_token_are_not_logged(client, world):
    from oauth2_provider.models import AccessToken

    key, smart = _region_device(world)
    expired = key.assertion(smart.application.client_id, lifetime=-300)
    assert _token_request(client, expired).status_code == 400
    auth = _region_key_client(client, world)
    AccessToken.objects.update(expires=timezone.now() - datetime.timedelta(minutes=1))
    assert client.get("/fhir/R4/Patient", **auth).status_code == 401
    assert not RequestLog.objects.exists()


def test_a_region_key_clients_token_request_costs_the_log_no_query(world):
    key, smart = _region_device(world)
    counts = []
    for logged in (False, True):
        middleware = [m for m in settings.MIDDLEWARE if logged or m != LOG_MIDDLEWARE]
        with override_settings(MIDDLEWARE=middleware):
            client = Client()
            _token_request(client, key.assertion(smart.application.client_id))  # warm caches
            with CaptureQueriesContext(connection) as queries:
                token = _token_request(client, key.assertion(smart.application.client_id))
            assert token.status_code == 200, token.content
        counts.append(len(queries))
    assert counts[1] == counts[0]
    assert not RequestLog.objects.exists()
