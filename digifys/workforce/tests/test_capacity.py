"""The capacity forecast (issue 15 §4) against a direct computation on a hand-made world."""

import datetime

import pytest

from digifys.careteams.models import CareContact
from digifys.directory.models import StaffLanguage
from digifys.scheduling.models import Absence
from digifys.testing.world import give_hours, make_resident
from digifys.workforce import capacity, licences
from digifys.workforce.models import HourPreference

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 1, 15)  # history: July-December 2026; forecast: February-July 2027


@pytest.fixture
def small_world(world, monkeypatch):
    carmen = world.physician_spain.staff_profile
    # Residents of Malå: two Swedish speakers since 2020 and one Finnish speaker since October.
    for resident in (world.resident_mala, world.resident_mala_2):
        resident.moved_in_on = datetime.date(2020, 1, 1)
        resident.preferred_languages = ["sv"]
        resident.save()
    make_resident(
        world.unit_mala,
        room="3",
        moved_in_on=datetime.date(2026, 10, 1),
        preferred_languages=["fi"],
    )
    world.resident_storuman.moved_in_on = datetime.date(2020, 1, 1)
    world.resident_storuman.save()
    # History: 150 physical visits (60 minutes each) in Malå over the six months, 25 hours a
    # month, and 90 phone calls (15 minutes each) in Storuman, 3.75 hours a month.
    for i in range(150):
        CareContact.objects.create(
            resident=world.resident_mala,
            clinician=carmen,
            unit=world.unit_mala,
            kind=CareContact.Kind.PHYSICAL,
            occurred_at=datetime.datetime(2026, 7, 1, 9, tzinfo=datetime.UTC)
            + datetime.timedelta(days=i, hours=i % 5),
        )
    for i in range(90):
        CareContact.objects.create(
            resident=world.resident_storuman,
            clinician=carmen,
            unit=world.unit_storuman,
            kind=CareContact.Kind.PHONE,
            occurred_at=datetime.datetime(2026, 8, 1, 9, tzinfo=datetime.UTC)
            + datetime.timedelta(days=i),
        )
    # Carmen: one hour every weekday (also on holidays), away 1-5 February, cannot Mondays
    # 08-10 (one hour of her hour), speaks Swedish; her licence ends after 19 June 2027.
    give_hours(carmen, datetime.time(8), datetime.time(9), weekdays=range(5))
    Absence.objects.create(
        staff=carmen,
        kind=Absence.Kind.VACATION,
        starts_on=datetime.date(2027, 2, 1),
        ends_on=datetime.date(2027, 2, 5),
    )
    HourPreference.objects.create(
        staff=carmen, kind="cannot", weekday=0, starts=datetime.time(8), ends=datetime.time(10)
    )
    StaffLanguage.objects.create(staff=carmen, language="sv", proficiency="professional")
    monkeypatch.setattr(
        licences,
        "licence_valid",
        lambda staff, on=None: staff.pk != carmen.pk or on <= datetime.date(2027, 6, 19),
    )
    return carmen


def test_the_forecast_matches_a_direct_computation(small_world):
    result = capacity.forecast(today=TODAY)

    assert [m.month for m in result.months][:2] == [
        datetime.date(2027, 2, 1),
        datetime.date(2027, 3, 1),
    ]
    growth = 1.5 ** (1 / 6)  # Malå: 2 residents six months ago, 3 now
    february, june = result.months[0], result.months[4]
    need_mala = 25 * growth  # 25 hours a month of history, one month of growth
    need_february = need_mala + 3.75  # Storuman: no growth
    assert february.need_hours == pytest.approx(need_february, abs=0.1)
    assert june.need_hours == pytest.approx(25 * growth**5 + 3.75, abs=0.1)
    # February 2027: 20 weekdays, 5 away, Mondays 8, 15 and 22 she cannot: 12 hours.
    assert february.available_hours == 12.0
    # June 2027: licensed 1-19 June: 14 weekdays, Mondays 7 and 14 she cannot: 12 hours.
    assert june.available_hours == 12.0
    # July: no licence, no hours.
    assert result.months[5].available_hours == 0.0
    assert february.shortfall_hours == pytest.approx(need_february - 12, abs=0.1)
    assert february.recruit == 1
    # Languages: Malå's need is two thirds Swedish, one third Finnish (Storuman: Swedish);
    # nobody speaks Finnish.
    assert february.by_language["sv"]["need"] == pytest.approx(need_mala * 2 / 3 + 3.75, abs=0.1)
    assert february.by_language["fi"]["available"] == 0.0
    assert february.by_language["fi"]["shortfall"] == pytest.approx(need_mala / 3, abs=0.1)
    assert result.recruit["fi"] == 1
    assert result.has_shortfall


def test_no_shortfall_when_the_hours_suffice(small_world):
    give_hours(small_world, datetime.time(10), datetime.time(12), weekdays=range(5))
    result = capacity.forecast(today=TODAY)
    february = result.months[0]
    assert february.available_hours == 12.0 + 15 * 2
    assert february.by_language["sv"]["shortfall"] == 0.0


