"""record_read decides the purpose of each read from the access policy."""

import pytest

from digifys.audit import services as audit
from digifys.careteams import services as careteams

pytestmark = pytest.mark.django_db


def _purposes(events) -> list[str]:
    return [event.purpose for event in events]


def test_a_clinician_in_the_residents_care_reads_for_care(world):
    events = audit.record_read(
        actor=world.nurse_mala, residents=[world.resident_mala], object_type="resident", object_id=1
    )
    assert _purposes(events) == ["care"]


def test_a_coordinator_reads_for_administration(world):
    events = audit.record_read(
        actor=world.coordinator, residents=[world.resident_mala], object_type="resident_list"
    )
    assert _purposes(events) == ["administration"]


def test_a_read_through_emergency_access_is_logged_as_emergency(world):
    careteams.record_emergency_lookup(actor=world.nurse_storuman, resident=world.resident_mala)
    careteams.grant_emergency_access(
        actor=world.nurse_storuman, resident=world.resident_mala, reason="Akut försämring, natt"
    )
    events = audit.record_read(
        actor=world.nurse_storuman,
        residents=[world.resident_mala, world.resident_storuman],
        object_type="resident_list",
    )
    by_resident = {event.resident_id: event.purpose for event in events}
    assert by_resident == {world.resident_mala.pk: "emergency", world.resident_storuman.pk: "care"}
    # A list page: each entry carries its resident's id.
    assert {event.object_id for event in events} == {
        str(world.resident_mala.pk),
        str(world.resident_storuman.pk),
    }


def test_one_object_read_keeps_its_object_id(world):
    (event,) = audit.record_read(
        actor=world.nurse_mala,
        residents=[world.resident_mala],
        object_type="observation_form",
        object_id="",
    )
    assert event.object_id == ""


def test_a_list_is_logged_in_a_number_of_queries_that_does_not_grow_with_it(
    world, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from digifys.testing.world import make_resident

    few = [world.resident_mala, world.resident_mala_2]
    with CaptureQueriesContext(connection) as baseline:
        audit.record_read(actor=world.nurse_mala, residents=few, object_type="resident_list")
    many = few + [make_resident(world.unit_mala) for _ in range(8)]
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        events = audit.record_read(
            actor=world.nurse_mala, residents=many, object_type="resident_list"
        )
    assert _purposes(events) == ["care"] * len(many)
