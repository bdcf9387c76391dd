"""The company sees its subscriptions and their delivery log (issue 14 §4): each attempt with its
time, status code, attempt number, error and next try; a subscription in `error` says so."""

import re

import pytest
from django.urls import reverse

from digifys.fhir import subscriptions
from digifys.fhir.models import SubscriptionNotification
from digifys.fhir.tests.conftest import panel
from digifys.fhir.tests.test_subscriptions import NEWS2_AT_LEAST_5, Receiver, _subscription
from digifys.testing.accounts import complete_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(client, sandbox, settings):
    settings.FHIR_SUBSCRIPTION_ALLOW_PRIVATE_ENDPOINTS = True  # the receiver is on 127.0.0.1
    settings.FHIR_SUBSCRIPTION_RETRY_SECONDS = 0
    settings.FHIR_SUBSCRIPTION_ERROR_AFTER = 2
    settings.DIGIFYS_PAGE_SIZE = 2
    user = sandbox.application.user
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    complete_second_factor(client, user)
    return client


def test_the_company_sees_each_delivery_attempt_and_the_error_status(company, sandbox):
    page = company.post(reverse("testbed:clients"), {"name": "Wristband"}).content.decode()
    token = re.search(r'<code id="new-token">([^<]+)<', page)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    empty = company.get(reverse("testbed:deliveries")).content.decode()
    assert "No notification has been sent yet." in empty

    receiver = Receiver(fail=3)
    try:
        created = company.post(
            "/fhir/R4/Subscription",
            _subscription(receiver.url, NEWS2_AT_LEAST_5),
            content_type="application/fhir+json",
            **auth,
        )
        assert created.status_code == 201, created.content
        resident = sandbox.unit.residents.active().first()
        bundle = panel(resident.pk)  # a deteriorating set: NEWS2 6
        sent = company.post("/fhir/R4", bundle, content_type="application/fhir+json", **auth)
        assert sent.status_code == 200, sent.content
        location = sent.json()["entry"][0]["response"]["location"]  # Observation/<set>-<part>
        observation_id = int(location.split("/")[1].split("-")[0])
        (notification_id,) = subscriptions.match_observation(observation_id)
        for _attempt in range(3):
            subscriptions.attempt(notification_id=notification_id)
    finally:
        receiver.close()

    notification = SubscriptionNotification.objects.get(pk=notification_id)
    assert (notification.status, notification.attempts) == ("retrying", 3)
    first = company.get(reverse("testbed:deliveries")).content.decode()
    assert "HTTP 500" in first and "Failed, will try again" in first
    assert "3 failed attempts in a row" in first  # the subscription is in error, and says so
    assert "Page 1 of 2" in first
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", first.split('id="h-deliveries"')[1], re.S)
    assert len(rows) == 2  # newest first: attempt 3 (with its next try), then attempt 2
    assert "<td>3</td>" in rows[0] and "<td>2</td>" in rows[1]
    second = company.get(reverse("testbed:deliveries") + "?page=2").content.decode()
    assert "<td>1</td>" in second and "Page 2 of 2" in second


def test_another_companys_deliveries_are_not_shown(company, world):
    page = company.get(reverse("testbed:deliveries")).content.decode()
    assert "Your clients have no subscriptions." in page
