import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from digifys.accounts.models import Role
from digifys.audit.models import AuditEvent
from digifys.scheduling import services
from digifys.scheduling.models import Absence, Booking
from digifys.testing.world import assign, give_hours, make_staff

UTC = datetime.UTC
# Monday 1 June 2026, 06:00 UTC (08:00 in Stockholm and Madrid).
NOW = datetime.datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0, day: int = 2) -> datetime.datetime:
    """An instant on June DAY 2026 given in UTC."""
    return datetime.datetime(2026, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def carmen(world):
    """physician_spain, working 08:00–17:00 Madrid time (06:00–15:00 UTC in summer)."""
    staff = world.physician_spain.staff_profile
    give_hours(staff, datetime.time(8), datetime.time(17))
    return staff


def _book(world, clinician, starts_at, minutes=30, actor=None, **extra):
    return services.book(
        actor=actor or world.physician_spain,
        clinician=clinician,
        resident=extra.pop("resident", world.resident_mala),
        kind=extra.pop("kind", Booking.Kind.VIDEO),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        reason=extra.pop("reason", "Uppföljning efter fall"),
        **extra,
    )


def test_a_physician_books_a_video_visit_and_it_is_logged(world, carmen):
    booking = _book(world, carmen, at(8))
    assert booking.unit == world.unit_mala
    assert booking.created_by == world.physician_spain
    entry = AuditEvent.objects.get(object_type="booking", object_id=str(booking.pk))
    assert entry.action == "create"
    assert entry.resident_id == world.resident_mala.pk


def test_an_overlapping_booking_is_refused_with_the_time_in_stockholm(world, carmen):
    _book(world, carmen, at(8))  # 10:00–10:30 Stockholm time
    with pytest.raises(ValidationError) as refused:
        _book(world, carmen, at(8, 15), resident=world.resident_mala_2)
    assert refused.value.message_dict["starts_at"] == [
        "Carmen Doctor already has a booking 10:00–10:30 Stockholm time. Choose another time."
    ]
    assert Booking.objects.count() == 1


def test_back_to_back_bookings_do_not_overlap(world, carmen):
    _book(world, carmen, at(8))
    _book(world, carmen, at(8, 30), resident=world.resident_mala_2)
    assert Booking.objects.active().count() == 2


def test_a_cancelled_booking_frees_its_time(world, carmen):
    booking = _book(world, carmen, at(8))
    services.cancel_booking(actor=world.nurse_mala, booking=booking, reason="Sjuk")
    _book(world, carmen, at(8), resident=world.resident_mala_2)
    assert Booking.objects.active().count() == 1
    assert AuditEvent.objects.filter(object_type="booking", action="update").count() == 1


def test_another_clinicians_booking_at_the_same_time_is_no_conflict(world, carmen):
    david = world.other_physician.staff_profile
    give_hours(david, datetime.time(0), datetime.time(0))
    _book(world, carmen, at(8))
    _book(world, david, at(8), actor=world.coordinator)
    assert Booking.objects.count() == 2


@pytest.mark.parametrize(
    ("starts_at", "minutes", "field", "text"),
    [
        (at(8), -30, "duration", "The end must be after the start."),
        (at(5, day=1), 30, "starts_at", "The start time has passed"),
        (at(15), 30, "starts_at", "does not work 2026-06-02 17:00–17:30 Stockholm time"),
        (at(14, 45), 30, "starts_at", "does not work"),
    ],
    ids=["end-before-start", "in-the-past", "after-hours", "runs-past-the-end-of-the-day"],
)
def test_impossible_times_are_refused(world, carmen, starts_at, minutes, field, text):
    with pytest.raises(ValidationError) as refused:
        _book(world, carmen, starts_at, minutes)
    assert text in refused.value.message_dict[field][0]
    assert not Booking.objects.exists()


def test_a_clinician_on_vacation_cannot_be_booked(world, carmen):
    Absence.objects.create(
        staff=carmen,
        kind=Absence.Kind.VACATION,
        starts_on=datetime.date(2026, 6, 2),
        ends_on=datetime.date(2026, 6, 5),
    )
    with pytest.raises(ValidationError, match="is away \\(vacation\\) 2026-06-02–2026-06-05"):
        _book(world, carmen, at(8))


def test_a_physician_cannot_book_another_physician(world, carmen):
    david = world.other_physician.staff_profile
    give_hours(david, datetime.time(0), datetime.time(0))
    with pytest.raises(PermissionDenied):
        _book(world, david, at(8), actor=world.physician_spain)


def test_a_nurse_cannot_book_for_a_resident_of_another_unit(world, carmen):
    with pytest.raises(PermissionDenied):
        _book(world, carmen, at(8), actor=world.nurse_storuman)


def test_a_nurse_of_the_unit_and_a_coordinator_can_book(world, carmen):
    _book(world, carmen, at(8), actor=world.nurse_mala)
    _book(world, carmen, at(9), actor=world.coordinator)
    assert Booking.objects.count() == 2


def test_a_relative_cannot_book(world, carmen):
    with pytest.raises(PermissionDenied):
        _book(world, carmen, at(8), actor=world.relative_with_consent)


# The booking page -----------------------------------------------------------------------------


def _form(clinician, day="2026-06-02", time="10:00", **extra):
    return {
        "clinician": clinician.pk,
        "kind": Booking.Kind.FAMILY_MEETING,
        "day": day,
        "starts_at": time,
        "duration": 30,
        "note": "Dottern deltar",
        "reason": "Familjemöte med dottern",
        **extra,
    }


def test_a_nurse_books_in_stockholm_time_on_the_booking_page(world, carmen, login):
    client = login(world.nurse_mala, language="en")
    url = reverse("scheduling:book", kwargs={"resident_pk": world.resident_mala.pk})
    response = client.post(url, _form(carmen))
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.starts_at == at(8)  # 10:00 Stockholm summer time
    assert booking.kind == Booking.Kind.FAMILY_MEETING
    page = client.get(url)
    assert "2026-06-02 10:00–10:30" in page.content.decode()


def test_a_double_booking_on_the_page_changes_nothing_and_keeps_the_typed_values(
    world, carmen, login
):
    _book(world, carmen, at(8))
    client = login(world.nurse_mala, language="en")
    url = reverse("scheduling:book", kwargs={"resident_pk": world.resident_mala_2.pk})
    response = client.post(url, _form(carmen, time="10:15", note="Med tolk"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "already has a booking 10:00–10:30 Stockholm time" in html
    assert 'value="10:15"' in html
    assert "Med tolk" in html
    assert Booking.objects.count() == 1


def test_a_local_time_in_the_spring_gap_is_refused(world, login):
    clinician = world.physician_spain.staff_profile
    give_hours(clinician, datetime.time(0), datetime.time(0))
    client = login(world.physician_spain, language="en")
    url = reverse("scheduling:book", kwargs={"resident_pk": world.resident_mala.pk})
    with time_machine.travel(datetime.datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False):
        response = client.post(url, _form(clinician, day="2026-03-29", time="02:30"))
    assert response.status_code == 400
    assert "does not exist in Europe/Stockholm" in response.content.decode()
    assert not Booking.objects.exists()


# The calendar and its iCalendar feed ----------------------------------------------------------


@pytest.fixture
def canary(world):
    """A physician on Gran Canaria working 09:00–17:00 local time, one hour behind Stockholm."""
    staff = make_staff(
        "lucia.medica",
        Role.PHYSICIAN,
        world.clinic,
        work_country="ES",
        work_subdivision="CN",
        work_city="Las Palmas",
        time_zone="Atlantic/Canary",
    )
    give_hours(staff, datetime.time(9), datetime.time(17))
    assign(world.resident_mala, staff, role="deputy")
    return staff


def test_the_calendar_shows_the_clinicians_own_time_and_stockholm_time(world, canary, login):
    _book(world, canary, at(9), actor=world.coordinator)  # 10:00 Canary, 11:00 Stockholm
    response = login(canary.user, language="en").get(reverse("scheduling:calendar"))
    html = response.content.decode()
    assert "2026-06-02 10:00–10:30" in html
    assert "2026-06-02 11:00–11:30" in html
    assert "Greta Lind" in html
    assert "/scheduling/ics/" in html
    assert AuditEvent.objects.filter(object_type="booking_calendar").count() == 1


def test_the_calendar_lists_midsommarafton_for_a_swedish_clinician(world, login):
    response = login(world.other_physician, language="en").get(reverse("scheduling:calendar"))
    assert "2026-06-19 Midsommarafton" in response.content.decode()


def _feed(client, clinician):
    token = services.feed_for(clinician).token
    return client.get(reverse("scheduling:ics", kwargs={"token": token}))


def test_the_feed_names_the_clinicians_time_zone_without_resident_names(world, canary, client):
    _book(world, canary, at(9), actor=world.coordinator)
    response = _feed(client, canary)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    for secret in ("Greta", "Lind", world.resident_mala.identity_number[-4:]):
        assert secret not in body
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-TIMEZONE"]) == "Atlantic/Canary"
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == at(9)  # written in UTC ...
    local = start.astimezone(ZoneInfo("Atlantic/Canary"))
    assert (local.hour, local.minute) == (10, 0)  # ... 10:00 on Gran Canaria
    assert str(event["SUMMARY"]).endswith(" – Avd 1 Björken")


def test_a_canary_booking_in_the_autumn_fold_never_ends_before_it_starts(world, canary, client):
    # Issue 19 item 7: 2026-10-25 00:30–01:00 UTC is 01:30 WEST → 01:00 WET on Gran Canaria.
    # Written as local wall-clock times the end (01:00) came before the start (01:30). RFC 5545
    # §3.3.5 form 2 (UTC, "Z") is unambiguous.
    Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=canary,
        resident=world.resident_mala,
        unit=world.unit_mala,
        starts_at=datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
        created_by=world.coordinator,
    )
    body = _feed(client, canary).content.decode()
    assert "DTSTART:20261025T003000Z" in body
    assert "DTEND:20261025T010000Z" in body
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert event.decoded("DTEND") > event.decoded("DTSTART")


def test_renewing_the_link_makes_the_old_one_stop_working(world, canary, login):
    old = services.feed_for(canary).token
    client = login(canary.user, language="en")
    assert client.post(reverse("scheduling:renew_feed")).status_code == 302
    new = services.feed_for(canary).token
    assert new != old
    assert client.get(reverse("scheduling:ics", kwargs={"token": old})).status_code == 404
    assert client.get(reverse("scheduling:ics", kwargs={"token": new})).status_code == 200


def test_an_unknown_token_is_not_found(client, world):
    response = client.get(reverse("scheduling:ics", kwargs={"token": "not-a-token"}))
    assert response.status_code == 404


def test_a_nurse_cancels_a_booking_on_the_booking_page_with_a_reason(world, carmen, login):
    booking = _book(world, carmen, at(8))
    client = login(world.nurse_mala, language="en")
    url = reverse("scheduling:cancel", kwargs={"pk": booking.pk})
    client.post(url, {"reason": ""})
    booking.refresh_from_db()
    assert booking.cancelled_at is None
    response = client.post(url, {"reason": "Anhöriga kan inte"}, follow=True)
    booking.refresh_from_db()
    assert booking.cancelled_at is not None
    assert booking.cancel_reason == "Anhöriga kan inte"
    assert "The booking was cancelled." in response.content.decode()
