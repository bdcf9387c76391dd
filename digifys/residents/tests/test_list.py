import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digifys.careteams.models import PhysicianAssignment
from digifys.residents.identity import parse_identity_number
from digifys.residents.models import Resident
from digifys.residents.testnumbers import load_test_personnummer

STARTED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _bulk_residents(world, count: int) -> None:
    """Add COUNT residents to the Malå unit, each with a named physician."""
    taken = set(Resident.objects.values_list("identity_number", flat=True))
    numbers = [n for n in load_test_personnummer() if n not in taken and n[:2] == "19"][:count]
    residents = Resident.objects.bulk_create(
        [
            Resident(
                identity_kind="personnummer",
                identity_number=number,
                given_name="Bulk",
                family_name=f"Boende{i:05d}",
                birth_date=parse_identity_number(number).birth_date,
                home_municipality_code="2418",
                unit=world.unit_mala,
                room=str(i),
            )
            for i, number in enumerate(numbers)
        ]
    )
    physician = world.physician_spain.staff_profile
    PhysicianAssignment.objects.bulk_create(
        [
            PhysicianAssignment(resident=r, physician=physician, role="named", started_at=STARTED)
            for r in residents
        ]
    )


def _queries_for_list(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("residents:list"), params)
    assert response.status_code == 200
    return len(queries)


def test_the_resident_list_uses_a_constant_number_of_queries(world, login):
    client = login(world.nurse_mala)
    _bulk_residents(world, 25)
    small = _queries_for_list(client)
    _bulk_residents(world, 2500 - 25)
    assert Resident.objects.filter(unit=world.unit_mala).count() == 2502
    large = _queries_for_list(client)
    assert large == small
    assert _queries_for_list(client, page=50) == small


def test_the_resident_list_paginates(world, login):
    _bulk_residents(world, 60)
    client = login(world.nurse_mala, language="en")
    page = client.get(reverse("residents:list"), {"page": 3}).content.decode()
    assert "Page 3 of 3" in page
    assert "62 residents" in page
    assert 'rel="prev"' in page


def test_a_nurse_sees_only_residents_of_her_units(world, login):
    page = login(world.nurse_mala).get(reverse("residents:list")).content.decode()
    assert "Lind" in page and "Nord" in page
    assert "Berg" not in page


@pytest.mark.parametrize(
    ("search", "found", "not_found"),
    [
        ("Lind", "Greta", "Helge"),
        ("greta lind", "Greta", "Helge"),
        ("Helge", "Helge", "Greta"),
    ],
)
def test_the_resident_list_searches_by_name(world, login, search, found, not_found):
    page = login(world.coordinator).get(reverse("residents:list"), {"q": search}).content.decode()
    assert found in page
    assert not_found not in page


def test_the_resident_list_searches_by_identity_number_in_any_written_form(world, login):
    number = world.resident_storuman.identity_number
    client = login(world.coordinator)
    for written in (number, f"{number[:8]}-{number[8:]}", f"{number[2:8]}-{number[8:]}"):
        page = client.get(reverse("residents:list"), {"q": written}).content.decode()
        assert "Inga" in page, written
        assert "Greta" not in page, written


def test_the_resident_list_filters_by_unit(world, login):
    client = login(world.coordinator)
    page = client.get(reverse("residents:list"), {"unit": world.unit_storuman.pk}).content.decode()
    assert "Inga" in page and "Greta" not in page


def test_an_htmx_search_returns_only_the_results_partial(world, login):
    response = login(world.coordinator).get(
        reverse("residents:list"), {"q": "Lind"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "Greta" in page
    assert "<html" not in page


def test_an_empty_search_says_what_to_do(world, login):
    page = (
        login(world.coordinator, language="en")
        .get(reverse("residents:list"), {"q": "Zzyzx"})
        .content.decode()
    )
    assert "No residents match your search" in page
