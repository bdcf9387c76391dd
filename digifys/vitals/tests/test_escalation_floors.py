"""Floors on a unit's escalation table (issue #19 item 13; RCP NEWS2 Chart 4 as the minimum).

Local adaptation of the response is allowed (domain-spec §1.5), but not below RCP Chart 4: a unit
once stored "high → observe every 24 h, no consult".
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from digifys.vitals import services
from digifys.vitals.models import EscalationRule, Level, Urgency


def _update(world, level, **values):
    arguments = {
        "monitor_every_minutes": 60,
        "response": "Lokal rutin.",
        "suggested_urgency": Urgency.URGENT,
        "call_112": False,
    }
    arguments.update(values)
    return services.update_escalation_rule(
        actor=world.coordinator, unit=world.unit_mala, level=level, **arguments
    )


def test_high_every_24_hours_without_consult_or_112_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        _update(
            world,
            Level.HIGH,
            monitor_every_minutes=24 * 60,
            suggested_urgency="",
            call_112=False,
        )
    assert set(caught.value.message_dict) == {
        "monitor_every_minutes",
        "suggested_urgency",
        "call_112",
    }
    assert not EscalationRule.objects.exists()


@pytest.mark.parametrize(
    ("level", "minutes"),
    [
        (Level.ZERO, 12 * 60 + 1),
        (Level.LOW, 6 * 60 + 1),
        (Level.LOW_MEDIUM, 61),
        (Level.MEDIUM, 61),
        (Level.HIGH, 61),
    ],
)
def test_each_level_has_the_rcp_chart_4_minimum_frequency(world, level, minutes):
    extra = {"call_112": True} if level == Level.HIGH else {}
    with pytest.raises(ValidationError) as caught:
        _update(world, level, monitor_every_minutes=minutes, **extra)
    assert list(caught.value.message_dict) == ["monitor_every_minutes"]
    _update(world, level, monitor_every_minutes=minutes - 1, **extra)  # at the floor: accepted


@pytest.mark.parametrize("level", [Level.LOW_MEDIUM, Level.MEDIUM, Level.HIGH])
@pytest.mark.parametrize("urgency", ["", Urgency.SAME_DAY, Urgency.NEXT_ROUND])
def test_a_red_score_medium_and_high_prompt_an_urgent_consult_at_least(world, level, urgency):
    extra = {"call_112": True} if level == Level.HIGH else {}
    with pytest.raises(ValidationError) as caught:
        _update(world, level, suggested_urgency=urgency, **extra)
    assert list(caught.value.message_dict) == ["suggested_urgency"]


def test_the_floors_within_limits_are_accepted(world):
    rule = _update(
        world,
        Level.HIGH,
        monitor_every_minutes=15,
        suggested_urgency=Urgency.EMERGENCY,
        call_112=True,
    )
    assert rule.monitor_every_minutes == 15
    assert _update(world, Level.ZERO, monitor_every_minutes=8 * 60, suggested_urgency="")


def test_a_row_stored_below_the_floor_is_raised_to_it_when_read(world):
    # Stored before the floors existed.
    EscalationRule.objects.create(
        unit=world.unit_mala,
        level=Level.HIGH,
        monitor_every_minutes=24 * 60,
        response="Observera en gång per dygn.",
        suggested_urgency="",
        call_112=False,
    )
    rule = services.escalation_table(world.unit_mala)[Level.HIGH]
    assert rule.monitor_every_minutes == 60
    assert rule.suggested_urgency == Urgency.URGENT
    assert rule.call_112 is True


def test_the_coordinator_sees_the_floor_beside_the_row(world, login):
    client = login(world.coordinator, language="en")
    page = client.get(reverse("vitals:escalation", args=[world.unit_mala.pk])).content.decode()
    assert "Minimum (RCP NEWS2 Chart 4)" in page


def test_the_table_form_refuses_a_row_below_its_floor_and_says_why(world, login):
    data = {}
    for level, rule in services.escalation_table(world.unit_mala).items():
        data[f"{level}-monitor_every_minutes"] = str(rule.monitor_every_minutes)
        data[f"{level}-response"] = rule.response
        data[f"{level}-suggested_urgency"] = rule.suggested_urgency
        if rule.call_112:
            data[f"{level}-call_112"] = "on"
    data.update({"high-monitor_every_minutes": "1440", "high-suggested_urgency": ""})
    del data["high-call_112"]
    client = login(world.coordinator, language="en")
    response = client.post(reverse("vitals:escalation", args=[world.unit_mala.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "the minimum is to observe at least every hour" in page
    assert "must be told to call 112" in page
    assert 'value="1440"' in page
    assert not EscalationRule.objects.exists()
