"""Agonal values a nurse must be able to record, impossible ones still refused, and the oxygen
device and FiO2 beside the flow (issue #19 item 14).
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from digifys.vitals import news2, services
from digifys.vitals.models import Observation


def _record(world, **values):
    return services.record_observation(
        actor=world.nurse_mala, resident=world.resident_mala, **values
    )


@pytest.mark.parametrize(
    ("name", "value", "subscore"),
    [("respiratory_rate", "0", 3), ("spo2", "40", 3), ("spo2", "1", 3), ("spo2", "49", 3)],
)
def test_agonal_values_are_recorded_and_scored(world, name, value, subscore):
    observation = _record(world, **{name: value})
    observation.refresh_from_db()
    assert getattr(observation, name) == int(value)
    assert observation.news2_subscores[name] == subscore
    assert observation.red_flag is True


@pytest.mark.parametrize(
    ("name", "value"),
    [("spo2", "0"), ("spo2", "101"), ("respiratory_rate", "-1"), ("respiratory_rate", "81")],
)
def test_impossible_values_are_still_refused(world, name, value):
    with pytest.raises(ValidationError) as caught:
        _record(world, **{name: value})
    assert list(caught.value.message_dict) == [name]
    assert not Observation.objects.exists()


def test_the_calculator_accepts_the_same_agonal_values():
    result = news2.score_news2(
        respiratory_rate=0,
        spo2=40,
        spo2_scale=1,
        on_oxygen=True,
        systolic_bp=70,
        pulse=30,
        consciousness="U",
        temperature=34.0,
    )
    assert result.total == 3 + 3 + 2 + 3 + 3 + 3 + 3


def test_oxygen_device_and_fio2_are_stored_with_the_flow(world):
    observation = _record(
        world, spo2="93", on_oxygen=True, oxygen_flow="2", oxygen_device="nasal", fio2="28"
    )
    observation.refresh_from_db()
    assert (observation.oxygen_device, observation.fio2) == ("nasal", 28)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"on_oxygen": False, "oxygen_device": "nasal"}, "oxygen_device"),
        ({"on_oxygen": False, "fio2": "28"}, "fio2"),
        ({"on_oxygen": True, "fio2": "20"}, "fio2"),
        ({"on_oxygen": True, "fio2": "101"}, "fio2"),
        ({"on_oxygen": True, "oxygen_device": "hose"}, "oxygen_device"),
    ],
)
def test_device_and_fio2_are_refused_on_air_or_out_of_range(world, values, field):
    with pytest.raises(ValidationError) as caught:
        _record(world, spo2="95", **values)
    assert field in caught.value.message_dict


def test_the_form_records_the_device_and_the_result_shows_it(world, login):
    client = login(world.nurse_mala, language="en")
    form = {
        "spo2": "93",
        "spo2_scale": "1",
        "on_oxygen": "oxygen",
        "oxygen_flow": "2",
        "oxygen_device": "nasal",
        "fio2": "28",
    }
    response = client.post(reverse("vitals:record", args=[world.resident_mala.pk]), form)
    assert response.status_code == 302
    observation = Observation.objects.get()
    assert (observation.oxygen_device, observation.fio2) == ("nasal", 28)
    page = client.get(response["Location"]).content.decode()
    assert "Nasal cannula" in page and "FiO2 28 %" in page
