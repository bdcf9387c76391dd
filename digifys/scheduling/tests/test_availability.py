"""Availability across Sweden, mainland Spain and the Canary Islands (domain-spec §7).

A clinician's working pattern is wall-clock time in their own zone; the resident's side is always
Stockholm time. Public holidays come from the `holidays` package for the work country and
autonomous community; Sweden adds Midsommarafton, Julafton and Nyårsafton.
"""

import datetime
from zoneinfo import ZoneInfo

import holidays
import pytest
import time_machine

from digifys.accounts.models import Role
from digifys.directory.models import Organisation
from digifys.scheduling.availability import is_public_holiday, is_working, local_to_utc
from digifys.scheduling.models import Absence, WorkingPattern
from digifys.testing.world import give_hours, make_org, make_staff

UTC = datetime.UTC
STOCKHOLM = ZoneInfo("Europe/Stockholm")
MADRID = ZoneInfo("Europe/Madrid")
CANARY = ZoneInfo("Atlantic/Canary")
WEEKDAYS = range(5)
NINE_TO_FIVE = (datetime.time(9, 0), datetime.time(17, 0))


def stockholm(year, month, day, hour, minute=0, second=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=STOCKHOLM)


def madrid(year, month, day, hour, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=MADRID)


def utc(year, month, day, hour, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def clinic(db):
    return make_org(Organisation.Kind.VIRTUAL_CLINIC, "Virtuella kliniken", country="ES")


@pytest.fixture
def make_clinician(clinic):
    def _make(username, *, time_zone, country, subdivision=""):
        return make_staff(
            username,
            Role.PHYSICIAN,
            clinic,
            time_zone=time_zone,
            work_country=country,
            work_subdivision=subdivision,
        )

    return _make


@pytest.fixture
def gran_canaria(make_clinician):
    """Works 09:00–17:00 local time on weekdays, not on public holidays."""
    staff = make_clinician(
        "carmen.canaria", time_zone="Atlantic/Canary", country="ES", subdivision="CN"
    )
    give_hours(staff, *NINE_TO_FIVE, weekdays=WEEKDAYS, works_on_holidays=False)
    return staff


@pytest.fixture
def malaga(make_clinician):
    staff = make_clinician(
        "manuel.malaga", time_zone="Europe/Madrid", country="ES", subdivision="AN"
    )
    give_hours(staff, *NINE_TO_FIVE, weekdays=WEEKDAYS, works_on_holidays=False)
    return staff


@pytest.fixture
def madrid_clinician(make_clinician):
    staff = make_clinician(
        "maria.madrid", time_zone="Europe/Madrid", country="ES", subdivision="MD"
    )
    give_hours(staff, *NINE_TO_FIVE, weekdays=WEEKDAYS, works_on_holidays=False)
    return staff


@pytest.fixture
def umea(make_clinician):
    staff = make_clinician("ulla.umea", time_zone="Europe/Stockholm", country="SE")
    give_hours(staff, *NINE_TO_FIVE, weekdays=WEEKDAYS, works_on_holidays=False)
    return staff


# --- Gran Canaria: one hour behind Stockholm all year -----------------------------------------

# The second Wednesday of every month of 2026 (no Canarian holiday falls on a Wednesday in 2026),
# plus the weekdays either side of both daylight-saving switches.
CANARY_DAYS = [
    datetime.date(2026, month, 8)
    + datetime.timedelta(days=(2 - datetime.date(2026, month, 8).weekday()) % 7)
    for month in range(1, 13)
] + [
    datetime.date(2026, 3, 27),
    datetime.date(2026, 3, 30),
    datetime.date(2026, 10, 23),
    datetime.date(2026, 10, 26),
]


@pytest.mark.parametrize("day", CANARY_DAYS, ids=str)
def test_a_clinician_on_gran_canaria_working_nine_to_five_works_ten_to_six_stockholm_time(
    gran_canaria, day
):
    assert day.weekday() < 5
    assert day not in holidays.country_holidays("ES", subdiv="CN", years=2026)

    def at(hour, minute):
        return stockholm(day.year, day.month, day.day, hour, minute)

    assert not is_working(gran_canaria, at(9, 59))
    assert is_working(gran_canaria, at(10, 0))
    assert is_working(gran_canaria, at(17, 59))
    assert not is_working(gran_canaria, at(18, 0))


def test_the_canary_hour_holds_in_winter_and_in_summer(gran_canaria, malaga):
    winter = (stockholm(2026, 1, 14, 9, 30), stockholm(2026, 1, 14, 17, 30))
    summer = (stockholm(2026, 7, 15, 9, 30), stockholm(2026, 7, 15, 17, 30))

    for morning, evening in (winter, summer):
        # Málaga shares Stockholm's clock; Gran Canaria starts and ends an hour later.
        assert is_working(malaga, morning) and not is_working(gran_canaria, morning)
        assert is_working(gran_canaria, evening) and not is_working(malaga, evening)


def test_is_working_defaults_to_now(gran_canaria):
    with time_machine.travel(stockholm(2026, 1, 14, 10, 0), tick=False):
        assert is_working(gran_canaria)
    with time_machine.travel(stockholm(2026, 1, 14, 9, 59), tick=False):
        assert not is_working(gran_canaria)


def test_a_naive_datetime_is_refused_because_it_is_not_an_instant(gran_canaria):
    with pytest.raises(ValueError, match="aware datetime"):
        is_working(gran_canaria, datetime.datetime(2026, 1, 14, 10, 0))


# --- Spanish national and Andalusian holidays ---------------------------------------------------

SPANISH_NATIONAL_WEEKDAYS = [
    datetime.date(2026, 1, 1),  # Año Nuevo (Thu)
    datetime.date(2026, 1, 6),  # Epifanía (Tue)
    datetime.date(2026, 4, 3),  # Viernes Santo (Fri)
    datetime.date(2026, 5, 1),  # Fiesta del Trabajo (Fri)
    datetime.date(2026, 10, 12),  # Fiesta Nacional de España (Mon)
    datetime.date(2026, 12, 8),  # Inmaculada Concepción (Tue)
    datetime.date(2026, 12, 25),  # Navidad (Fri)
]
# Andalusia only (domain-spec §7.1): Jueves Santo, and the Mondays after Todos los Santos (Sun 1
# Nov) and Día de la Constitución (Sun 6 Dec). Día de Andalucía, 28 Feb 2026, is a Saturday.
ANDALUSIAN_WEEKDAYS = [
    datetime.date(2026, 4, 2),
    datetime.date(2026, 11, 2),
    datetime.date(2026, 12, 7),
]


def test_the_holidays_package_agrees_with_the_domain_spec():
    national = holidays.country_holidays("ES", years=2026)
    andalusia = holidays.country_holidays("ES", subdiv="AN", years=2026)

    assert all(day in national and day in andalusia for day in SPANISH_NATIONAL_WEEKDAYS)
    assert all(day in andalusia and day not in national for day in ANDALUSIAN_WEEKDAYS)
    assert datetime.date(2026, 2, 28) in andalusia
    assert datetime.date(2026, 2, 28).weekday() == 5  # Saturday: nobody works it anyway


@pytest.mark.parametrize("day", SPANISH_NATIONAL_WEEKDAYS + ANDALUSIAN_WEEKDAYS, ids=str)
def test_spanish_national_and_andalusian_holidays_block_a_malaga_clinician(malaga, day):
    assert day.weekday() < 5
    assert is_public_holiday(malaga, day)
    for hour in (9, 12, 16):
        assert not is_working(malaga, madrid(day.year, day.month, day.day, hour))


@pytest.mark.parametrize(
    "day",
    [datetime.date(2026, 2, 27), datetime.date(2026, 4, 1), datetime.date(2026, 12, 9)],
    ids=str,
)
def test_a_malaga_clinician_works_ordinary_weekdays_next_to_the_holidays(malaga, day):
    assert not is_public_holiday(malaga, day)
    assert is_working(malaga, madrid(day.year, day.month, day.day, 12))


def test_the_autonomous_community_decides_the_regional_days(malaga, gran_canaria):
    # Monday 7 December 2026 is a holiday in Andalusia but not in the Canary Islands.
    assert not is_working(malaga, stockholm(2026, 12, 7, 12))
    assert is_working(gran_canaria, stockholm(2026, 12, 7, 12))
    # Both are off on the national day the next day.
    assert not is_working(malaga, stockholm(2026, 12, 8, 12))
    assert not is_working(gran_canaria, stockholm(2026, 12, 8, 12))


def test_the_subdivision_code_is_matched_case_insensitively(make_clinician):
    # Found by this test: "an" fell back to Spain's national calendar and missed Andalusia's days.
    staff = make_clinician("lola.lower", time_zone="Europe/Madrid", country="ES", subdivision="an ")
    give_hours(staff, *NINE_TO_FIVE, weekdays=WEEKDAYS, works_on_holidays=False)

    assert is_public_holiday(staff, datetime.date(2026, 11, 2))
    assert not is_working(staff, madrid(2026, 11, 2, 12))


def test_an_unknown_subdivision_falls_back_to_the_national_holidays(make_clinician):
    staff = make_clinician(
        "xavi.unknown", time_zone="Europe/Madrid", country="ES", subdivision="XX"
    )

    assert is_public_holiday(staff, datetime.date(2026, 12, 8))
    assert not is_public_holiday(staff, datetime.date(2026, 11, 2))


# --- Swedish holidays: Midsommarafton, Julafton, Nyårsafton ------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        datetime.date(2026, 6, 19),  # Midsommarafton (Fri), de facto
        datetime.date(2026, 12, 24),  # Julafton (Thu), de facto
        datetime.date(2026, 12, 31),  # Nyårsafton (Thu), de facto
        datetime.date(2026, 5, 14),  # Kristi himmelsfärdsdag (Thu), public
        datetime.date(2026, 4, 6),  # Annandag påsk (Mon), public
    ],
    ids=str,
)
def test_swedish_holidays_and_eves_block_a_swedish_clinician_while_madrid_works(
    umea, madrid_clinician, day
):
    noon = stockholm(day.year, day.month, day.day, 12)

    assert not is_working(umea, noon)
    assert is_working(madrid_clinician, noon)


