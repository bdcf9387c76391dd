import re

import pytest
from django.core import mail
from django.urls import reverse

from digifys.testbed import orgnr
from digifys.testbed.models import Application

from .conftest import FORM

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("556677-8899", "556677-8899"),
        ("5560360793", "556036-0793"),
        ("556677-8898", None),  # wrong check digit
        ("551677-8892", None),  # third digit below 2: a personnummer, not an organisation
        ("55667788", None),
    ],
)
def test_organisation_numbers_are_checked_with_luhn(text, expected):
    assert orgnr.normalise(text) == expected


@pytest.mark.parametrize("language", ["sv", "en", "es"])
def test_the_public_page_explains_the_testbed_in_each_language(client, language):
    client.cookies["django_language"] = language
    response = client.get(reverse("testbed:index"))
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert "NEWS2" in response.content.decode()


def test_it_stores_the_application_and_mails_applicant_and_coordinators(
    world, client, django_capture_on_commit_callbacks
):
    world.coordinator.email = "samordnare@example.com"
    world.coordinator.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("testbed:index"), FORM)
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.organisation_number == "556677-8899"
    assert application.resources == ["Observation", "Patient"]
    assert application.language == "sv"
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["kim@example.com", "samordnare@example.com"]
    receipt = next(m for m in mail.outbox if m.to == ["kim@example.com"])
    assert "Sensorbolaget AB" in receipt.body
    page = client.get(response["Location"]).content.decode()
    assert "kim@example.com" in page


def test_a_bad_organisation_number_is_refused_with_nothing_lost(client):
    client.cookies["django_language"] = "es"
    response = client.post(reverse("testbed:index"), {**FORM, "organisation_number": "556677-8898"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Sensorbolaget AB" in page and "Vital signs from a wristband." in page
    assert re.search(r'value="Observation"[^>]*checked', page)
    assert not re.search(r'value="Task"[^>]*checked', page)
    assert "organización" in page  # the error in Spanish
    assert not Application.objects.exists()
