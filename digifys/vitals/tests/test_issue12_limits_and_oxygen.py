"""Issue 12 §4 item 9: physiological temperature limits, and oxygen needs a flow or a device."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from digifys.vitals import services
from digifys.vitals.models import Observation

from .conftest import MEDIUM_FORM


def _record(world, **values):
    return services.record_observation(
        actor=world.nurse_mala, resident=world.resident_mala, **values
    )


@pytest.mark.parametrize("value", ["45", "45,0", "44.1", "24.9"])
def test_a_temperature_outside_physiological_limits_is_refused(world, value):
    with pytest.raises(ValidationError) as caught:
        _record(world, temperature=value, pulse="72")
    assert list(caught.value.message_dict) == ["temperature"]
    assert "25.0 to 44.0" in caught.value.message_dict["temperature"][0]
    assert not Observation.objects.exists()


@pytest.mark.parametrize("value", ["25.0", "28.4", "43.9", "44.0"])
def test_severe_hypothermia_and_hyperthermia_can_still_be_recorded(world, value):
    assert str(_record(world, temperature=value).temperature) == value


def test_on_oxygen_without_flow_or_device_is_refused_beside_the_flow(world):
    with pytest.raises(ValidationError) as caught:
        _record(world, spo2="95", on_oxygen=True)
    assert list(caught.value.message_dict) == ["oxygen_flow"]
    assert not Observation.objects.exists()


@pytest.mark.parametrize(
    "oxygen", [{"oxygen_flow": "2"}, {"oxygen_device": "nasal"}], ids=["flow", "device"]
)
def test_on_oxygen_with_a_flow_or_a_device_is_saved(world, oxygen):
    assert _record(world, spo2="95", on_oxygen=True, **oxygen).on_oxygen is True


def test_the_form_says_so_in_swedish_beside_the_flow_and_keeps_what_was_typed(world, login):
    client = login(world.nurse_mala, language="sv")
    typed = {**MEDIUM_FORM, "on_oxygen": "oxygen", "note": "Syrgas enligt ordination."}
    response = client.post(reverse("vitals:record", args=[world.resident_mala.pk]), typed)
    page = response.content.decode()
    assert response.status_code == 400
    error = re.search(r'<div class="field-error" id="id_oxygen_flow_error">(.*?)</div>', page, re.S)
    assert error and "syrgas" in error.group(1).lower() and "flöde" in error.group(1).lower()
    assert re.search(r'name="on_oxygen" value="oxygen"[^>]*checked', page)
    assert 'value="38,3"' in page and "Syrgas enligt ordination." in page
    assert not Observation.objects.exists()


def test_the_live_preview_still_scores_while_the_flow_is_being_typed(world, login):
    client = login(world.nurse_mala, language="en")
    typed = {**MEDIUM_FORM, "on_oxygen": "oxygen"}
    page = client.post(reverse("vitals:preview", args=[world.resident_mala.pk]), typed)
    assert "give the oxygen flow" not in page.content.decode()
    assert "news2-badge news2-high" in page.content.decode()  # 6 + 2 for oxygen = 8, high