def test_midsommarafton_blocks_swedish_clinicians_but_not_spanish_ones(
    umea, madrid_clinician, malaga, gran_canaria
):
    midsommarafton = datetime.date(2026, 6, 19)
    assert (
        holidays.country_holidays(
            "SE", years=2026, categories=("public", "de_facto"), language="sv"
        )[midsommarafton]
        == "Midsommarafton"
    )

    assert not is_working(umea, stockholm(2026, 6, 19, 12))
    assert is_working(madrid_clinician, stockholm(2026, 6, 19, 12))
    assert is_working(malaga, stockholm(2026, 6, 19, 12))
    assert is_working(gran_canaria, stockholm(2026, 6, 19, 12))
    # The day before, everyone works.
    assert is_working(umea, stockholm(2026, 6, 18, 12))


# --- absences -------------------------------------------------------------------------------


def test_an_absence_blocks_every_day_from_first_to_last_inclusive(umea):
    Absence.objects.create(
        staff=umea,
        kind=Absence.Kind.VACATION,
        starts_on=datetime.date(2026, 6, 1),
        ends_on=datetime.date(2026, 6, 5),
    )

    assert is_working(umea, stockholm(2026, 5, 29, 12))
    assert not is_working(umea, stockholm(2026, 6, 1, 9))
    assert not is_working(umea, stockholm(2026, 6, 3, 12))
    assert not is_working(umea, stockholm(2026, 6, 5, 16, 59))
    assert is_working(umea, stockholm(2026, 6, 8, 9))


