"""Issue 19 item 6: local and island holidays per work place, on top of the `holidays` package.

Málaga's local days (19 August and 8 September 2026) and the Canary island days (Decreto
61/2025: Gran Canaria 8 September, Tenerife 2 February) are not in the package's national and
regional lists. They ship in data/local_holidays.json with their source, and coordinators keep
them up to date.
"""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from digifys.accounts.models import Role
from digifys.audit.models import AuditEvent
from digifys.consults import services as consults
from digifys.consults.models import Consult
from digifys.scheduling import services
from digifys.scheduling.availability import LOCAL_HOLIDAYS_FILE, is_public_holiday
from digifys.scheduling.models import LocalHoliday
from digifys.testing.world import give_hours, make_staff

MADRID = ZoneInfo("Europe/Madrid")
D = datetime.date
WEEKDAYS = range(5)


def _seed():
    """The shipped days (the migration loads them; tests may run without migrations)."""
    for row in json.loads(LOCAL_HOLIDAYS_FILE.read_text(encoding="utf-8"))["holidays"]:
        LocalHoliday.objects.get_or_create(
            country=row["country"],
            place_key=row["place"].casefold(),
            date=D.fromisoformat(row["date"]),
            defaults={"place": row["place"], "name": row["name"], "source": row["source"]},
        )


@pytest.fixture
def seeded(db):
    _seed()


def _clinician(world, username, city, *, zone="Europe/Madrid", subdivision="AN"):
    return make_staff(
        username,
        Role.PHYSICIAN,
        world.clinic,
        work_country="ES",
        work_subdivision=subdivision,
        work_city=city,
        time_zone=zone,
    )


def test_every_shipped_date_names_its_source():
    data = json.loads(LOCAL_HOLIDAYS_FILE.read_text(encoding="utf-8"))
    assert data["holidays"]
    for row in data["holidays"]:
        assert row["source"].strip(), row
        D.fromisoformat(row["date"])


def test_routing_on_19_august_2026_does_not_send_a_consult_to_a_malaga_physician(world, seeded):
    # Carmen (Málaga, named physician) works weekdays but not on holidays; an on-duty physician
    # in Madrid covers. 19 August 2026 is a Wednesday and a Málaga local holiday.
    carmen = world.physician_spain.staff_profile
    give_hours(
        carmen, datetime.time(8), datetime.time(17), weekdays=WEEKDAYS, works_on_holidays=False
    )
    madrid = _clinician(world, "olga.onduty", "Madrid", subdivision="MD")
    give_hours(madrid, datetime.time(0), datetime.time(0), on_call=True)
    with time_machine.travel(datetime.datetime(2026, 8, 19, 10, 0, tzinfo=MADRID), tick=False):
        consult = consults.send_consult(
            actor=world.nurse_mala,
            resident=world.resident_mala,
            urgency="same_day",
            situation="Greta har ont i ryggen sedan i går.",
            background="Osteoporos.",
            assessment="Opåverkad, NEWS2 0.",
            recommendation="Bedömning i dag.",
        )
    assert consult.assigned_to == madrid
    assert consult.routed_to == Consult.RoutedTo.ON_DUTY
    # The day after, Carmen works again.
    with time_machine.travel(datetime.datetime(2026, 8, 20, 10, 0, tzinfo=MADRID), tick=False):
        from digifys.consults import routing

        assert routing.route(world.resident_mala).physician == carmen


def test_local_and_island_days_apply_by_work_city(world, seeded):
    malaga = world.physician_spain.staff_profile  # work city Málaga
    las_palmas = _clinician(
        world,
        "lucia.medica",
        "Las Palmas de Gran Canaria",
        zone="Atlantic/Canary",
        subdivision="CN",
    )
    santa_cruz = _clinician(
        world, "tomas.medico", "Santa Cruz de Tenerife", zone="Atlantic/Canary", subdivision="CN"
    )
    madrid = _clinician(world, "maria.madrid", "Madrid", subdivision="MD")
    assert is_public_holiday(malaga, D(2026, 8, 19))
    assert is_public_holiday(malaga, D(2026, 9, 8))
    assert is_public_holiday(las_palmas, D(2026, 9, 8))
    assert is_public_holiday(santa_cruz, D(2026, 2, 2))
    assert not is_public_holiday(las_palmas, D(2026, 2, 2))
    assert not is_public_holiday(santa_cruz, D(2026, 9, 8))
    assert not is_public_holiday(madrid, D(2026, 8, 19))
    assert not is_public_holiday(malaga, D(2026, 8, 18))


