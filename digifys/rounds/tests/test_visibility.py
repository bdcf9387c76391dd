"""Who sees a ward round: one rule (careteams.policy.round_filter_for) for every page."""

import pytest

from digifys.careteams.models import PhysicianAssignment
from digifys.rounds.models import Round
from digifys.rounds.tests.helpers import make_round

pytestmark = pytest.mark.django_db


def _sees(user, occurrence) -> bool:
    return Round.objects.visible_to(user).filter(pk=occurrence.pk).exists()


def test_the_units_nurse_and_its_named_physician_see_the_round(world):
    occurrence = make_round(world)
    assert _sees(world.nurse_mala, occurrence)
    assert _sees(world.physician_spain, occurrence)


def test_staff_of_other_units_and_other_physicians_do_not(world):
    occurrence = make_round(world)
    assert not _sees(world.nurse_storuman, occurrence)
    assert not _sees(world.other_physician, occurrence)


def test_the_physician_holding_the_round_sees_it_without_a_named_resident(world):
    PhysicianAssignment.objects.filter(physician=world.physician_spain.staff_profile).delete()
    occurrence = make_round(world)
    occurrence.physician = world.other_physician.staff_profile
    occurrence.save()
    assert _sees(world.other_physician, occurrence)
    assert not _sees(world.physician_spain, occurrence)


def test_coordinators_see_every_round_and_relatives_and_administrators_none(world):
    occurrence = make_round(world)
    assert _sees(world.coordinator, occurrence)
    assert not _sees(world.administrator, occurrence)
    assert not _sees(world.relative_with_consent, occurrence)


def test_works_on_is_the_one_unit_check(world):
    assert world.nurse_mala.works_on(world.unit_mala)
    assert world.nurse_mala.works_on(world.unit_mala.pk)
    assert not world.nurse_mala.works_on(world.unit_storuman)
    assert not world.relative_with_consent.works_on(world.unit_mala)