def test_an_absence_also_blocks_on_duty_and_holiday_hours(umea):
    give_hours(umea, datetime.time(0, 0), datetime.time(0, 0), on_call=True, works_on_holidays=True)
    Absence.objects.create(
        staff=umea,
        kind=Absence.Kind.SICK,
        starts_on=datetime.date(2026, 6, 19),
        ends_on=datetime.date(2026, 6, 19),
    )

    assert not is_working(umea, stockholm(2026, 6, 19, 12))
    assert not is_working(umea, stockholm(2026, 6, 19, 12), on_call=True)
    assert is_working(umea, stockholm(2026, 6, 20, 12), on_call=True)


def test_absence_days_are_the_clinicians_local_days(make_clinician):
    staff = make_clinician(
        "carlos.night", time_zone="Atlantic/Canary", country="ES", subdivision="CN"
    )
    give_hours(staff, datetime.time(0, 0), datetime.time(0, 0), works_on_holidays=True)
    Absence.objects.create(
        staff=staff,
        kind=Absence.Kind.COURSE,
        starts_on=datetime.date(2026, 3, 10),
        ends_on=datetime.date(2026, 3, 10),
    )

    # 00:30 in Stockholm on the 11th is still 23:30 on the 10th on Gran Canaria.
    assert not is_working(staff, stockholm(2026, 3, 11, 0, 30))
    assert is_working(staff, stockholm(2026, 3, 11, 1, 0))
    assert is_working(staff, stockholm(2026, 3, 10, 0, 30))  # 23:30 on the 9th locally


