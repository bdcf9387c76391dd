"""The admin shows registration data only, checks it like the service does, and logs every view."""

from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.residents.models import Diagnosis, Resident

MALA_NUMBER = "19261223-9232"  # on Skatteverket's test list


def _add(client, code: str):
    return client.post(
        reverse("admin:residents_resident_add"),
        {
            "identity_number": MALA_NUMBER,
            "given_name": "Sigrid",
            "family_name": "Holm",
            "birth_date": "1926-12-23",
            "home_municipality_code": code,
            "unit": "",
            "room": "3",
            "preferred_languages": '["sv"]',
            "status": "active",
            "relatives-TOTAL_FORMS": "0",
            "relatives-INITIAL_FORMS": "0",
        }
        | {"unit": str(client.unit_pk)},
    )


def test_the_admin_resident_page_shows_no_clinical_data_and_is_logged(world, login):
    Diagnosis.objects.create(resident=world.resident_mala, icd10_code="F32", text="Depression")
    client = login(world.administrator, language="en")
    before = AuditEvent.objects.count()
    page = client.get(reverse("admin:residents_resident_change", args=[world.resident_mala.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Depression" not in text
    assert "cognitive_baseline" not in text
    event = AuditEvent.objects.order_by("seq")[before:].get()
    assert (event.action, event.purpose, event.resident_id) == (
        "read",
        "administration",
        world.resident_mala.pk,
    )


def test_the_admin_list_logs_one_entry_per_resident_shown(world, login):
    client = login(world.administrator)
    before = AuditEvent.objects.count()
    assert client.get(reverse("admin:residents_resident_changelist")).status_code == 200
    logged = sorted(
        AuditEvent.objects.order_by("seq")[before:].values_list("resident_id", flat=True)
    )
    assert logged == sorted(Resident.objects.values_list("pk", flat=True))


def test_the_admin_refuses_a_resident_from_stockholm(world, login):
    client = login(world.administrator, language="en")
    client.unit_pk = world.unit_mala.pk
    response = _add(client, "0180")
    assert response.status_code == 200
    assert "Stockholms län" in response.content.decode()
    assert not Resident.objects.filter(family_name="Holm").exists()


def test_the_admin_stores_a_new_resident_canonically_and_logs_it(world, login):
    client = login(world.administrator)
    client.unit_pk = world.unit_mala.pk
    response = _add(client, "2418")
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "errorlist" in line
    ]
    resident = Resident.objects.get(family_name="Holm")
    assert (resident.identity_number, resident.identity_kind) == ("192612239232", "personnummer")
    assert AuditEvent.objects.filter(resident=resident, action="create").count() == 1
