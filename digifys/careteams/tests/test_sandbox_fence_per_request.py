"""Issue 12 §3: the testbed's sandbox fence is resolved with the policy, once per page.

The fence (`careteams.policy._sandbox_fence`: region staff never see a sandbox resident, a
sandbox's staff see only their sandbox) was added to every policy filter as three subqueries,
so every query of a page compiled and planned them again: the resident page's Python work
doubled. Within a read-only request the fence is now applied to the ids the policy resolves
once; these tests show that it still holds there, whatever the path, and that a page no longer
carries it in its other queries.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digifys.careteams.models import AccessGrant, PhysicianAssignment
from digifys.careteams.policy import has_care_relationship, resident_filter_for
from digifys.core import request_memo
from digifys.directory.models import StaffProfile
from digifys.residents.models import Diagnosis, Resident
from digifys.testbed.tests.conftest import application, sandbox  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _visible(user) -> set[int]:
    return set(Resident.objects.visible_to(user).values_list("pk", flat=True))


def _users(world, sandbox):  # noqa: F811
    return [
        world.nurse_mala,
        world.physician_spain,
        world.coordinator,
        sandbox.device_user,
        *(
            profile.user
            for profile in StaffProfile.objects.filter(units=sandbox.unit).select_related("user")
        ),
    ]


def _open_everything_to(world, user, resident):
    """Two ways a region physician could reach RESIDENT: the panel and a grant."""
    PhysicianAssignment.objects.filter(resident=resident).update(ended_at=timezone.now())
    PhysicianAssignment.objects.create(
        resident=resident,
        physician=user.staff_profile,
        role=PhysicianAssignment.Role.NAMED,
        started_at=timezone.now(),
    )
    now = timezone.now()
    AccessGrant.objects.create(
        user=user,
        resident=resident,
        kind=AccessGrant.Kind.EMERGENCY,
        reason="Test of the sandbox fence.",
        granted_at=now,
        expires_at=now + timezone.timedelta(hours=4),
    )


def test_the_fence_holds_within_a_request(world, sandbox):  # noqa: F811
    sandboxed = set(sandbox.unit.residents.values_list("pk", flat=True))
    assert sandboxed
    # A region physician given a panel place and a grant on a sandbox resident still sees none.
    _open_everything_to(world, world.physician_spain, sandbox.unit.residents.first())
    for user in _users(world, sandbox):
        outside = _visible(user)
        with request_memo.scope():
            inside = _visible(user)
            rows = set(Diagnosis.objects.visible_to(user).values_list("resident_id", flat=True))
        assert inside == outside, user
        assert rows <= inside
        if user.unit_ids().filter(pk=sandbox.unit.pk).exists():
            assert inside and inside <= sandboxed, user
        else:
            assert not inside & sandboxed, user


def test_a_sandbox_user_has_no_care_relationship_with_a_region_resident(world, sandbox):  # noqa: F811
    user = sandbox.device_user
    for resident in (world.resident_mala, world.resident_storuman):
        with request_memo.scope():
            assert not has_care_relationship(user, resident)
            assert not Resident.objects.filter(resident_filter_for(user), pk=resident.pk).exists()


@pytest.mark.parametrize("page", ["inbox", "resident", "worklist"])
def test_a_page_asks_for_the_fence_only_with_the_policy(world, login, sandbox, page):  # noqa: F811
    user, url = {
        "inbox": (world.physician_spain, reverse("consults:inbox")),
        "resident": (
            world.physician_spain,
            reverse("residents:detail", args=[world.resident_mala.pk]),
        ),
        "worklist": (world.nurse_mala, reverse("worklist:unit", args=[world.unit_mala.pk])),
    }[page]
    client = login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    fenced = [q["sql"] for q in queries if "testbed_sandbox" in q["sql"]]
    # The user's units (which of them are a sandbox's), the care relationships, the grants;
    # before, every policy-filtered query of the page (failed on the resident page and the
    # worklist; the test world's inbox makes too few such queries to tell).
    assert len(fenced) <= 3, fenced
