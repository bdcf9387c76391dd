"""The demo region has clinicians in every recruitment and licence state, one supervised."""

import datetime

import pytest

from digifys.accounts.models import Role
from digifys.clinicians import rules
from digifys.clinicians.models import Clinician, SupervisedDraft
from digifys.core.time import STOCKHOLM
from digifys.directory.models import StaffProfile
from digifys.synth.region import generate_region

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_state_and_one_clinician_under_supervision():
    generate_region(
        seed=1,
        scale=30,
        history_days=3,
        now=datetime.datetime(2026, 12, 7, tzinfo=STOCKHOLM),
    )
    assert not StaffProfile.objects.filter(
        profession=Role.PHYSICIAN, clinician__isnull=True
    ).exists()
    recruitment = set(Clinician.objects.values_list("recruitment_status", flat=True))
    licence = set(Clinician.objects.values_list("licence_status", flat=True))
    assert recruitment == set(Clinician.Recruitment.values)
    assert licence == set(Clinician.Licence.values)
    supervised = [c for c in Clinician.objects.all() if rules.under_supervision(c.staff)]
    assert [c.staff.user.username for c in supervised] == ["lakare.handledd"]
    draft = SupervisedDraft.objects.awaiting().get()
    assert draft.supervisor.user.username == "lakare.malaga"
    # The region's own physicians keep working.
    malaga = StaffProfile.objects.get(user__username="lakare.malaga")
    assert rules.blocked_actions(malaga) == {}
