"""Access-matrix rows for the scheduling app (collected by core/tests/test_access_matrix.py)."""

from digifys.testing.access_matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, STAFF, everyone, row


def _feed_token(world) -> dict:
    from digifys.scheduling.services import feed_for

    return {"token": feed_for(world.physician_spain.staff_profile).token}


def _a_booking(world) -> dict:
    import datetime

    from django.utils import timezone

    from digifys.scheduling.models import Booking

    starts_at = timezone.now() + datetime.timedelta(days=7)
    booking = Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=world.physician_spain.staff_profile,
        resident=world.resident_mala,
        unit=world.unit_mala,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        created_by=world.coordinator,
    )
    return {"pk": booking.pk}


def _a_plan(world):
    """A proposed plan with one placed item about Greta (the review page names her)."""
    import datetime

    from django.utils import timezone

    from digifys.scheduling import planning
    from digifys.scheduling.models import Plan, PlanItem

    week = planning.monday_of(timezone.localdate()) + datetime.timedelta(days=7)
    start = planning.horizon_start_of(week)
    plan = Plan.objects.create(week_start=week, horizon_start=start, created_by=world.coordinator)
    item = PlanItem.objects.create(
        plan=plan,
        key=f"request:{world.resident_mala.pk}",
        kind=PlanItem.Kind.FAMILY_MEETING,
        resident=world.resident_mala,
        unit=world.unit_mala,
        duration_minutes=30,
        earliest_at=start,
        deadline_at=start + datetime.timedelta(days=5),
        named=world.physician_spain.staff_profile,
        clinician=world.physician_spain.staff_profile,
        starts_at=start + datetime.timedelta(hours=9),
        ends_at=start + datetime.timedelta(hours=9, minutes=30),
        tier=PlanItem.Tier.NAMED,
        named_status="chosen",
    )
    return plan, item


ONLY_COORDINATOR = row(FORBIDDEN, coordinator=OK)


def _a_local_holiday(world) -> dict:
    import datetime

    from digifys.scheduling.models import LocalHoliday

    # get_or_create: sweeps over the matrix (the no-server-errors test) ask for the row again.
    holiday, _created = LocalHoliday.objects.get_or_create(
        country="ES",
        place_key="málaga",
        date=datetime.date(2027, 8, 19),
        defaults={
            "place": "Málaga",
            "name": "Incorporación de Málaga a la Corona de Castilla",
            "source": "Test",
        },
    )
    return {"pk": holiday.pk}


ROWS = {
    # Local and island holidays: organisation data kept by coordinators (issue 19 item 6).
    "scheduling:local_holidays": (lambda w: {}, "get", ONLY_COORDINATOR),
    "scheduling:local_holiday_new": (lambda w: {}, "get", ONLY_COORDINATOR),
    "scheduling:local_holiday_edit": (_a_local_holiday, "get", ONLY_COORDINATOR),
    "scheduling:local_holiday_delete": (_a_local_holiday, "get", ONLY_COORDINATOR),
    "scheduling:calendar": (lambda w: {}, "get", row(FORBIDDEN, **dict.fromkeys(STAFF, OK))),
    "scheduling:renew_feed": (
        lambda w: {},
        "post",
        row(FORBIDDEN, **dict.fromkeys(STAFF, REDIRECT)),
    ),
    # Physicians book only themselves, nurses only for residents of their own units.
    "scheduling:book": (
        lambda w: {"resident_pk": w.resident_mala.pk},
        "get",
        row(
            FORBIDDEN,
            nurse_mala=OK,
            nurse_storuman=NOT_FOUND,
            physician_spain=OK,
            other_physician=NOT_FOUND,
            coordinator=OK,
        ),
    ),
    # Without a reason nothing is cancelled, but the answer is the same redirect with a message.
    "scheduling:cancel": (
        _a_booking,
        "post",
        row(
            FORBIDDEN,
            nurse_mala=REDIRECT,
            nurse_storuman=NOT_FOUND,
            physician_spain=REDIRECT,
            other_physician=NOT_FOUND,
            coordinator=REDIRECT,
        ),
    ),
    # A capability URL: whoever has the secret token reads the feed (without resident names).
    "scheduling:ics": (_feed_token, "get", everyone(OK, anonymous=OK)),
    # The week planner: coordinators only (organisation data, purpose "administration").
    "scheduling:plans": (lambda w: {}, "get", ONLY_COORDINATOR),
    "scheduling:plan": (lambda w: {"pk": _a_plan(w)[0].pk}, "get", ONLY_COORDINATOR),
    "scheduling:plan_accept": (lambda w: {"pk": _a_plan(w)[0].pk}, "get", ONLY_COORDINATOR),
    "scheduling:plan_replan": (
        lambda w: {"pk": _a_plan(w)[0].pk},
        "post",
        row(FORBIDDEN, coordinator=REDIRECT),
    ),
    "scheduling:plan_item_edit": (
        lambda w: {"pk": _a_plan(w)[1].pk},
        "get",
        ONLY_COORDINATOR,
    ),
    # Requests for the planner: like booking, physicians, the unit's nurses and coordinators.
    "scheduling:work_request_new": (
        lambda w: {"resident_pk": w.resident_mala.pk},
        "get",
        row(
            FORBIDDEN,
            nurse_mala=OK,
            nurse_storuman=NOT_FOUND,
            physician_spain=OK,
            other_physician=NOT_FOUND,
            coordinator=OK,
        ),
    ),
}


def _an_absence(world) -> dict:
    """Carmen's (physician_spain) upcoming vacation."""
    import datetime

    from django.utils import timezone

    from digifys.scheduling.models import Absence

    first = timezone.localdate() + datetime.timedelta(days=30)
    absence = Absence.objects.create(
        staff=world.physician_spain.staff_profile,
        kind=Absence.Kind.VACATION,
        starts_on=first,
        ends_on=first + datetime.timedelta(days=4),
    )
    return {"pk": absence.pk}


# Absences and working hours: physicians and nurses their own, coordinators everyone's. An absence
# of someone else is not found; no resident data is shown, so nothing is read-logged.
AVAILABILITY = row(FORBIDDEN, **dict.fromkeys(STAFF, OK))
OWN_ABSENCE = row(
    FORBIDDEN,
    nurse_mala=NOT_FOUND,
    nurse_storuman=NOT_FOUND,
    physician_spain=OK,
    other_physician=NOT_FOUND,
    coordinator=OK,
)

ROWS.update(
    {
        "scheduling:absences": (lambda w: {}, "get", AVAILABILITY),
        "scheduling:absence_new": (lambda w: {}, "get", AVAILABILITY),
        "scheduling:absence": (_an_absence, "get", OWN_ABSENCE),
        "scheduling:absence_delete": (_an_absence, "get", OWN_ABSENCE),
        "scheduling:patterns": (lambda w: {}, "get", AVAILABILITY),
    }
)
