"""Fixtures for the clinician register: register entries for the world's physicians."""

import datetime

import pytest

from digifys.clinicians.models import Clinician
from digifys.consults.services import send_consult


def entry(user, **fields) -> Clinician:
    """Give USER's staff profile a register entry (active, valid licence unless FIELDS say)."""
    values = {
        "recruitment_status": Clinician.Recruitment.ACTIVE,
        "licence_status": Clinician.Licence.VALID,
        "licence_number": f"L{user.pk:06d}",
    }
    values.update(fields)
    clinician, _ = Clinician.objects.update_or_create(staff=user.staff_profile, defaults=values)
    return clinician


@pytest.fixture
def supervised(world) -> Clinician:
    """physician_spain works under supervision of other_physician (licence in process)."""
    entry(world.other_physician)
    return entry(
        world.physician_spain,
        licence_status=Clinician.Licence.IN_PROCESS,
        licence_number="",
        eu_recognition=Clinician.Recognition.IN_PROCESS,
        supervisor=world.other_physician.staff_profile,
    )


def a_consult(world, urgency="same_day"):
    return send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency=urgency,
        situation="Greta är tröttare sedan i morse.",
        background="Hjärtsvikt.",
        assessment="NEWS2 3.",
        recommendation="Bedömning idag.",
    )


YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)
