"""The demo's flexible work: a swap waiting for approval, work from Málaga, a built rota."""

import random

import pytest
from django.utils import timezone

from digifys.accounts.models import Role
from digifys.testing.world import make_staff
from digifys.workforce import selectors
from digifys.workforce.demo import seed_flexible_work
from digifys.workforce.location import place_of
from digifys.workforce.models import Shift, SwapRequest, WorkElsewhere

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_pending_swap_and_an_approved_period_in_spain(world):
    clinic = world.physician_spain.staff_profile.employer
    clinic.city = "Málaga"
    clinic.save()
    for i in range(5):
        make_staff(
            f"dr{i}.clinic",
            Role.PHYSICIAN,
            clinic,
            time_zone="Europe/Madrid",
            work_country="ES",
            work_subdivision="AN",
            work_city="Málaga",
        )
    umea = make_staff(
        "ulla.umea", Role.PHYSICIAN, world.coordinator.staff_profile.employer, work_city="Umeå"
    )
    now = timezone.now()

    swap = seed_flexible_work(now=now, rng=random.Random(1), solver_seconds=1.0)

    assert swap is not None and swap.status == SwapRequest.Status.ACCEPTED
    period = WorkElsewhere.objects.get(staff=umea)
    assert period.status == WorkElsewhere.Status.APPROVED
    assert place_of(umea, timezone.localdate()).time_zone == "Europe/Madrid"
    month = selectors.month_rota(timezone.localdate().replace(day=1))
    assert month["covered"], "seven clinicians cover the rest of the month"
    assert Shift.objects.filter(staff__isnull=True).count() == 0
