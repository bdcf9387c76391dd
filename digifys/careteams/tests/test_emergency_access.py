import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.careteams import services
from digifys.careteams.models import AccessGrant
from digifys.residents.models import Resident


def _step1(client, resident: Resident):
    return client.post(
        reverse("careteams:emergency"), {"identity_number": resident.identity_number}
    )


def _step2(client, resident: Resident, **overrides):
    data = {
        "identity_number": resident.identity_number,
        "reason": "Medvetslös i korridoren, behöver läkemedelslistan",
        "confirm": "on",
    }
    data.update(overrides)
    return client.post(reverse("careteams:emergency_open"), data)


def test_a_nurse_without_care_relationship_cannot_see_the_resident(world, login):
    client = login(world.nurse_storuman)
    url = reverse("residents:detail", args=[world.resident_mala.pk])
    assert client.get(url).status_code == 404


def test_emergency_access_takes_two_steps_and_then_opens_the_record(world, login):
    client = login(world.nurse_storuman, language="en")
    found = _step1(client, world.resident_mala)
    assert found.status_code == 200
    page = found.content.decode()
    assert "Greta Lind" in page
    assert "Step 2 of 2" in page
    assert not AccessGrant.objects.exists()  # seeing that the resident exists opens nothing

    response = _step2(client, world.resident_mala)
    assert response.status_code == 302
    assert response.url == reverse("residents:detail", args=[world.resident_mala.pk])
    grant = AccessGrant.objects.get()
    assert grant.kind == "emergency"
    assert grant.expires_at - grant.granted_at == datetime.timedelta(hours=2)

    detail = client.get(response.url)
    assert detail.status_code == 200
    assert "through emergency access" in detail.content.decode()
    events = AuditEvent.objects.filter(actor=world.nurse_storuman, resident=world.resident_mala)
    assert list(events.order_by("seq").values_list("action", "purpose")) == [
        ("emergency", "emergency"),  # step 1: looked the resident up
        ("emergency", "emergency"),  # step 2: opened access with a reason
        ("read", "emergency"),  # read the record
    ]


def test_emergency_access_expires(world, login):
    client = login(world.nurse_storuman)
    _step1(client, world.resident_mala)
    _step2(client, world.resident_mala)
    url = reverse("residents:detail", args=[world.resident_mala.pk])
    assert client.get(url).status_code == 200
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=3)):
        client = login(world.nurse_storuman)
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reason": "akut"}, "at least 10 characters"),
        ({"confirm": ""}, "This field is required"),
    ],
)
def test_emergency_access_needs_a_reason_and_a_confirmation(world, login, overrides, message):
    client = login(world.nurse_storuman, language="en")
    _step1(client, world.resident_mala)
    response = _step2(client, world.resident_mala, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AccessGrant.objects.exists()


def test_an_unknown_identity_number_is_refused_clearly(world, login):
    client = login(world.nurse_storuman, language="en")
    response = client.post(reverse("careteams:emergency"), {"identity_number": "19261223-9232"})
    assert response.status_code == 400
    assert "No resident in care has this identity number" in response.content.decode()
    response = client.post(reverse("careteams:emergency"), {"identity_number": "19261223-9233"})
    assert "check digit" in response.content.decode()


def test_coordinators_and_relatives_cannot_use_emergency_access(world):
    for user in (world.coordinator, world.relative_with_consent, world.administrator):
        with pytest.raises(PermissionDenied):
            services.grant_emergency_access(
                actor=user, resident=world.resident_mala, reason="Behöver se journalen nu"
            )


def test_emergency_access_is_refused_for_a_resident_no_longer_eligible(world):
    world.resident_mala.eligibility_ended_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    world.resident_mala.save()
    with pytest.raises(ValidationError):
        services.grant_emergency_access(
            actor=world.nurse_storuman,
            resident=world.resident_mala,
            reason="Behöver se journalen nu",
        )


def test_a_nurse_with_a_care_relationship_is_sent_straight_to_the_record(world, login):
    response = _step1(login(world.nurse_mala), world.resident_mala)
    assert response.status_code == 302
    assert not AccessGrant.objects.exists()


def test_emergency_access_appears_in_the_next_log_review(world, login):
    from django.utils import timezone

    from digifys.audit import services as audit

    client = login(world.nurse_storuman)
    _step1(client, world.resident_mala)
    _step2(client, world.resident_mala)
    client.get(reverse("residents:detail", args=[world.resident_mala.pk]))
    today = timezone.localdate()
    review = audit.start_review(
        actor=world.coordinator, period_start=today, period_end=today, sample_size=0, seed=1
    )
    selected = review.items.select_related("event").filter(event__actor=world.nurse_storuman)
    assert {item.event.action for item in selected} >= {"emergency", "read"}
    assert all("emergency" in item.reasons for item in selected)
    page = login(world.coordinator, language="en").get(reverse("audit:review", args=[review.pk]))
    assert world.nurse_storuman.get_full_name() in page.content.decode()
