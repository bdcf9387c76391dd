"""`services.record_observation`: plausibility limits, partial sets, Scale 2, score and audit."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from digifys.audit.models import AuditEvent
from digifys.vitals import services
from digifys.vitals.models import Observation

# Test vector 1 of domain-spec §1.7: sub-scores 2,1,0,1,1,0,1 → 6, medium.
VECTOR_1 = {
    "respiratory_rate": "22",
    "spo2": "95",
    "on_oxygen": False,
    "systolic_bp": "105",
    "pulse": "95",
    "consciousness": "A",
    "temperature": "38,3",
}
# Test vector 3: Scale 2 on oxygen, sub-scores 2,2,2,0,1,0,0 → 7, high.
VECTOR_3 = {
    "respiratory_rate": 24,
    "spo2": 95,
    "on_oxygen": True,
    "oxygen_flow": "2",
    "systolic_bp": 118,
    "pulse": 104,
    "consciousness": "A",
    "temperature": "37.2",
}

# field: (lowest accepted, highest accepted, just below, just above)
LIMITS = {
    # Agonal values are accepted (issue #19 item 14): apnoea (0) and SpO2 down to 1 %.
    "respiratory_rate": ("0", "80", "-1", "81"),
    "spo2": ("1", "100", "0", "101"),
    "systolic_bp": ("40", "300", "39", "301"),
    "pulse": ("20", "250", "19", "251"),
    # Physiological limits with a source (parsing.py; issue 12 §4 item 9).
    "temperature": ("25.0", "44.0", "24.9", "44.1"),
    "diastolic_bp": ("20", "200", "19", "201"),
    "oxygen_flow": ("0.1", "15", "0.0", "15.1"),
    "weight": ("20", "300", "19.9", "300.1"),
    "blood_glucose": ("1.0", "40", "0.9", "40.1"),
    "pain": ("0", "10", "-1", "11"),
    "fio2": ("21", "100", "20", "101"),
}


def _record(world, **values):
    return services.record_observation(
        actor=world.nurse_mala, resident=world.resident_mala, **values
    )


def _context(name: str) -> dict:
    # Oxygen flow is only entered for a resident on oxygen, who needs a flow or a device.
    if name == "oxygen_flow":
        return {"on_oxygen": True}
    return {"on_oxygen": True, "oxygen_device": "venturi"} if name == "fio2" else {}


@pytest.mark.parametrize("name", LIMITS)
@pytest.mark.parametrize("edge", [0, 1], ids=["lowest", "highest"])
def test_a_value_at_the_edge_of_its_limits_is_accepted(world, name, edge):
    value = LIMITS[name][edge]
    observation = _record(world, **{name: value}, **_context(name))
    observation.refresh_from_db()
    assert Decimal(str(getattr(observation, name))) == Decimal(value)


@pytest.mark.parametrize("name", LIMITS)
@pytest.mark.parametrize("value_index", [2, 3, None], ids=["below", "above", "not-a-number"])
def test_a_value_outside_its_limits_is_refused_and_nothing_is_saved(world, name, value_index):
    value = "abc" if value_index is None else LIMITS[name][value_index]
    before = (Observation.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        _record(world, **{name: value}, **_context(name))
    assert list(caught.value.message_dict) == [name]
    assert (Observation.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("value", ["95.5", "9 5", "NaN", "Infinity", "95%"])
def test_whole_number_vitals_refuse_fractions_and_oddities(world, value):
    with pytest.raises(ValidationError) as caught:
        _record(world, spo2=value)
    assert "SpO2 must be a whole number from 1 to 100 %." in caught.value.message_dict["spo2"]


def test_every_bad_field_gets_its_own_message_at_once(world):
    with pytest.raises(ValidationError) as caught:
        _record(world, respiratory_rate="abc", spo2="101", temperature="46", pulse="72")
    assert set(caught.value.message_dict) == {"respiratory_rate", "spo2", "temperature"}
    assert not Observation.objects.exists()


def test_a_decimal_comma_is_accepted(world):
    observation = _record(world, temperature="38,3", weight="61,5")
    assert observation.temperature == Decimal("38.3")
    assert observation.weight == Decimal("61.5")


def test_a_partial_set_is_saved_without_a_total(world):
    observation = _record(world, respiratory_rate="18", spo2="96", pulse="80")
    observation.refresh_from_db()
    assert observation.is_complete is False
    assert observation.news2_total is None
    assert observation.news2_band == ""
    # Sub-scores for what was measured (issue #19 item 1); no 3, so no band and no response.
    assert observation.news2_subscores == {"respiratory_rate": 0, "spo2": 0, "pulse": 0}
    assert observation.level is None
    assert services.response_for(observation).rule is None


def test_an_empty_set_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        _record(world, respiratory_rate="", note="  ")
    assert caught.value.messages == ["Enter at least one vital sign."]
    assert not Observation.objects.exists()


def test_a_complete_set_stores_the_score_and_every_subscore(world):
    observation = _record(world, **VECTOR_1)
    observation.refresh_from_db()
    assert observation.news2_total == 6
    assert observation.news2_band == "medium"
    assert observation.news2_subscores == {
        "respiratory_rate": 2,
        "spo2": 1,
        "air_or_oxygen": 0,
        "systolic_bp": 1,
        "pulse": 1,
        "consciousness": 0,
        "temperature": 1,
    }
    assert observation.red_flag is False
    assert observation.spo2_scale == 1
    assert observation.unit == world.unit_mala
    assert observation.recorded_by == world.nurse_mala


def test_scale_2_is_refused_without_a_physicians_decision(world):
    with pytest.raises(ValidationError) as caught:
        _record(world, spo2_scale=2, **VECTOR_3)
    assert "spo2_scale" in caught.value.message_dict
    assert "physician has decided" in caught.value.message_dict["spo2_scale"][0]
    assert not Observation.objects.exists()


def test_scale_2_is_accepted_with_a_decision_and_scores_on_scale_2(world):
    decision = services.record_scale2_decision(
        actor=world.physician_spain, resident=world.resident_mala
    )
    observation = _record(world, spo2_scale=2, **VECTOR_3)
    assert observation.spo2_scale == 2
    assert observation.scale2_decision == decision
    assert observation.news2_total == 7
    assert observation.news2_subscores["spo2"] == 2
    assert observation.news2_band == "high"


def test_an_ended_scale_2_decision_no_longer_allows_scale_2(world):
    decision = services.record_scale2_decision(
        actor=world.physician_spain, resident=world.resident_mala
    )
    services.end_scale2_decision(actor=world.physician_spain, decision=decision)
    with pytest.raises(ValidationError):
        _record(world, spo2_scale=2, **VECTOR_3)


def test_recording_writes_one_create_entry_in_the_access_log(world):
    before = AuditEvent.objects.count()
    observation = _record(world, **VECTOR_1)
    entries = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.action, e.resident_id, e.object_type, e.object_id) for e in entries] == [
        ("create", world.resident_mala.pk, "observation", str(observation.pk))
    ]
    assert entries[0].actor_id == world.nurse_mala.pk


@pytest.mark.parametrize("persona", ["coordinator", "administrator", "relative_with_consent"])
def test_only_clinicians_record_vital_signs(world, persona):
    with pytest.raises(PermissionDenied):
        services.record_observation(
            actor=world.persona(persona), resident=world.resident_mala, pulse="72"
        )
    assert not Observation.objects.exists()
