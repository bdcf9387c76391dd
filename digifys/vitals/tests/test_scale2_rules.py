"""SpO2 Scale 2 (issue #19 items 4 and 5; domain-spec §1.2, RCP NEWS2 Chart 1, BTS).

Scale 2 is only for a prescribed SpO2 target of 88–92 % in hypercapnic respiratory failure. A
decision with another target (e.g. 94–98) once made SpO2 89 on air score 0 instead of 3.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from digifys.vitals import services
from digifys.vitals.models import Scale2Decision

SET = {
    "respiratory_rate": 16,
    "spo2": 89,
    "on_oxygen": False,
    "systolic_bp": 125,
    "pulse": 80,
    "consciousness": "A",
    "temperature": "36.9",
}


@pytest.mark.parametrize(("low", "high"), [(94, 98), (88, 94), (85, 92), (70, 100), (90, 92)])
def test_a_scale_2_decision_needs_the_prescribed_88_to_92_target(world, low, high):
    with pytest.raises(ValidationError) as caught:
        services.record_scale2_decision(
            actor=world.physician_spain,
            resident=world.resident_mala,
            target_low=low,
            target_high=high,
        )
    with translation.override("en"):
        assert "88–92 %" in caught.value.messages[0]
    assert not Scale2Decision.objects.exists()


def test_the_88_to_92_target_is_accepted(world):
    decision = services.record_scale2_decision(
        actor=world.physician_spain, resident=world.resident_mala, target_low=88, target_high=92
    )
    assert (decision.target_low, decision.target_high) == (88, 92)


def test_an_old_decision_with_another_target_does_not_allow_scale_2(world):
    # Stored before the rule (94–98 %): SpO2 89 on air must not score 0 on Scale 2.
    Scale2Decision.objects.create(
        resident=world.resident_mala,
        decided_by=world.physician_spain.staff_profile,
        target_low=94,
        target_high=98,
        unit=world.unit_mala,
    )
    with pytest.raises(ValidationError) as caught:
        services.record_observation(
            actor=world.nurse_mala, resident=world.resident_mala, spo2_scale=2, **SET
        )
    assert "spo2_scale" in caught.value.message_dict
    observation = services.record_observation(
        actor=world.nurse_mala, resident=world.resident_mala, spo2_scale=1, **SET
    )
    assert observation.news2_subscores["spo2"] == 3


def test_the_scale_2_page_refuses_another_target_with_a_clear_message(world, login):
    doctor = login(world.physician_spain, language="en")
    url = reverse("vitals:scale2", args=[world.resident_mala.pk])
    response = doctor.post(url, {"target_low": "94", "target_high": "98"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "only for a prescribed SpO2 target of 88–92 %" in page
    assert 'value="94"' in page and 'value="98"' in page
