"""Registering absences and editing working hours: services, pages and the re-plan hand-over."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.scheduling import services
from digifys.scheduling.availability import is_working
from digifys.scheduling.availability_views import replan_reason
from digifys.scheduling.models import Absence, Plan, WorkingPattern
from digifys.testing.world import give_hours

from .test_planning import _request, planned, week  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

T = datetime.time
D = datetime.date
SICK = Absence.Kind.SICK


def _absence(world, actor, staff, first, last, kind=SICK, **extra):
    return services.register_absence(
        actor=actor, staff=staff, kind=kind, starts_on=first, ends_on=last, **extra
    )


def _row(weekday, starts, ends, on_call=False, works_on_holidays=False):
    return {
        "weekday": weekday,
        "starts": starts,
        "ends": ends,
        "on_call": on_call,
        "works_on_holidays": works_on_holidays,
    }


# --- Services -------------------------------------------------------------------------------------


def test_clinicians_register_their_own_absences_coordinators_anyones(world):
    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    anna = world.nurse_mala.staff_profile
    own = _absence(world, world.physician_spain, carmen, D(2026, 6, 3), D(2026, 6, 5))
    assert (own.staff, own.kind, own.starts_on, own.ends_on) == (
        carmen,
        SICK,
        D(2026, 6, 3),
        D(2026, 6, 5),
    )
    assert _absence(world, world.nurse_mala, anna, D(2026, 6, 3), D(2026, 6, 3)).staff == anna
    assert _absence(world, world.coordinator, david, D(2026, 6, 3), D(2026, 6, 9)).staff == david
    for actor in (world.physician_spain, world.nurse_mala, world.relative_with_consent):
        with pytest.raises(PermissionDenied):
            _absence(world, actor, david, D(2026, 7, 1), D(2026, 7, 2))
    # Coordinators' own availability is not managed here.
    with pytest.raises(PermissionDenied):
        _absence(
            world, world.coordinator, world.coordinator.staff_profile, D(2026, 7, 1), D(2026, 7, 1)
        )
    entry = AuditEvent.objects.filter(object_type="absence", action="create").last()
    assert entry.object_id == str(Absence.objects.get(staff=david).pk)


def test_absence_dates_are_checked(world):
    carmen = world.physician_spain.staff_profile
    with pytest.raises(ValidationError) as caught:
        _absence(world, world.coordinator, carmen, D(2026, 6, 5), D(2026, 6, 4))
    assert "ends_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _absence(world, world.coordinator, carmen, D(2026, 1, 1), D(2027, 1, 2))  # 367 days
    assert "366" in caught.value.message_dict["ends_on"][0]
    with pytest.raises(ValidationError) as caught:
        _absence(world, world.coordinator, carmen, D(2026, 1, 1), D(2026, 1, 2), kind="holiday")
    assert "kind" in caught.value.message_dict
    leave = _absence(
        world, world.coordinator, carmen, D(2026, 1, 1), D(2026, 12, 31), kind="parental"
    )
    assert (leave.ends_on - leave.starts_on).days == 364


def test_an_overlapping_absence_of_the_same_person_is_refused(world):
    carmen = world.physician_spain.staff_profile
    _absence(world, world.coordinator, carmen, D(2026, 6, 3), D(2026, 6, 5))
    with pytest.raises(ValidationError) as caught:
        _absence(world, world.coordinator, carmen, D(2026, 6, 5), D(2026, 6, 7))
    message = caught.value.message_dict["starts_on"][0]
    assert "Carmen Doctor" in message and "2026-06-03–2026-06-05" in message
    assert Absence.objects.filter(staff=carmen).count() == 1
    # The next day, and someone else on the same days, are fine.
    _absence(world, world.coordinator, carmen, D(2026, 6, 6), D(2026, 6, 7))
    _absence(
        world, world.coordinator, world.other_physician.staff_profile, D(2026, 6, 3), D(2026, 6, 5)
    )


def test_absences_are_whole_local_days_across_the_spring_clock_change(world):
    """Absence dates have no clock times: the DST switch on 2026-03-29 changes nothing."""
    carmen = world.physician_spain.staff_profile
    carmen.time_zone = "Atlantic/Canary"
    carmen.save()
    give_hours(carmen, T(0), T(0), works_on_holidays=True)  # all day, every day
    _absence(world, world.physician_spain, carmen, D(2026, 3, 29), D(2026, 3, 29))
    utc = datetime.UTC
    # 23:30 UTC on the 28th is 23:30 on the 28th in the Canaries; 23:30 UTC on the 29th is
    # 00:30 WEST on the 30th.
    assert is_working(carmen, datetime.datetime(2026, 3, 28, 23, 30, tzinfo=utc))
    assert not is_working(carmen, datetime.datetime(2026, 3, 29, 0, 30, tzinfo=utc))
    assert not is_working(carmen, datetime.datetime(2026, 3, 29, 22, 30, tzinfo=utc))
    assert is_working(carmen, datetime.datetime(2026, 3, 29, 23, 30, tzinfo=utc))


def test_deleting_an_absence(world):
    carmen = world.physician_spain.staff_profile
    absence = _absence(world, world.coordinator, carmen, D(2026, 6, 3), D(2026, 6, 5))
    with pytest.raises(PermissionDenied):
        services.delete_absence(actor=world.other_physician, absence=absence)
    services.delete_absence(actor=world.physician_spain, absence=absence)
    assert not Absence.objects.exists()
    entry = AuditEvent.objects.filter(object_type="absence", action="delete").get()
    assert entry.details["starts_on"] == "2026-06-03"


def test_working_patterns_are_replaced_as_a_whole(world):
    carmen = world.physician_spain.staff_profile
    give_hours(carmen, T(7), T(15))
    services.set_working_patterns(
        actor=world.physician_spain,
        staff=carmen,
        rows=[
            _row(0, T(8), T(12)),
            _row(0, T(13), T(17)),
            # A night shift: two rows; 00:00 as end is midnight.
            _row(4, T(22), T(0), on_call=True),
            _row(5, T(0), T(6), on_call=True),
            _row(6, T(0), T(0), works_on_holidays=True),  # the whole day
        ],
    )
    assert [
        (p.weekday, p.starts, p.ends, p.on_call, p.works_on_holidays)
        for p in carmen.working_patterns.order_by("weekday", "starts")
    ] == [
        (0, T(8), T(12), False, False),
        (0, T(13), T(17), False, False),
        (4, T(22), T(0), True, False),
        (5, T(0), T(6), True, False),
        (6, T(0), T(0), False, True),
    ]
    assert AuditEvent.objects.filter(object_type="working_pattern").count() == 1
    services.set_working_patterns(actor=world.coordinator, staff=carmen, rows=[])
    assert not carmen.working_patterns.exists()
    with pytest.raises(PermissionDenied):
        services.set_working_patterns(actor=world.other_physician, staff=carmen, rows=[])


def test_working_pattern_rows_are_checked_one_by_one(world):
    carmen = world.physician_spain.staff_profile
    give_hours(carmen, T(7), T(15), weekdays=[0])
    rows = [
        _row(0, T(8), T(17)),
        _row(0, T(9), T(10)),  # inside the first
        _row(0, T(11), T(12)),  # also inside the first, though not next to it
        _row(1, T(17), T(9)),  # ends before it starts
        _row(2, T(9), T(9)),  # empty
        _row(3, T(20), T(0)),  # till midnight, but overlaps the row below (the later start)
        _row(3, T(0), T(8)),  # fine, touching nothing
        _row(3, T(19), T(21)),
    ]
    with pytest.raises(ValidationError) as caught:
        services.set_working_patterns(actor=world.coordinator, staff=carmen, rows=rows)
    errors = caught.value.message_dict
    assert sorted(errors) == ["row-1", "row-2", "row-3", "row-4", "row-5"]
    assert "overlaps Monday 08:00–17:00" in errors["row-2"][0]
    assert "after the start" in errors["row-3"][0] and "Tuesday" in errors["row-3"][0]
    assert "Thursday 20:00–00:00 overlaps Thursday 19:00–21:00" in errors["row-5"][0]
    # Nothing changed.
    assert [(p.starts, p.ends) for p in carmen.working_patterns.all()] == [(T(7), T(15))]


# --- Pages ----------------------------------------------------------------------------------------


def test_a_refused_absence_keeps_what_was_typed(login, world):
    client = login(world.physician_spain, language="en")
    response = client.post(
        reverse("scheduling:absence_new"),
        {"kind": "vacation", "starts_on": "2026-06-05", "ends_on": "2026-06-03", "note": "Family"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The last day must be on or after the first day." in page
    assert 'value="2026-06-05"' in page and 'value="2026-06-03"' in page
    assert 'value="Family"' in page
    assert '<option value="vacation" selected>' in page
    assert not Absence.objects.exists()
    # An unparsable date is a form error, also 400.
    response = client.post(
        reverse("scheduling:absence_new"),
        {"kind": "vacation", "starts_on": "5 June", "ends_on": "2026-06-03"},
    )
    assert response.status_code == 400
    assert 'value="5 June"' in response.content.decode()


def test_a_physician_registers_and_removes_their_own_absence(login, world):
    client = login(world.physician_spain, language="en")
    assert "Register an absence" in client.get(reverse("scheduling:calendar")).content.decode()
    response = client.post(
        reverse("scheduling:absence_new"),
        {"kind": "vacation", "starts_on": "2099-06-03", "ends_on": "2099-06-05", "note": ""},
    )
    absence = Absence.objects.get()
    assert absence.staff == world.physician_spain.staff_profile
    assert response.url == reverse("scheduling:absence", kwargs={"pk": absence.pk})
    assert "An accepted week plan" not in client.get(response.url).content.decode()
    listing = client.get(reverse("scheduling:absences")).content.decode()
    assert "2099-06-03" in listing
    # Someone else's page is not offered.
    other = world.other_physician.staff_profile
    assert client.get(reverse("scheduling:absence_new"), {"staff": other.pk}).status_code == 403
    delete_url = reverse("scheduling:absence_delete", kwargs={"pk": absence.pk})
    assert "Remove the absence?" in client.get(delete_url).content.decode()
    assert client.post(delete_url).status_code == 302
    assert not Absence.objects.exists()


def test_coordinator_lists_and_searches_everyones_absences(login, world):
    _absence(
        world, world.coordinator, world.physician_spain.staff_profile, D(2099, 6, 3), D(2099, 6, 5)
    )
    _absence(
        world, world.coordinator, world.other_physician.staff_profile, D(2099, 7, 1), D(2099, 7, 1)
    )
    _absence(world, world.coordinator, world.nurse_mala.staff_profile, D(2020, 7, 1), D(2020, 7, 1))
    client = login(world.coordinator, language="en")
    page = client.get(reverse("scheduling:absences")).content.decode()
    assert "Carmen Doctor" in page and "David Doctor" in page
    assert "Anna Nurse" not in page  # in the past
    page = client.get(reverse("scheduling:absences"), {"q": "carm"}).content.decode()
    assert "Carmen Doctor" in page and "David Doctor" not in page
    partial = client.get(reverse("scheduling:absences"), {"q": "david"}, HTTP_HX_REQUEST="true")
    partial = partial.content.decode()
    assert "David Doctor" in partial and "<h1>" not in partial
    # A physician sees only their own.
    client = login(world.other_physician, language="en")
    page = client.get(reverse("scheduling:absences")).content.decode()
    assert "2099-07-01" in page and "2099-06-03" not in page


def test_sick_leave_in_an_accepted_week_leads_to_a_replan(login, planned, week):  # noqa: F811
    from digifys.scheduling import planning

    _request(planned, planned.resident_mala, week)
    _request(planned, planned.resident_storuman, week)
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    planning.accept_plan(actor=planned.coordinator, plan=plan)
    carmen = planned.physician_spain.staff_profile
    assert plan.items.get(resident=planned.resident_mala).clinician == carmen
    client = login(planned.coordinator, language="en")
    form = client.get(reverse("scheduling:absence_new"), {"staff": carmen.pk}).content.decode()
    assert f'<option value="{carmen.pk}" selected>' in form
    response = client.post(
        reverse("scheduling:absence_new") + f"?staff={carmen.pk}",
        {
            "staff": carmen.pk,
            "kind": "sick",
            "starts_on": week.isoformat(),
            "ends_on": (week + datetime.timedelta(days=4)).isoformat(),
            "note": "",
        },
    )
    assert response.status_code == 302
    absence = Absence.objects.get(staff=carmen)
    page = client.get(response.url).content.decode()
    assert "An accepted week plan is affected" in page
    assert reverse("scheduling:plan_replan", kwargs={"pk": plan.pk}) in page
    reason = replan_reason(absence)
    assert reason.startswith("Sick leave Carmen Doctor ")
    assert f'value="{reason}"' in page
    assert "1 of its assignments to Carmen Doctor falls on the absent days." in page
    response = client.post(
        reverse("scheduling:plan_replan", kwargs={"pk": plan.pk}), {"reason": reason}
    )
    new = Plan.objects.get(replanned_from=plan)
    assert response.url == reverse("scheduling:plan", kwargs={"pk": new.pk})
    assert new.status == Plan.Status.PROPOSED and new.reason == reason
    inga = new.items.get(resident=planned.resident_storuman)
    old_inga = plan.items.get(resident=planned.resident_storuman)
    assert inga.kept and inga.booking_id == old_inga.booking_id
    greta = new.items.get(resident=planned.resident_mala)
    assert not greta.kept and greta.clinician == planned.other_physician.staff_profile


def test_a_clinician_is_told_the_coordinator_replans(login, planned, week):  # noqa: F811
    from digifys.scheduling import planning

    _request(planned, planned.resident_mala, week)
    plan = planning.propose_plan(actor=planned.coordinator, week_start=week, time_limit=2)
    planning.accept_plan(actor=planned.coordinator, plan=plan)
    client = login(planned.physician_spain, language="en")
    response = client.post(
        reverse("scheduling:absence_new"),
        {"kind": "sick", "starts_on": week.isoformat(), "ends_on": week.isoformat()},
    )
    page = client.get(response.url).content.decode()
    assert "The coordinator re-plans the week" in page
    assert "plan_replan" not in page and "/replan/" not in page


def test_working_hours_page_in_the_clinicians_zone_with_stockholm_times(login, world):
    carmen = world.physician_spain.staff_profile
    carmen.time_zone = "Atlantic/Canary"
    carmen.save()
    give_hours(carmen, T(9), T(17), weekdays=[1])
    client = login(world.physician_spain, language="en")
    page = client.get(reverse("scheduling:patterns")).content.decode()
    assert "Your times, Atlantic/Canary" in page
    assert 'name="d1-0-starts" value="09:00"' in page
    assert "10:00–18:00" in page  # the Stockholm equivalent
    assert 'name="d1-1-starts"' in page and 'name="d6-1-ends"' in page


def _pattern_post(**rows):
    """POST data for the working-hours table; ROWS maps prefix (d0-0) to (starts, ends)."""
    data = {}
    for prefix, (starts, ends, *flags) in rows.items():
        data[f"{prefix}-starts"] = starts
        data[f"{prefix}-ends"] = ends
        for flag in flags:
            data[f"{prefix}-{flag}"] = "on"
    return data


def test_saving_working_hours_and_refusing_overlaps(login, world):
    carmen = world.physician_spain.staff_profile
    client = login(world.coordinator, language="en")
    url = reverse("scheduling:patterns") + f"?staff={carmen.pk}"
    page = client.get(url).content.decode()
    assert "Times of Carmen Doctor, Europe/Madrid" in page
    bad = _pattern_post(
        **{"d0-0": ("08:00", "12:00"), "d0-1": ("11:00", "15:00"), "d2-0": ("18:00", "")}
    )
    response = client.post(url, bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Wednesday: give both a start and an end time, or neither." in page
    assert 'aria-describedby="d2-0-errors"' in page and 'id="d2-0-errors"' in page
    assert 'name="d0-1-starts" value="11:00"' in page
    assert not carmen.working_patterns.exists()
    bad["d2-0-ends"] = "22:00"
    response = client.post(url, bad)
    assert response.status_code == 400
    assert "Monday 11:00–15:00 overlaps Monday 08:00–12:00" in response.content.decode()
    good = _pattern_post(
        **{
            "d0-0": ("08:00", "12:00"),
            "d0-1": ("13:00", "17:00", "works_on_holidays"),
            "d4-0": ("22:00", "00:00", "on_call"),
        }
    )
    response = client.post(url, good)
    assert response.status_code == 302 and response.url == url
    assert [
        (p.weekday, p.starts, p.ends, p.on_call, p.works_on_holidays)
        for p in WorkingPattern.objects.filter(staff=carmen).order_by("weekday", "starts")
    ] == [
        (0, T(8), T(12), False, False),
        (0, T(13), T(17), False, True),
        (4, T(22), T(0), True, False),
    ]
    # A coordinator without ?staff= chooses a clinician; a physician cannot edit a colleague.
    assert "Carmen" in client.get(reverse("scheduling:patterns")).content.decode()
    client = login(world.other_physician, language="en")
    assert client.get(url).status_code == 403


def test_more_saved_periods_than_two_are_all_shown(login, world):
    carmen = world.physician_spain.staff_profile
    for starts, ends in ((T(6), T(8)), (T(9), T(12)), (T(13), T(17))):
        give_hours(carmen, starts, ends, weekdays=[2])
    page = login(world.physician_spain).get(reverse("scheduling:patterns")).content.decode()
    assert 'name="d2-2-starts" value="13:00"' in page


# --- In the browser -------------------------------------------------------------------------------


def _serious(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_canary_physician_edits_hours_by_keyboard(world, browser_login, live_server):
    from playwright.sync_api import expect

    carmen = world.physician_spain.staff_profile
    carmen.time_zone = "Atlantic/Canary"
    carmen.save()
    page = browser_login(world.physician_spain, language="en")
    page.goto(f"{live_server.url}{reverse('scheduling:calendar')}")
    page.get_by_role("link", name="Edit working hours").click()
    expect(page.get_by_text("Your times, Atlantic/Canary")).to_be_visible()
    assert not _serious(page)
    # Every input has its own name for screen readers; native time inputs and checkboxes.
    page.get_by_label("Monday, period 1, from").fill("09:00")
    page.get_by_label("Monday, period 1, until").fill("17:00")
    page.get_by_label("Monday, period 1, also on public holidays").focus()
    page.keyboard.press("Space")
    page.get_by_label("Monday, period 2, from").fill("16:00")
    page.get_by_label("Monday, period 2, until").fill("18:00")
    page.get_by_role("button", name="Save working hours").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.get_by_text("Monday 16:00–18:00 overlaps Monday 09:00–17:00")).to_be_visible()
    expect(page.get_by_label("Monday, period 1, until")).to_have_value("17:00")
    assert not _serious(page)
    page.get_by_label("Monday, period 2, from").fill("")
    page.get_by_label("Monday, period 2, until").fill("")
    page.get_by_role("button", name="Save working hours").click()
    expect(page.get_by_text("The working hours of Carmen Doctor were saved.")).to_be_visible()
    expect(page.locator("tr", has_text="Monday").first).to_contain_text("10:00–18:00")
    pattern = WorkingPattern.objects.get(staff=carmen)
    assert (pattern.weekday, pattern.starts, pattern.ends, pattern.works_on_holidays) == (
        0,
        T(9),
        T(17),
        True,
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_registers_sick_leave_and_replans(
    world,
    browser_login,
    live_server,
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from digifys.scheduling import planning
    from digifys.testing.world import assign

    monday = planning.monday_of(timezone.localdate()) + datetime.timedelta(days=7)
    carmen = world.physician_spain.staff_profile
    david = world.other_physician.staff_profile
    give_hours(carmen, T(8), T(16), weekdays=range(5))
    give_hours(david, T(8), T(16), weekdays=range(5))
    assign(world.resident_mala, david, "deputy")
    _request(world, world.resident_mala, monday)
    plan = planning.propose_plan(actor=world.coordinator, week_start=monday, time_limit=2)
    planning.accept_plan(actor=world.coordinator, plan=plan)

    page = browser_login(world.coordinator, language="en")
    page.goto(f"{live_server.url}{reverse('scheduling:absences')}")
    page.get_by_role("link", name="Register an absence").click()
    assert not _serious(page)
    page.get_by_label("Clinician").select_option(label="Carmen Doctor (Physician)")
    page.get_by_label("Kind").select_option("sick")
    page.get_by_label("First day").fill(monday.isoformat())
    page.get_by_label("Last day").fill((monday + datetime.timedelta(days=6)).isoformat())
    page.get_by_role("button", name="Register the absence").click()
    expect(page.get_by_role("heading", name="An accepted week plan is affected")).to_be_visible()
    assert not _serious(page)
    reason = page.get_by_label("Reason for re-planning")
    expect(reason).to_have_value(replan_reason(Absence.objects.get()))
    number = monday.isocalendar()[1]
    page.get_by_role("button", name=f"Re-plan week {number}").click()
    expect(page.get_by_text("A re-plan was proposed.")).to_be_visible()
    new = Plan.objects.get(replanned_from=plan)
    assert new.items.get().clinician == david
