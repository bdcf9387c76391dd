"""The demo seed gives each unit a slot and two weeks of rounds with agendas."""

import datetime

import pytest

from digifys.rounds.demo import seed_round_slots
from digifys.rounds.models import AgendaItem, Round, RoundSlot

pytestmark = pytest.mark.django_db


def test_seed_round_slots(world):
    now = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)
    rounds = seed_round_slots(now=now)
    slots = {slot.unit_id: slot for slot in RoundSlot.objects.all()}
    assert set(slots) == {world.unit_mala.pk, world.unit_storuman.pk}
    assert slots[world.unit_mala.pk].physician == world.physician_spain.staff_profile
    assert slots[world.unit_storuman.pk].physician is None  # nobody is named there
    assert len(rounds) == 4
    assert {r.starts_at.date() for r in rounds} >= {datetime.date(2026, 11, 23)}
    # Nobody has had a physician contact: everyone is on their unit's agenda.
    assert AgendaItem.objects.filter(round__unit=world.unit_mala).count() == 4
    again = seed_round_slots(now=now)
    assert [r.pk for r in again] == [r.pk for r in rounds]
    assert Round.objects.count() == 4 and AgendaItem.objects.count() == 6