def test_the_calendar_lists_the_local_day_by_name(world, seeded):
    found = dict(services.holidays_ahead(world.physician_spain.staff_profile, D(2026, 8, 17), 7))
    assert found[D(2026, 8, 19)] == "Incorporación de Málaga a la Corona de Castilla"


# --- Coordinators keep the days --------------------------------------------------------------


def test_a_coordinator_adds_a_local_day_and_routing_follows(world, login):
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("scheduling:local_holiday_new"),
        {
            "country": "ES",
            "place": "málaga ",
            "date": "2027-08-19",
            "name": "Incorporación de Málaga a la Corona de Castilla",
            "source": "BOJA 2027 (test)",
        },
    )
    assert response.status_code == 302
    assert is_public_holiday(world.physician_spain.staff_profile, D(2027, 8, 19))
    assert AuditEvent.objects.filter(object_type="local_holiday", action="create").exists()


def test_a_local_day_without_a_source_is_refused_and_nothing_is_lost(world, login):
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("scheduling:local_holiday_new"),
        {"country": "ES", "place": "Málaga", "date": "2027-09-08", "name": "Virgen", "source": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Virgen"' in html and 'value="Málaga"' in html
    assert not LocalHoliday.objects.filter(date=D(2027, 9, 8)).exists()


def test_a_coordinator_changes_a_local_day(world, login):
    holiday = services.add_local_holiday(
        actor=world.coordinator,
        country="ES",
        place="Málaga",
        date=D(2027, 9, 7),
        name="Virgen de la Victoria",
        source="BOJA",
    )
    client = login(world.coordinator, language="en")
    url = reverse("scheduling:local_holiday_edit", args=[holiday.pk])
    assert 'value="Virgen de la Victoria"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "country": "ES",
            "place": "Málaga",
            "date": "2027-09-08",
            "name": "Virgen de la Victoria",
            "source": "BOJA",
        },
    )
    assert response.status_code == 302
    holiday.refresh_from_db()
    assert holiday.date == D(2027, 9, 8)


def test_deleting_a_local_day_asks_for_confirmation_first(world, login):
    holiday = services.add_local_holiday(
        actor=world.coordinator,
        country="ES",
        place="Málaga",
        date=D(2027, 9, 8),
        name="Virgen de la Victoria",
        source="BOJA",
    )
    client = login(world.coordinator, language="en")
    url = reverse("scheduling:local_holiday_delete", args=[holiday.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Remove the local holiday?" in page.content.decode()
    assert LocalHoliday.objects.filter(pk=holiday.pk).exists()
    assert client.post(url).status_code == 302
    assert not LocalHoliday.objects.filter(pk=holiday.pk).exists()
    assert not is_public_holiday(world.physician_spain.staff_profile, D(2027, 9, 8))
    assert AuditEvent.objects.filter(object_type="local_holiday", action="delete").exists()


def test_only_coordinators_change_local_days(world):
    with pytest.raises(PermissionDenied):
        services.add_local_holiday(
            actor=world.physician_spain,
            country="ES",
            place="Málaga",
            date=D(2027, 9, 8),
            name="Virgen de la Victoria",
            source="BOJA",
        )


def test_the_list_page_is_translated(world, login, seeded):
    client = login(world.coordinator, language="es")
    html = client.get(reverse("scheduling:local_holidays")).content.decode()
    assert "Festivos locales" in html
    assert "Nuestra Señora del Pino" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1366, 768])
def test_a_coordinator_adds_and_removes_a_local_day_at_laptop_and_tablet_width(
    world, browser_login, live_server, width
):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    _seed()
    page = browser_login(world.coordinator, language="en")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}{reverse('scheduling:absences')}")
    page.get_by_role("link", name="Local holidays").click()
    expect(page.get_by_role("cell", name="Nuestra Señora del Pino")).to_be_visible()
    page.get_by_role("link", name="Add a local holiday").click()
    page.get_by_label("Work place").fill("Málaga")
    page.get_by_label("Date").fill("2027-08-19")
    page.get_by_label("Holiday").fill("Incorporación de Málaga")
    page.get_by_label("Source").fill("BOJA 2027")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Incorporación de Málaga on 2027-08-19 in Málaga was added.")
    ).to_be_visible()
    # Nothing wider than the window: the table scrolls inside its wrapper, the page does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = Axe().run(page).response["violations"]
    assert not [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    page.get_by_role("link", name="Remove – Málaga 2027-08-19").click()
    expect(page.get_by_role("heading", name="Remove the local holiday?")).to_be_visible()
    page.get_by_role("button", name="Remove the local holiday").click()
    expect(page.get_by_text("was removed")).to_be_visible()
    assert not LocalHoliday.objects.filter(date=D(2027, 8, 19)).exists()