def test_prefetched_patterns_and_absences_are_used_without_queries(umea, django_assert_num_queries):
    patterns = list(umea.working_patterns.all())
    absence = Absence(
        staff=umea,
        kind=Absence.Kind.VACATION,
        starts_on=datetime.date(2026, 6, 8),
        ends_on=datetime.date(2026, 6, 8),
    )

    with django_assert_num_queries(0):
        assert is_working(umea, stockholm(2026, 6, 9, 12), patterns=patterns, absences=[absence])
        assert not is_working(
            umea, stockholm(2026, 6, 8, 12), patterns=patterns, absences=[absence]
        )
        assert not is_working(umea, stockholm(2026, 6, 19, 12), patterns=patterns, absences=[])


# --- patterns: holidays, midnight, on duty -------------------------------------------------------


def test_a_pattern_that_works_on_holidays_still_works_on_holidays(make_clinician):
    staff = make_clinician(
        "hugo.holiday", time_zone="Europe/Madrid", country="ES", subdivision="AN"
    )
    give_hours(staff, *NINE_TO_FIVE, weekdays=WEEKDAYS, works_on_holidays=True)

    assert is_working(staff, madrid(2026, 12, 8, 12))
    assert is_working(staff, madrid(2026, 11, 2, 12))
    assert not is_working(staff, madrid(2026, 12, 8, 17))  # the hours still apply


def test_only_the_holiday_pattern_counts_on_a_holiday(malaga):
    WorkingPattern.objects.create(
        staff=malaga,
        weekday=1,  # Tuesday
        starts=datetime.time(17, 0),
        ends=datetime.time(21, 0),
        on_call=True,
        works_on_holidays=True,
    )
    inmaculada_morning = madrid(2026, 12, 8, 12)
    inmaculada_evening = madrid(2026, 12, 8, 19)

    assert not is_working(malaga, inmaculada_morning)
    assert is_working(malaga, inmaculada_evening)
    assert is_working(malaga, inmaculada_evening, on_call=True)
    assert not is_working(malaga, inmaculada_evening, on_call=False)


def test_ends_at_midnight_means_the_end_of_the_day(umea):
    WorkingPattern.objects.create(
        staff=umea, weekday=0, starts=datetime.time(18, 0), ends=datetime.time(0, 0)
    )

    assert is_working(umea, stockholm(2026, 1, 12, 18, 0))  # Monday
    assert is_working(umea, stockholm(2026, 1, 12, 23, 59, 59))
    # Tuesday 00:00 belongs to Tuesday, whose hours start at 09:00.
    assert not is_working(umea, stockholm(2026, 1, 13, 0, 0))
    assert not is_working(umea, stockholm(2026, 1, 12, 17, 59))  # 17:00–18:00 is a gap


def test_midnight_to_midnight_is_the_whole_day(make_clinician):
    staff = make_clinician("dora.duty", time_zone="Europe/Stockholm", country="SE")
    WorkingPattern.objects.create(
        staff=staff, weekday=2, starts=datetime.time(0, 0), ends=datetime.time(0, 0)
    )

    assert is_working(staff, stockholm(2026, 1, 14, 0, 0))
    assert is_working(staff, stockholm(2026, 1, 14, 12, 0))
    assert is_working(staff, stockholm(2026, 1, 14, 23, 59, 59))
    assert not is_working(staff, stockholm(2026, 1, 13, 23, 59, 59))
    assert not is_working(staff, stockholm(2026, 1, 15, 0, 0))


def test_on_call_narrows_to_duty_hours_and_false_to_ordinary_hours(umea):
    give_hours(umea, datetime.time(17, 0), datetime.time(0, 0), weekdays=WEEKDAYS, on_call=True)
    day = stockholm(2026, 1, 14, 12)
    evening = stockholm(2026, 1, 14, 20)

    assert is_working(umea, day)
    assert not is_working(umea, day, on_call=True)
    assert is_working(umea, day, on_call=False)
    assert is_working(umea, evening)
    assert is_working(umea, evening, on_call=True)
    assert not is_working(umea, evening, on_call=False)
    # At 17:00 the ordinary hours end and the duty hours begin.
    assert is_working(umea, stockholm(2026, 1, 14, 17), on_call=True)
    assert not is_working(umea, stockholm(2026, 1, 14, 17), on_call=False)


def test_no_pattern_means_never_working(make_clinician):
    staff = make_clinician("nils.nohours", time_zone="Europe/Stockholm", country="SE")

    assert not is_working(staff, stockholm(2026, 1, 14, 12))


