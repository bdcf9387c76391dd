"""Staff working abroad (issue #17 §6): where a login comes from, shown in the log review; the
purpose asked before a download from abroad; downloads switched off per role."""

import pytest
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from digifys.audit import abroad, services
from digifys.audit.models import AuditEvent, StaffSession
from digifys.audit.tests.helpers import review_of_an_emergency_access, work_abroad
from digifys.clinicians.models import Clinician, ClinicianDocument


def test_a_staff_login_records_the_country_they_work_from(world, login):
    login(world.physician_spain)
    session = StaffSession.objects.get(user=world.physician_spain)
    assert (session.country, session.city, session.abroad) == ("ES", "Málaga", True)

    login(world.nurse_mala)
    assert StaffSession.objects.get(user=world.nurse_mala).abroad is False


def test_the_session_records_the_client_address(world):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    session = abroad.record_session(user=world.physician_spain, request=request)
    assert session.ip_address == "192.0.2.7"


def test_a_relative_login_records_no_staff_session(world, login):
    login(world.relative_with_consent)
    assert not StaffSession.objects.exists()


def test_the_log_review_shows_where_the_user_worked_from(world, login):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    abroad.record_session(user=world.physician_spain, request=request)
    review = review_of_an_emergency_access(world)
    assert review.items.exists()

    page = login(world.coordinator, language="en").get(reverse("audit:review", args=[review.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Worked from" in html and "Spain, Málaga" in html and "192.0.2.7" in html
    assert "Logins from abroad in this period" in html
    assert world.physician_spain.get_full_name() in html.split("Logins from abroad")[1]

    sv = login(world.coordinator, language="sv").get(reverse("audit:review", args=[review.pk]))
    assert "Spanien, Málaga" in sv.content.decode()


def test_the_log_review_says_when_nobody_logged_in_from_abroad(world, login):
    today = timezone.localdate()
    review = services.start_review(
        actor=world.coordinator, period_start=today, period_end=today, sample_size=0
    )
    page = login(world.coordinator, language="en").get(reverse("audit:review", args=[review.pk]))
    assert "No staff member logged in from abroad in this period." in page.content.decode()


# --- Downloads ---------------------------------------------------------------------------------


def _exports():
    return AuditEvent.objects.filter(action="export", object_type="log_extract")


@pytest.mark.parametrize("name", ["audit:extract_csv", "audit:extract_pdf"])
def test_a_coordinator_abroad_states_a_purpose_before_a_download(world, login, name):
    client = login(work_abroad(world.coordinator), language="en")
    url = reverse(name, args=[world.resident_mala.pk]) + "?since=2026-01-01"

    form = client.get(url)
    assert form.status_code == 200
    assert form["Content-Type"].startswith("text/html")
    assert "You are working from abroad (Spain) today" in form.content.decode()
    assert f'action="{url}"' in form.content.decode().replace("&amp;", "&")
    assert not _exports().exists()

    empty = client.post(url, {"purpose": "  "})
    assert empty.status_code == 400
    assert "Say why you need the file: it is required from abroad." in empty.content.decode()
    assert not _exports().exists()

    download = client.post(url, {"purpose": "Patientens begäran via telefon"})
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    entry = _exports().get()
    assert entry.details["abroad"] == "ES"
    assert entry.details["reason"] == "Patientens begäran via telefon"
    assert entry.details["period"] == "From 2026-01-01"


def test_a_too_long_purpose_is_refused_and_kept(world, login):
    client = login(work_abroad(world.coordinator), language="en")
    url = reverse("audit:extract_csv", args=[world.resident_mala.pk])
    text = "x" * (abroad.PURPOSE_MAX_CHARS + 1)
    response = client.post(url, {"purpose": text})
    assert response.status_code == 400
    assert text in response.content.decode()
    assert not _exports().exists()


def test_a_coordinator_at_home_downloads_without_a_purpose(world, login):
    client = login(world.coordinator)
    response = client.get(reverse("audit:extract_csv", args=[world.resident_mala.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "abroad" not in _exports().get().details


def test_the_region_can_switch_downloads_from_abroad_off_per_role(world, login, settings):
    settings.DOWNLOADS_ABROAD_REFUSED_ROLES = ["coordinator"]
    client = login(work_abroad(world.coordinator), language="es")
    url = reverse("audit:extract_pdf", args=[world.resident_mala.pk])

    for response in (client.get(url), client.post(url, {"purpose": "Behövs"})):
        assert response.status_code == 403
        assert response["Content-Type"].startswith("text/html")
        assert "España" in response.content.decode()  # the message is in the reader's language
    refused = _exports().filter(details__refused=True)
    assert refused.count() == 2
    assert not _exports().exclude(details__refused=True).exists()


def test_switching_off_one_role_leaves_the_others(world, login, settings):
    settings.DOWNLOADS_ABROAD_REFUSED_ROLES = ["nurse"]
    client = login(work_abroad(world.coordinator), language="en")
    url = reverse("audit:extract_pdf", args=[world.resident_mala.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"purpose": "Begäran"})["Content-Type"] == "application/pdf"


@pytest.fixture
def own_document(world):
    clinician, _ = Clinician.objects.get_or_create(staff=world.physician_spain.staff_profile)
    document = ClinicianDocument(clinician=clinician, kind="licence", uploaded_by=world.coordinator)
    document.file.save("licence.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return document


def test_a_physician_abroad_states_a_purpose_before_opening_a_pdf(world, login, own_document):
    client = login(world.physician_spain, language="en")
    url = reverse("clinicians:document", args=[own_document.pk])
    assert "Purpose of the download" in client.get(url).content.decode()

    response = client.post(url, {"purpose": "Till HR i Sverige"})
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    entry = AuditEvent.objects.get(object_type="clinician_document")
    assert entry.details == {"abroad": "ES", "reason": "Till HR i Sverige"}


def test_a_physician_abroad_is_refused_a_pdf_when_the_role_is_switched_off(
    world, login, own_document, settings
):
    settings.DOWNLOADS_ABROAD_REFUSED_ROLES = ["physician"]
    client = login(world.physician_spain, language="en")
    response = client.post(reverse("clinicians:document", args=[own_document.pk]), {"purpose": "x"})
    assert response.status_code == 403
    assert "the region does not allow your role to download files" in response.content.decode()
