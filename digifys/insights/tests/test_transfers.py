"""Hospital transfers: the nurse records, the physician judges; validation, access, the log."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.insights import services
from digifys.insights.models import HospitalTransfer

VALID = {
    "occurred_at": "2026-03-02 14:30",
    "kind": "emergency",
    "destination": "Skellefteå lasarett, akutmottagningen",
    "reason": "Fall, pain in the left hip",
    "consult_first": "yes",
}


@pytest.fixture
def mala(world):
    world.resident_mala.moved_in_on = datetime.date(2025, 1, 1)
    world.resident_mala.save()
    return world.resident_mala


def test_nurse_records_a_transfer(world, login, mala, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC))
    client = login(world.nurse_mala, language="en")
    url = reverse("insights:transfers", args=[mala.pk])
    before = AuditEvent.objects.count()
    response = client.post(url, VALID)
    assert response.status_code == 302
    transfer = HospitalTransfer.objects.get()
    assert transfer.kind == "emergency" and transfer.consult_first is True
    assert transfer.unit_id == mala.unit_id and transfer.avoidable is None
    # 14:30 Stockholm (CET) is 13:30 UTC.
    assert transfer.occurred_at == datetime.datetime(2026, 3, 2, 13, 30, tzinfo=datetime.UTC)
    created = AuditEvent.objects.filter(object_type="hospital_transfer", action="create")
    assert created.count() == 1 and AuditEvent.objects.count() == before + 1
    page = client.get(url)
    assert "Skellefteå lasarett" in page.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"occurred_at": ""}, "occurred_at", "Give the date and time"),
        ({"occurred_at": "yesterday"}, "occurred_at", "YYYY-MM-DD HH:MM"),
        ({"occurred_at": "2026-03-09 10:00"}, "occurred_at", "cannot be in the future"),
        ({"occurred_at": "2024-12-31 10:00"}, "occurred_at", "before the resident moved in"),
        ({"kind": "ambulance"}, "kind", "Choose a hospital admission"),
        ({"destination": "  "}, "destination", "Write where the resident went"),
        ({"reason": ""}, "reason", "Write why"),
        ({"consult_first": ""}, "consult_first", "digital consult happened first"),
    ],
)
def test_bad_input_keeps_what_was_typed(world, login, mala, time_machine, change, field, message):
    time_machine.move_to(datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC))
    client = login(world.nurse_mala, language="en")
    data = {**VALID, **change}
    response = client.post(reverse("insights:transfers", args=[mala.pk]), data)
    assert response.status_code == 400
    assert not HospitalTransfer.objects.exists()
    assert message in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    if field != "reason":
        assert "Fall, pain in the left hip" in html  # what was typed is kept


def test_errors_are_translated(world, login, mala):
    client = login(world.nurse_mala, language="sv")
    response = client.post(reverse("insights:transfers", args=[mala.pk]), {**VALID, "reason": ""})
    assert response.status_code == 400
    assert "Write why" not in response.content.decode()


def test_only_nurses_of_the_resident_record(world, mala):
    args = {
        "resident": mala,
        "occurred_at": timezone.now(),
        "kind": "admission",
        "destination": "NUS",
        "reason": "Pneumonia",
        "consult_first": False,
    }
    with pytest.raises(PermissionDenied):
        services.record_transfer(actor=world.nurse_storuman, **args)
    with pytest.raises(PermissionDenied):
        services.record_transfer(actor=world.physician_spain, **args)
    with pytest.raises(PermissionDenied):
        services.record_transfer(actor=world.coordinator, **args)
    services.record_transfer(actor=world.nurse_mala, **args)
    assert HospitalTransfer.objects.count() == 1


def test_physician_judges_afterwards(world, login, mala):
    transfer = services.record_transfer(
        actor=world.nurse_mala,
        resident=mala,
        occurred_at=timezone.now() - datetime.timedelta(hours=3),
        kind="admission",
        destination="NUS",
        reason="Pneumonia",
        consult_first=False,
    )
    client = login(world.physician_spain, language="en")
    url = reverse("insights:transfer_judge", args=[transfer.pk])
    response = client.post(url, {"comment": "Could have been treated at home"})
    assert response.status_code == 400
    assert "Could have been treated at home" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.avoidable is None
    response = client.post(url, {"avoidable": "yes", "comment": "Could have been treated at home"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.avoidable is True and transfer.judged_by == world.physician_spain
    assert transfer.judged_at is not None
    with pytest.raises(PermissionDenied):
        services.judge_transfer(actor=world.other_physician, transfer=transfer, avoidable=False)
    with pytest.raises(PermissionDenied):
        services.judge_transfer(actor=world.nurse_mala, transfer=transfer, avoidable=False)
    with pytest.raises(ValidationError):
        services.judge_transfer(actor=world.physician_spain, transfer=transfer, avoidable=None)
    # Nurses see the judgement; they cannot judge.
    page = login(world.nurse_mala, language="en").get(reverse("insights:transfers", args=[mala.pk]))
    assert "Could have been treated at home" in page.content.decode()
    assert reverse("insights:transfer_judge", args=[transfer.pk]) not in page.content.decode()


def test_empty_state_and_hub_link(world, login, mala):
    client = login(world.physician_spain, language="en")
    page = client.get(reverse("insights:transfers", args=[mala.pk]))
    assert "No hospital transfer or emergency visit is recorded." in page.content.decode()
    assert "Record the transfer" not in page.content.decode()  # physicians do not record
    hub = client.get(reverse("residents:detail", args=[mala.pk]))
    assert reverse("insights:transfers", args=[mala.pk]) in hub.content.decode()