# --- daylight-saving time in is_working -----------------------------------------------------------


def _working_minutes(staff, start: datetime.datetime, end: datetime.datetime) -> list:
    patterns = list(staff.working_patterns.all())
    minutes = []
    moment = start
    while moment < end:
        if is_working(staff, moment, patterns=patterns, absences=[]):
            minutes.append(moment)
        moment += datetime.timedelta(minutes=1)
    return minutes


@pytest.fixture
def sunday_night_worker(make_clinician):
    staff = make_clinician("sven.sunday", time_zone="Europe/Stockholm", country="SE")

    def _with(starts, ends):
        staff.working_patterns.all().delete()
        WorkingPattern.objects.create(
            staff=staff, weekday=6, starts=starts, ends=ends, works_on_holidays=True
        )
        return staff

    return _with


def test_in_the_spring_gap_no_instant_falls_in_the_missing_hour(sunday_night_worker):
    # 2026-03-29 01:00 UTC: Stockholm jumps from 02:00 CET to 03:00 CEST.
    missing_hour = sunday_night_worker(datetime.time(2, 0), datetime.time(3, 0))
    assert _working_minutes(missing_hour, utc(2026, 3, 28, 22), utc(2026, 3, 29, 4)) == []

    night = sunday_night_worker(datetime.time(1, 0), datetime.time(4, 0))
    minutes = _working_minutes(night, utc(2026, 3, 28, 22), utc(2026, 3, 29, 4))
    # 01:00–04:00 on the wall clock is only two real hours that night.
    assert len(minutes) == 120
    assert (minutes[0], minutes[-1]) == (utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 1, 59))
    # Either side of the jump: 01:59 CET and 03:00 CEST are one minute apart.
    assert is_working(night, utc(2026, 3, 29, 0, 59))
    assert is_working(night, utc(2026, 3, 29, 1, 0))


def test_in_the_autumn_fold_the_repeated_hour_is_worked_twice(sunday_night_worker):
    # 2026-10-25 01:00 UTC: Stockholm goes back from 03:00 CEST to 02:00 CET.
    repeated_hour = sunday_night_worker(datetime.time(2, 0), datetime.time(3, 0))
    minutes = _working_minutes(repeated_hour, utc(2026, 10, 24, 22), utc(2026, 10, 25, 4))
    assert len(minutes) == 120
    assert (minutes[0], minutes[-1]) == (utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 1, 59))

    night = sunday_night_worker(datetime.time(1, 0), datetime.time(4, 0))
    assert len(_working_minutes(night, utc(2026, 10, 24, 22), utc(2026, 10, 25, 4))) == 240


def test_a_whole_sunday_lasts_23_hours_in_spring_and_25_in_autumn(sunday_night_worker):
    staff = sunday_night_worker(datetime.time(0, 0), datetime.time(0, 0))
    hour = datetime.timedelta(hours=1)

    spring = _working_minutes(staff, utc(2026, 3, 28, 20), utc(2026, 3, 29, 23))
    autumn = _working_minutes(staff, utc(2026, 10, 24, 20), utc(2026, 10, 25, 23))

    assert len(spring) * datetime.timedelta(minutes=1) == 23 * hour
    assert len(autumn) * datetime.timedelta(minutes=1) == 25 * hour


def test_the_canary_islands_switch_at_the_same_instant_as_stockholm(gran_canaria):
    # Friday before and Monday after each switch: still 10:00–18:00 Stockholm time.
    for day in (
        datetime.date(2026, 3, 27),
        datetime.date(2026, 3, 30),
        datetime.date(2026, 10, 23),
        datetime.date(2026, 10, 26),
    ):
        start = local_to_utc(day, datetime.time(9, 0), "Atlantic/Canary")
        assert start == local_to_utc(day, datetime.time(10, 0), "Europe/Stockholm")
        assert is_working(gran_canaria, start)
        assert not is_working(gran_canaria, start - datetime.timedelta(seconds=1))