# --------------------------------------------------------------------------------------------
# Nurses (issue 15 §4: per profession and language)


@pytest.fixture
def nurse_world(small_world, world):
    """Anna, Malå's nurse: half an hour every weekday, speaks Swedish and Finnish. History: 360
    vital-sign sets measured in Malå over the six months (10 minutes each): 10 hours a month."""
    from digifys.vitals.models import Observation

    anna = world.nurse_mala.staff_profile
    give_hours(anna, datetime.time(8), datetime.time(8, 30), weekdays=range(5))
    for language in ("sv", "fi"):
        StaffLanguage.objects.create(staff=anna, language=language, proficiency="professional")
    Observation.objects.bulk_create(
        Observation(
            resident=world.resident_mala,
            unit=world.unit_mala,
            recorded_by=world.nurse_mala,
            measured_at=datetime.datetime(2026, 7, 1, 8, tzinfo=datetime.UTC)
            + datetime.timedelta(hours=12 * i),
        )
        for i in range(360)
    )
    return anna


def test_the_nurse_forecast_matches_a_direct_computation(nurse_world, world):
    physicians, nurses = capacity.forecasts(today=TODAY)
    assert (physicians.profession, nurses.profession) == ("physician", "nurse")
    growth = 1.5 ** (1 / 6)
    february = nurses.months[0]
    need = 10 * growth  # Malå only; no medication reviews for nurses; Storuman has no history
    assert february.need_hours == pytest.approx(need, abs=0.1)
    # February 2027: 20 weekdays of half an hour (no absence, no preference): 10 hours.
    assert february.available_hours == 10.0
    assert february.shortfall_hours == pytest.approx(need - 10, abs=0.1)
    assert february.recruit == 1
    # Per language: two thirds Swedish, one third Finnish; Anna speaks both, so neither falls
    # short - unlike the physicians, none of whom speaks Finnish.
    assert february.by_language["sv"]["need"] == pytest.approx(need * 2 / 3, abs=0.1)
    assert february.by_language["fi"]["available"] == 10.0
    assert february.by_language["fi"]["shortfall"] == 0.0
    assert nurses.recruit == {"fi": 0, "sv": 0}
    assert physicians.recruit["fi"] == 1
    # The professions do not mix: the physician forecast is the one computed above.
    assert physicians.months[0].available_hours == 12.0
    assert physicians.months[0].need_hours == pytest.approx(25 * growth + 3.75, abs=0.1)


def test_the_capacity_page_shows_both_professions(nurse_world, world, login):
    import time_machine
    from django.urls import reverse

    with time_machine.travel(datetime.datetime(2027, 1, 15, 12, tzinfo=datetime.UTC)):
        client = login(world.coordinator, language="en")
        page = client.get(reverse("workforce:capacity"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="capacity-chart-physician"' in html and 'id="capacity-chart-nurse"' in html
    assert 'data-recruit-total-nurse="1"' in html
    assert "Nurses" in html and "Physicians" in html


def test_without_recorded_nursing_work_the_need_is_unknown_not_zero(small_world, world, login):
    """Physicians' history only: the nurse forecast has no history, and the page says the need
    cannot be estimated instead of promising no shortfall."""
    import time_machine
    from django.urls import reverse

    physicians, nurses = capacity.forecasts(today=TODAY)
    assert physicians.has_history and not nurses.has_history
    with time_machine.travel(datetime.datetime(2027, 1, 15, 12, tzinfo=datetime.UTC)):
        client = login(world.coordinator, language="en")
        html = client.get(reverse("workforce:capacity")).content.decode()
    assert 'data-recruit-total-nurse=""' in html
    assert "cannot be estimated yet" in html
    # No chart or tables of zeros under a need that cannot be estimated.
    assert 'id="capacity-chart-physician"' in html
    assert 'id="capacity-chart-nurse"' not in html


def test_a_shortfall_without_recorded_history_keeps_its_chart_and_tables(world, login):
    """Medication reviews falling due make a physician need even with no contacts recorded: the
    page shows that shortfall with its chart and tables, not the 'cannot be estimated' notice."""
    import time_machine
    from django.urls import reverse

    world.resident_mala.drug_related_problems = True  # a review falls due (HSLF-FS 2017:37)
    world.resident_mala.save()
    physicians, _nurses = capacity.forecasts(today=TODAY)
    assert not physicians.has_history and physicians.has_shortfall
    assert sum(m.need_hours for m in physicians.months) > 0
    with time_machine.travel(datetime.datetime(2027, 1, 15, 12, tzinfo=datetime.UTC)):
        client = login(world.coordinator, language="en")
        html = client.get(reverse("workforce:capacity")).content.decode()
    assert 'id="capacity-chart-physician"' in html
    assert 'data-recruit-total-physician="1"' in html
    assert 'id="capacity-chart-nurse"' not in html
