"""The company's pages: API clients, request log, conformance report (page and PDF), live view."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from digifys.fhir.auth import token_hash
from digifys.fhir.models import ApiClient
from digifys.fhir.tests.conftest import panel, vital
from digifys.testbed.models import RequestLog
from digifys.testing.accounts import complete_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(client, sandbox):
    user = sandbox.application.user
    user.language = "en"  # the report's English wording is asserted below
    user.save(update_fields=["language"])
    client.force_login(user)
    complete_second_factor(client, user)
    return client


def _new_token(company) -> str:
    page = company.post(reverse("testbed:clients"), {"name": "Wristband"}).content.decode()
    return re.search(r'<code id="new-token">([^<]+)</code>', page)[1]


def test_a_new_clients_token_is_shown_once_and_acts_for_the_device_user(company, sandbox):
    token = _new_token(company)
    client = ApiClient.objects.get(name="Wristband")
    assert client.token_hash == token_hash(token) and client.user == sandbox.device_user
    assert token not in company.get(reverse("testbed:clients")).content.decode()
    assert company.get("/fhir/R4/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_revoking_asks_first_and_then_the_token_stops_working(company, sandbox):
    token = _new_token(company)
    client = ApiClient.objects.get(name="Wristband")
    url = reverse("testbed:revoke", args=[client.pk])
    assert company.get(url).status_code == 200
    client.refresh_from_db()
    assert client.revoked_at is None
    assert company.post(url).status_code == 302
    assert company.get("/fhir/R4/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_another_companys_client_cannot_be_revoked(company, world):
    from digifys.fhir import services as fhir_services

    other, _token = fhir_services.register_client(
        actor=world.administrator, user=world.nurse_mala, name="Region", scopes="user/*.read"
    )
    assert company.post(reverse("testbed:revoke", args=[other.pk])).status_code == 404


def test_the_log_and_report_show_what_the_clients_sent(company, sandbox):
    token = _new_token(company)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    resident = sandbox.unit.residents.order_by("room").last()
    now = timezone.localtime().isoformat(timespec="seconds")
    response = company.post(
        "/fhir/R4", panel(resident.pk, when=now), content_type="application/fhir+json", **auth
    )
    assert response.status_code == 200, response.content
    # A heart rate in the wrong unit, refused.
    wrong = vital(resident.pk, "8867-4", 72, "beats")
    refused = company.post(
        "/fhir/R4/Observation", wrong, content_type="application/fhir+json", **auth
    )
    assert refused.status_code >= 400
    company.get("/fhir/R4/Patient?_count=5", **auth)
    assert RequestLog.objects.count() == 3
    log = company.get(reverse("testbed:log")).content.decode()
    assert "POST /fhir/R4" in log and "Wristband" in log
    page = company.get(reverse("testbed:report")).content.decode()
    assert "transaction Bundle: 1" in page and "create Observation: 1" in page
    assert "search-type Patient: 1" in page
    refused_issue = RequestLog.objects.get(status__gte=400).issues
    assert refused_issue and f"<code>{refused_issue[0]}</code>: 1" in page
    assert "http://loinc.org|8867-4 with unit beats (expected /min): 1" in page
    assert re.search(r"NEWS2 6</li>", page)
    pdf = company.get(reverse("testbed:report_pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    live = company.get(reverse("testbed:live")).content.decode()
    assert resident.family_name in live


def test_region_requests_are_not_logged(world, client):
    from digifys.fhir import services as fhir_services

    _client, token = fhir_services.register_client(
        actor=world.administrator, user=world.nurse_mala, name="Region", scopes="user/*.read"
    )
    client.get("/fhir/R4/Patient", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert not RequestLog.objects.exists()


def test_the_report_of_one_client_counts_only_its_requests(company, sandbox, world):
    first = _new_token(company)
    company.post(reverse("testbed:clients"), {"name": "Scale"})
    second_client = ApiClient.objects.get(name="Scale")
    company.get("/fhir/R4/Patient", HTTP_AUTHORIZATION=f"Bearer {first}")
    page = company.get(reverse("testbed:report"), {"client": second_client.pk}).content.decode()
    assert "No requests yet." in page
    from digifys.fhir import services as fhir_services

    other, _token = fhir_services.register_client(
        actor=world.administrator, user=world.nurse_mala, name="Region", scopes="user/*.read"
    )
    assert company.get(reverse("testbed:report"), {"client": other.pk}).status_code == 404