# --- local_to_utc ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "local", "zone", "expected"),
    [
        (datetime.date(2026, 1, 14), datetime.time(9, 0), "Atlantic/Canary", utc(2026, 1, 14, 9)),
        (datetime.date(2026, 7, 15), datetime.time(9, 0), "Atlantic/Canary", utc(2026, 7, 15, 8)),
        (datetime.date(2026, 1, 14), datetime.time(10, 0), "Europe/Stockholm", utc(2026, 1, 14, 9)),
        (datetime.date(2026, 7, 15), datetime.time(10, 0), "Europe/Stockholm", utc(2026, 7, 15, 8)),
        (datetime.date(2026, 7, 15), datetime.time(10, 0), "Europe/Madrid", utc(2026, 7, 15, 8)),
        # Just before and after the spring gap.
        (
            datetime.date(2026, 3, 29),
            datetime.time(1, 59),
            "Europe/Stockholm",
            utc(2026, 3, 29, 0, 59),
        ),
        (
            datetime.date(2026, 3, 29),
            datetime.time(3, 0),
            "Europe/Stockholm",
            utc(2026, 3, 29, 1, 0),
        ),
        # Canary's gap is an hour earlier on its own clock (01:00–02:00 WET).
        (
            datetime.date(2026, 3, 29),
            datetime.time(2, 30),
            "Atlantic/Canary",
            utc(2026, 3, 29, 1, 30),
        ),
        # The autumn fold: the earlier instant (still summer time).
        (
            datetime.date(2026, 10, 25),
            datetime.time(2, 30),
            "Europe/Stockholm",
            utc(2026, 10, 25, 0, 30),
        ),
        (
            datetime.date(2026, 10, 25),
            datetime.time(3, 0),
            "Europe/Stockholm",
            utc(2026, 10, 25, 2, 0),
        ),
        (
            datetime.date(2026, 10, 25),
            datetime.time(1, 30),
            "Atlantic/Canary",
            utc(2026, 10, 25, 0, 30),
        ),
    ],
)
def test_local_to_utc_turns_a_wall_clock_time_into_an_instant(day, local, zone, expected):
    instant = local_to_utc(day, local, zone)

    assert instant == expected
    assert instant.tzinfo is UTC


@pytest.mark.parametrize(
    ("local", "zone"),
    [
        (datetime.time(2, 0), "Europe/Stockholm"),
        (datetime.time(2, 30), "Europe/Stockholm"),
        (datetime.time(2, 59), "Europe/Stockholm"),
        (datetime.time(2, 30), "Europe/Madrid"),
        (datetime.time(1, 30), "Atlantic/Canary"),
    ],
)
def test_local_to_utc_refuses_a_time_in_the_spring_gap(local, zone):
    with pytest.raises(ValueError, match="does not exist in"):
        local_to_utc(datetime.date(2026, 3, 29), local, zone)


def test_local_to_utc_picks_the_earlier_instant_in_the_fold_whatever_the_fold_flag():
    day = datetime.date(2026, 10, 25)
    first = local_to_utc(day, datetime.time(2, 30, fold=0), "Europe/Stockholm")
    second = local_to_utc(day, datetime.time(2, 30, fold=1), "Europe/Stockholm")

    assert first == second == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(
    ("day", "zone"),
    [
        (datetime.date(2026, 3, 29), "Europe/Stockholm"),
        (datetime.date(2026, 10, 25), "Europe/Stockholm"),
        (datetime.date(2026, 3, 29), "Atlantic/Canary"),
        (datetime.date(2026, 10, 25), "Atlantic/Canary"),
    ],
)
def test_local_to_utc_round_trips_every_minute_of_a_switch_day(day, zone):
    tz = ZoneInfo(zone)
    refused = 0
    for minute in range(24 * 60):
        local = datetime.time(minute // 60, minute % 60)
        try:
            instant = local_to_utc(day, local, zone)
        except ValueError:
            refused += 1
            continue
        back = instant.astimezone(tz)
        assert (back.date(), back.time()) == (day, local)
    assert refused == (60 if day.month == 3 else 0)


def test_local_to_utc_refuses_unknown_zones_and_wrong_types():
    day = datetime.date(2026, 1, 14)
    with pytest.raises(ValueError, match="Unknown time zone"):
        local_to_utc(day, datetime.time(9, 0), "Europe/Malaga")
    with pytest.raises(ValueError, match="Unknown time zone"):
        local_to_utc(day, datetime.time(9, 0), "")
    with pytest.raises(ValueError, match="without tzinfo"):
        local_to_utc(day, datetime.time(9, 0, tzinfo=UTC), "Europe/Stockholm")
    with pytest.raises(TypeError):
        local_to_utc(datetime.datetime(2026, 1, 14, 9), datetime.time(9, 0), "Europe/Stockholm")
    with pytest.raises(TypeError):
        local_to_utc(day, "09:00", "Europe/Stockholm")  # type: ignore[arg-type]
