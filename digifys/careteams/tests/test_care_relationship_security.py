"""Issue #20 items 1, 10 and 11: the ways around the care relationship, reproduced and closed.

Each test reproduces an attack of the adversarial review over HTTP or through the services.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from digifys.accounts.models import Role
from digifys.audit.models import AuditEvent
from digifys.careteams import policy, services
from digifys.careteams.models import AccessGrant, Block
from digifys.consults import services as consults
from digifys.residents.models import Resident
from digifys.scheduling import services as scheduling
from digifys.scheduling.models import Booking
from digifys.testing.world import give_hours, make_staff

REASON = "Medvetslös i korridoren, behöver läkemedelslistan"


def _emergency(client, resident: Resident):
    client.post(reverse("careteams:emergency"), {"identity_number": resident.identity_number})
    return client.post(
        reverse("careteams:emergency_open"),
        {"identity_number": resident.identity_number, "reason": REASON, "confirm": "on"},
    )


def _sees(user, resident: Resident) -> bool:
    return Resident.objects.visible_to(user).filter(pk=resident.pk).exists()


def _later(hours: float):
    return time_machine.travel(timezone.now() + datetime.timedelta(hours=hours), tick=False)


@pytest.fixture
def david(world):
    """other_physician: no panel, consult or booking with Greta; on duty around the clock."""
    give_hours(
        world.other_physician.staff_profile, datetime.time(0), datetime.time(0), on_call=True
    )
    return world.other_physician


# --- Item 1: bookings --------------------------------------------------------------------------


def test_emergency_access_does_not_become_years_of_care_access_through_a_2031_booking(
    world, david, login
):
    """The review's attack: emergency grant → book a 2031 visit → grant expires → still reads
    the resident with purpose "care"."""
    resident = world.resident_mala
    client = login(david, language="en")
    assert _emergency(client, resident).status_code == 302
    response = client.post(
        reverse("scheduling:book", kwargs={"resident_pk": resident.pk}),
        {
            "clinician": david.staff_profile.pk,
            "kind": Booking.Kind.VIDEO,
            "day": "2031-06-02",
            "starts_at": "10:00",
            "duration": 30,
        },
    )
    assert response.status_code == 400
    assert not Booking.objects.exists()
    with _later(3):  # the emergency grant (2 hours) has expired
        client = login(david)
        detail = reverse("residents:detail", args=[resident.pk])
        assert client.get(detail).status_code == 404
        assert client.get(reverse("vitals:history", args=[resident.pk])).status_code == 404
    assert not AuditEvent.objects.filter(actor=david, action="read", purpose="care").exists()


def test_a_booking_far_ahead_is_refused_with_a_clear_message(world, david, settings):
    settings.BOOKING_MAX_DAYS_AHEAD = 365
    starts_at = timezone.now() + datetime.timedelta(days=366)
    with pytest.raises(ValidationError) as refused:
        scheduling.book(
            actor=world.coordinator,
            clinician=david.staff_profile,
            resident=world.resident_mala,
            kind=Booking.Kind.VIDEO,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=30),
            reason="Uppföljning efter sjukhusvistelse",
        )
    assert refused.value.message_dict["starts_at"] == [
        "A booking can be at most 365 days ahead. Choose an earlier date."
    ]


def test_a_physician_with_only_emergency_access_cannot_book_themself(world, david, login):
    _emergency(login(david), world.resident_mala)
    assert AccessGrant.objects.filter(user=david).exists()
    starts_at = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as refused:
        scheduling.book(
            actor=david,
            clinician=david.staff_profile,
            resident=world.resident_mala,
            kind=Booking.Kind.VIDEO,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=30),
        )
    assert refused.value.code == "emergency_only"
    assert not Booking.objects.exists()


def test_a_booking_is_a_care_relationship_only_around_the_visit(world, david, settings):
    settings.BOOKING_ACCESS_BEFORE_HOURS = 12
    settings.BOOKING_ACCESS_AFTER_HOURS = 24
    starts_at = timezone.now() + datetime.timedelta(days=30)
    ends_at = starts_at + datetime.timedelta(minutes=30)
    Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=david.staff_profile,
        resident=world.resident_mala,
        unit=world.unit_mala,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=world.coordinator,
    )
    now = timezone.now()
    assert not _sees(david, world.resident_mala)  # booked, but the visit is a month away
    hours = lambda instant: (instant - now).total_seconds() / 3600  # noqa: E731
    with _later(hours(starts_at) - 13):
        assert not _sees(david, world.resident_mala)
    with _later(hours(starts_at) - 11):
        assert _sees(david, world.resident_mala)
        assert policy.has_care_relationship(david, world.resident_mala)
    with _later(hours(ends_at) + 23):
        assert _sees(david, world.resident_mala)
    with _later(hours(ends_at) + 25):
        assert not _sees(david, world.resident_mala)


def test_booking_another_clinician_asks_for_a_reason_that_the_log_review_shows(world, david, login):
    from digifys.audit import services as audit

    starts_at = timezone.now() + datetime.timedelta(days=2)
    booking = {
        "actor": world.nurse_mala,
        "clinician": david.staff_profile,
        "resident": world.resident_mala,
        "kind": Booking.Kind.VIDEO,
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(minutes=30),
    }
    with pytest.raises(ValidationError) as refused:
        scheduling.book(**booking)
    assert "reason" in refused.value.message_dict
    assert not Booking.objects.exists()
    scheduling.book(**booking, reason="Namngiven läkare sjukskriven, David täcker")
    entry = AuditEvent.objects.get(object_type="booking", action="create")
    assert entry.details["reason"] == "Namngiven läkare sjukskriven, David täcker"

    today = timezone.localdate()
    review = audit.start_review(
        actor=world.coordinator, period_start=today, period_end=today, sample_size=0, seed=1
    )
    item = review.items.get(event=entry)
    assert "booked_other" in item.reasons
    page = login(world.coordinator, language="en").get(reverse("audit:review", args=[review.pk]))
    html = page.content.decode()
    assert "Clinician given access through a booking" in html
    assert "Namngiven läkare sjukskriven, David täcker" in html


def test_the_booking_page_asks_a_nurse_for_the_reason_and_keeps_what_she_typed(world, david, login):
    client = login(world.nurse_mala, language="en")
    url = reverse("scheduling:book", kwargs={"resident_pk": world.resident_mala.pk})
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    form = {
        "clinician": david.staff_profile.pk,
        "kind": Booking.Kind.VIDEO,
        "day": day,
        "starts_at": "10:00",
        "duration": 30,
        "note": "Tolk behövs",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert "Say why you book David Doctor" in response.content.decode()
    assert "Tolk behövs" in response.content.decode()
    assert not Booking.objects.exists()
    response = client.post(url, {**form, "reason": "Ordinarie läkare på semester"})
    assert response.status_code == 302
    assert Booking.objects.count() == 1


# --- Item 1: consults --------------------------------------------------------------------------


def _sbar():
    return {
        "urgency": "same_day",
        "situation": "Feber sedan i morse.",
        "background": "Demens, KOL.",
        "assessment": "Temp 38,9, saturation 93 %.",
        "recommendation": "Bedömning i dag.",
    }


def test_a_consult_cannot_be_routed_to_a_physician_with_only_emergency_access(world, david, login):
    """The suspected opening: under emergency access, send a consult that routing gives to
    yourself as the on-duty physician; the open consult would then be "care" access."""
    resident = world.resident_storuman  # no named physician: routing picks the on-duty one
    _emergency(login(david), resident)
    with pytest.raises(ValidationError) as refused:
        consults.send_consult(actor=david, resident=resident, **_sbar())
    assert refused.value.code == "emergency_only"
    with _later(3):
        assert not _sees(david, resident)


def test_a_physician_with_only_emergency_access_cannot_take_over_a_consult(world, david, login):
    resident = world.resident_mala
    give_hours(world.physician_spain.staff_profile, datetime.time(0), datetime.time(0))
    consult = consults.send_consult(actor=world.nurse_mala, resident=resident, **_sbar())
    assert consult.assigned_to.user == world.physician_spain
    _emergency(login(david), resident)
    with pytest.raises(ValidationError) as refused:
        consults.accept_consult(actor=david, consult=consult)
    assert refused.value.code == "emergency_only"
    consults.post_message(actor=david, consult=consult, body="Ring mig vid försämring.")
    consult.refresh_from_db()
    assert consult.assigned_to.user == world.physician_spain
    with _later(3):
        assert not _sees(david, resident)


def test_a_closed_consult_is_a_care_relationship_only_for_the_follow_up_period(
    world, david, settings
):
    settings.CONSULT_FOLLOW_UP_DAYS = 3
    consult = consults.send_consult(
        actor=world.nurse_storuman, resident=world.resident_storuman, **_sbar()
    )
    physician = consult.assigned_to.user
    consults.close_consult(actor=world.nurse_storuman, consult=consult, reason="Bättre nu.")
    assert _sees(physician, world.resident_storuman)
    with _later(3 * 24 + 1):
        assert not _sees(physician, world.resident_storuman)


# --- Item 10: purpose --------------------------------------------------------------------------


def test_a_units_own_nurse_reads_as_care_after_opening_a_block_with_consent(world, login):
    Block.objects.create(
        resident=world.resident_mala, unit=world.unit_storuman, created_by=world.coordinator
    )
    client = login(world.nurse_mala)
    client.post(
        reverse("careteams:consent_open", args=[world.resident_mala.pk]),
        {"reason": "Greta samtycker muntligt", "confirm": "on"},
    )
    assert AccessGrant.objects.filter(user=world.nurse_mala, kind="consent").exists()
    client.get(reverse("residents:detail", args=[world.resident_mala.pk]))
    read = AuditEvent.objects.filter(
        actor=world.nurse_mala, action="read", object_type="resident"
    ).get()
    assert read.purpose == "care"


def test_a_coordinators_read_of_the_booking_form_is_administration_not_care(world, login):
    login(world.coordinator).get(
        reverse("scheduling:book", kwargs={"resident_pk": world.resident_mala.pk})
    )
    read = AuditEvent.objects.get(actor=world.coordinator, object_type="booking_form")
    assert read.purpose == "administration"


# --- Item 11: emergency access in two steps, by physicians and nurses --------------------------


def test_emergency_access_step_2_without_step_1_is_refused(world, login):
    client = login(world.nurse_storuman, language="en")
    response = client.post(
        reverse("careteams:emergency_open"),
        {
            "identity_number": world.resident_mala.identity_number,
            "reason": REASON,
            "confirm": "on",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Start again from step 1" in html
    assert "Greta" not in html  # nothing about the resident without the logged lookup
    assert not AccessGrant.objects.exists()
    assert not AuditEvent.objects.filter(actor=world.nurse_storuman).exists()


def test_an_old_step_1_does_not_open_step_2(world, login):
    client = login(world.nurse_storuman)
    client.post(
        reverse("careteams:emergency"), {"identity_number": world.resident_mala.identity_number}
    )
    with _later(0.5), pytest.raises(ValidationError) as refused:
        services.grant_emergency_access(
            actor=world.nurse_storuman, resident=world.resident_mala, reason=REASON
        )
    assert refused.value.code == "no_lookup"


def test_assistant_nurses_cannot_use_emergency_access(world, login):
    assistant = make_staff(
        "ida.assistant",
        Role.ASSISTANT_NURSE,
        world.unit_storuman.parent,
        units=[world.unit_storuman],
    ).user
    client = login(assistant)
    assert client.get(reverse("careteams:emergency")).status_code == 403
    assert _emergency(client, world.resident_mala).status_code == 403
    with pytest.raises(PermissionDenied):
        services.record_emergency_lookup(actor=assistant, resident=world.resident_mala)
    with pytest.raises(PermissionDenied):
        services.grant_emergency_access(
            actor=assistant, resident=world.resident_mala, reason=REASON
        )
    assert not AccessGrant.objects.exists()


def test_the_log_review_shows_the_reason_given_for_emergency_access(world, login):
    """Item 12: the reviewer sees why emergency access was opened, on the opening and the reads."""
    from digifys.audit import services as audit

    client = login(world.nurse_storuman)
    _emergency(client, world.resident_mala)
    client.get(reverse("residents:detail", args=[world.resident_mala.pk]))
    today = timezone.localdate()
    review = audit.start_review(
        actor=world.coordinator, period_start=today, period_end=today, sample_size=0, seed=1
    )
    page = login(world.coordinator, language="en").get(reverse("audit:review", args=[review.pk]))
    html = page.content.decode()
    assert "Reason given" in html
    # The opening (step 2) and the read under it both show the reason.
    assert html.count(REASON) >= 2


def test_assistant_nurses_are_not_offered_emergency_access(world, login):
    assistant = make_staff(
        "ida.assistant", Role.ASSISTANT_NURSE, world.unit_mala.parent, units=[world.unit_mala]
    ).user
    page = login(assistant, language="en").get(
        reverse("residents:detail", args=[world.resident_mala.pk])
    )
    assert page.status_code == 200
    assert reverse("careteams:emergency") not in page.content.decode()
    page = login(world.nurse_mala, language="en").get(
        reverse("residents:detail", args=[world.resident_mala.pk])
    )
    assert reverse("careteams:emergency") in page.content.decode()
