import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse

from digifys.audit import services
from digifys.audit.models import AuditEvent

NOT_COORDINATORS = [
    "nurse_mala",
    "nurse_storuman",
    "physician_spain",
    "other_physician",
    "administrator",
    "relative_with_consent",
    "relative_without",
]
EVENING = datetime.datetime(2026, 3, 10, 22, 30, 15, tzinfo=datetime.UTC)  # 23:30:15 in Sweden
NAMES = ("audit:extract", "audit:extract_csv", "audit:extract_pdf")


@pytest.fixture
def accesses(world):
    with time_machine.travel(EVENING, tick=False):
        services.record(
            actor=world.physician_spain,
            action="read",
            resident=world.resident_mala,
            object_type="resident",
        )
    services.record(
        actor=world.nurse_mala,
        action="update",
        resident=world.resident_mala,
        object_type="resident",
    )
    services.record(
        actor=world.nurse_storuman,
        action="read",
        resident=world.resident_storuman,
        object_type="resident",
    )


@pytest.mark.parametrize("persona", NOT_COORDINATORS)
@pytest.mark.parametrize("name", NAMES)
def test_only_coordinators_get_a_log_extract(world, login, persona, name):
    response = login(world.persona(persona)).get(reverse(name, args=[world.resident_mala.pk]))
    assert response.status_code == 403
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_resident_is_not_found(world, login, name):
    response = login(world.coordinator).get(reverse(name, args=[999_999]))
    assert response.status_code == 404


def test_the_extract_shows_who_accessed_the_resident_when_and_why(world, login, accesses):
    client = login(world.coordinator, language="en")
    response = client.get(reverse("audit:extract", args=[world.resident_mala.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Greta Lind" in html
    assert "Carmen Doctor" in html and "Physician" in html
    assert "Västerbotten utan gränser – Málaga" in html
    assert "2026-03-10 23:30:15" in html
    assert "Anna Nurse" in html and "Malåhemmet – Avd 1 Björken" in html and "Update" in html
    assert "Bertil Nurse" not in html  # accessed another resident only
    logged = AuditEvent.objects.order_by("seq").last()
    assert (logged.action, logged.object_type, logged.purpose) == (
        "read",
        "log_extract",
        "patient_request",
    )
    assert (logged.actor, logged.resident) == (world.coordinator, world.resident_mala)


def test_the_extract_can_be_limited_to_a_period(world, login, accesses):
    client = login(world.coordinator, language="en")
    response = client.get(
        reverse("audit:extract", args=[world.resident_mala.pk]),
        {"since": "2026-03-10", "until": "2026-03-10"},
    )
    html = response.content.decode()
    assert "Carmen Doctor" in html
    assert "Anna Nurse" not in html
    assert "since=2026-03-10" in html  # the downloads keep the period


def test_the_extract_is_paginated(world, login, settings):
    settings.DIGIFYS_PAGE_SIZE = 5
    services.record_many(
        actor=world.nurse_mala,
        action="read",
        residents=[world.resident_mala] * 12,
        object_type="resident",
    )
    client = login(world.coordinator, language="en")
    html = client.get(
        reverse("audit:extract", args=[world.resident_mala.pk]), {"page": 3}
    ).content.decode()
    assert "Page 3 of 3" in html


def test_the_csv_extract_is_downloaded_and_logged(world, login, accesses):
    client = login(world.coordinator, language="en")
    response = client.get(reverse("audit:extract_csv", args=[world.resident_mala.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "Time (Swedish time)",
        "Name",
        "Role",
        "Unit or organisation",
        "Action",
        "Purpose",
    ]
    assert [
        "2026-03-10 23:30:15",
        "Carmen Doctor",
        "Physician",
        "Västerbotten utan gränser – Málaga",
        "Read",
        "Care",
    ] in rows
    assert len(rows) == 3
    logged = AuditEvent.objects.order_by("seq").last()
    assert (logged.action, logged.object_type, logged.details["format"]) == (
        "export",
        "log_extract",
        "csv",
    )


def test_formulas_are_defused_in_the_csv(world, login):
    world.nurse_mala.first_name = "=HYPERLINK(1)"
    world.nurse_mala.save()
    services.record(
        actor=type(world.nurse_mala).objects.get(pk=world.nurse_mala.pk),
        action="read",
        resident=world.resident_mala,
        object_type="resident",
    )
    text = (
        login(world.coordinator)
        .get(reverse("audit:extract_csv", args=[world.resident_mala.pk]))
        .content.decode("utf-8-sig")
    )
    assert ";'=HYPERLINK(1) Nurse;" in text


def test_the_pdf_extract_is_downloaded_and_logged(world, login, accesses):
    client = login(world.coordinator, language="sv")
    response = client.get(reverse("audit:extract_pdf", args=[world.resident_mala.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"DejaVuSans" in response.content  # a Unicode font is embedded for å, ä, ö, é
    logged = AuditEvent.objects.order_by("seq").last()
    assert (logged.action, logged.object_type, logged.details["format"]) == (
        "export",
        "log_extract",
        "pdf",
    )
    assert logged.resident == world.resident_mala


def test_an_empty_pdf_extract_says_so(world, login):
    response = login(world.coordinator).get(
        reverse("audit:extract_pdf", args=[world.resident_storuman.pk])
    )
    assert response.content.startswith(b"%PDF")
