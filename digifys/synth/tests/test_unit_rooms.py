"""Every generated unit has numbered rooms, and its residents live in them (issue 12 §4.8)."""

import datetime

import pytest

from digifys.directory.models import Organisation
from digifys.residents.models import Resident
from digifys.synth.region import STOCKHOLM, generate_region

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 27, 0, 0, tzinfo=STOCKHOLM)


def test_each_unit_has_a_room_range_holding_its_residents_rooms():
    generate_region(seed=3, scale=40, now=NOW)

    units = list(Organisation.objects.units())
    assert units
    for unit in units:
        assert unit.has_room_range, unit.name
        rooms = [
            int(room) for room in Resident.objects.filter(unit=unit).values_list("room", flat=True)
        ]
        assert rooms, unit.name
        assert min(rooms) == unit.first_room
        assert max(rooms) == unit.last_room
        active = Resident.objects.filter(unit=unit, status=Resident.Status.ACTIVE).count()
        assert unit.last_room - unit.first_room + 1 >= active
