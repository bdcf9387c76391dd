"""The coordinator's register pages: list, edit, documents (PDF only, size limit), checklist."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from digifys.clinicians.models import ChecklistTick, Clinician, ClinicianDocument
from digifys.clinicians.validators import MAX_DOCUMENT_BYTES

from .conftest import entry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(client, clinician, name="licence.pdf", content=PDF, **extra):
    data = {"kind": "licence", "expires_on": "2027-06-30", **extra}
    data["file"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(reverse("clinicians:upload", args=[clinician.pk]), data)


def test_a_pdf_is_uploaded_and_served_only_after_the_access_check(world, login):
    clinician = entry(world.physician_spain)
    coordinator = login(world.coordinator, language="en")
    assert _upload(coordinator, clinician).status_code == 302
    document = ClinicianDocument.objects.get()
    assert document.uploaded_by == world.coordinator
    url = reverse("clinicians:document", args=[document.pk])
    served = coordinator.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF
    # The page links to the checked view, not to a media URL.
    page = coordinator.get(reverse("clinicians:detail", args=[clinician.pk])).content.decode()
    assert url in page and document.file.url not in page
    # (login() logs the one test client in as someone else.)
    assert login(world.physician_spain).get(url).status_code == 200  # their own
    assert login(world.other_physician).get(url).status_code == 403
    assert login(world.nurse_mala).get(url).status_code == 403


def test_a_file_that_is_not_a_pdf_is_refused_with_the_reason(world, login):
    clinician = entry(world.physician_spain)
    client = login(world.coordinator, language="en")
    renamed = _upload(client, clinician, name="photo.pdf", content=b"\x89PNG\r\n\x1a\n....")
    assert renamed.status_code == 400
    assert "not a PDF" in renamed.content.decode()
    wrong_name = _upload(client, clinician, name="licence.exe")
    assert wrong_name.status_code == 400
    assert not ClinicianDocument.objects.exists()


def test_a_pdf_over_the_limit_is_refused(world, login):
    clinician = entry(world.physician_spain)
    client = login(world.coordinator, language="en")
    big = PDF + b"\0" * (MAX_DOCUMENT_BYTES - len(PDF) + 1)
    response = _upload(client, clinician, content=big)
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not ClinicianDocument.objects.exists()


def test_the_checklist_keeps_who_ticked_what_and_when(world, login):
    clinician = entry(world.physician_spain, recruitment_status="onboarding")
    client = login(world.coordinator, language="en")
    url = reverse("clinicians:tick", args=[clinician.pk])
    assert client.post(url, {"step": "second_factor", "done": "on"}).status_code == 302
    tick = ChecklistTick.objects.get()
    assert (tick.step, tick.ticked_by) == ("second_factor", world.coordinator)
    page = client.get(reverse("clinicians:detail", args=[clinician.pk])).content.decode()
    assert "ticked by Eva Coordinator" in page
    client.post(url, {"step": "second_factor"})  # untick
    assert not ChecklistTick.objects.exists()


def test_the_register_lists_filters_and_shows_who_is_blocked(world, login):
    carmen = entry(world.physician_spain, licence_status=Clinician.Licence.WITHDRAWN)
    david = entry(world.other_physician)

    def cell(clinician):
        url = reverse("clinicians:detail", args=[clinician.pk])
        return f'<td><a href="{url}">{clinician.staff.name}</a></td>'

    client = login(world.coordinator, language="en")
    page = client.get(reverse("clinicians:register")).content.decode()
    assert "Blocked, and why" in page
    assert "Carmen Doctor&#x27;s Swedish licence has been withdrawn." in page
    assert cell(carmen) in page and cell(david) in page
    filtered = client.get(reverse("clinicians:register"), {"licence": "valid"}).content.decode()
    assert cell(david) in filtered and cell(carmen) not in filtered
    searched = client.get(reverse("clinicians:register"), {"q": "carm"}).content.decode()
    assert cell(carmen) in searched and cell(david) not in searched


def test_a_supervisor_without_a_valid_licence_is_refused(world, login):
    clinician = entry(world.physician_spain, licence_status="in_process")
    entry(world.other_physician, licence_status="withdrawn")
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("clinicians:edit", args=[clinician.pk]),
        {
            "recruitment_status": "onboarding",
            "contract": "clinic",
            "licence_profession": "physician",
            "licence_status": "in_process",
            "eu_recognition": "in_process",
            "supervisor": world.other_physician.staff_profile.pk,
            "place-work_city": "Málaga",
            "place-time_zone": "Europe/Madrid",
        },
    )
    assert response.status_code == 400
    assert "must hold a valid Swedish licence" in response.content.decode()
    clinician.refresh_from_db()
    assert clinician.supervisor is None


def test_the_register_page_makes_a_bounded_number_of_queries(
    world, login, django_assert_max_num_queries
):
    from digifys.testing.world import make_staff

    for number in range(30):
        staff = make_staff(f"recruit{number}.doctor", "physician", world.clinic)
        Clinician.objects.create(
            staff=staff,
            licence_status="withdrawn" if number % 2 else "valid",
            recruitment_status="active",
        )
    client = login(world.coordinator, language="en")
    client.get(reverse("clinicians:register"))  # warm the session and caches
    with django_assert_max_num_queries(25):
        response = client.get(reverse("clinicians:register"))
    assert response.status_code == 200
    assert response.content.decode().count("licence has been withdrawn") >= 15
