"""Tests for the NEWS2 calculator (RCP 2017 Chart 1/2, domain-spec §1)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from digifys.vitals.news2 import News2Score, score_news2

# A complete set of observations that scores 0 on every parameter.
NORMAL = {
    "respiratory_rate": 16,
    "spo2": 97,
    "spo2_scale": 1,
    "on_oxygen": False,
    "systolic_bp": 130,
    "pulse": 72,
    "consciousness": "A",
    "temperature": 36.8,
}


def score(**changes: object) -> News2Score:
    return score_news2(**{**NORMAL, **changes})


def test_normal_observations_score_zero_and_are_low_risk():
    result = score()
    assert result.total == 0
    assert set(result.subscores.values()) == {0}
    assert result.red_flag is False
    assert result.band == "low"
    assert result.spo2_scale == 1


def test_subscores_have_exactly_the_seven_parameter_keys():
    assert list(score().subscores) == [
        "respiratory_rate",
        "spo2",
        "air_or_oxygen",
        "systolic_bp",
        "pulse",
        "consciousness",
        "temperature",
    ]


def test_result_is_a_frozen_dataclass():
    result = score()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 5  # type: ignore[misc]


# --- Chart 1: every band edge of every parameter -------------------------------------------


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (1, 3),
        (8, 3),
        (9, 1),
        (11, 1),
        (12, 0),
        (20, 0),
        (21, 2),
        (24, 2),
        (25, 3),
        (80, 3),
    ],
)
def test_respiratory_rate_scores_per_chart_1(rate, expected):
    assert score(respiratory_rate=rate).subscores["respiratory_rate"] == expected


@pytest.mark.parametrize(
    ("spo2", "expected"),
    [
        (50, 3),
        (91, 3),
        (92, 2),
        (93, 2),
        (94, 1),
        (95, 1),
        (96, 0),
        (100, 0),
    ],
)
@pytest.mark.parametrize("on_oxygen", [False, True])
def test_spo2_scale_1_scores_the_same_on_air_and_on_oxygen(spo2, expected, on_oxygen):
    result = score(spo2=spo2, spo2_scale=1, on_oxygen=on_oxygen)
    assert result.subscores["spo2"] == expected


@pytest.mark.parametrize(
    ("spo2", "expected"),
    [
        (50, 3),
        (83, 3),
        (84, 2),
        (85, 2),
        (86, 1),
        (87, 1),
        (88, 0),
        (92, 0),
        (93, 0),
        (94, 0),
        (95, 0),
        (96, 0),
        (97, 0),
        (100, 0),
    ],
)
def test_spo2_scale_2_on_air_never_penalises_high_saturation(spo2, expected):
    result = score(spo2=spo2, spo2_scale=2, on_oxygen=False)
    assert result.subscores["spo2"] == expected


@pytest.mark.parametrize(
    ("spo2", "expected"),
    [
        (50, 3),
        (83, 3),
        (84, 2),
        (85, 2),
        (86, 1),
        (87, 1),
        (88, 0),
        (92, 0),
        (93, 1),
        (94, 1),
        (95, 2),
        (96, 2),
        (97, 3),
        (100, 3),
    ],
)
def test_spo2_scale_2_on_oxygen_penalises_saturation_of_93_or_more(spo2, expected):
    result = score(spo2=spo2, spo2_scale=2, on_oxygen=True)
    assert result.subscores["spo2"] == expected


@pytest.mark.parametrize(("spo2_scale"), [1, 2])
@pytest.mark.parametrize(("on_oxygen", "expected"), [(False, 0), (True, 2)])
def test_supplemental_oxygen_adds_2_on_either_scale(spo2_scale, on_oxygen, expected):
    result = score(spo2=90, spo2_scale=spo2_scale, on_oxygen=on_oxygen)
    assert result.subscores["air_or_oxygen"] == expected


@pytest.mark.parametrize(
    ("systolic", "expected"),
    [
        (40, 3),
        (90, 3),
        (91, 2),
        (100, 2),
        (101, 1),
        (110, 1),
        (111, 0),
        (219, 0),
        (220, 3),
        (300, 3),
    ],
)
def test_systolic_bp_scores_per_chart_1(systolic, expected):
    assert score(systolic_bp=systolic).subscores["systolic_bp"] == expected


@pytest.mark.parametrize(
    ("pulse", "expected"),
    [
        (20, 3),
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
        (250, 3),
    ],
)
def test_pulse_scores_per_chart_1(pulse, expected):
    assert score(pulse=pulse).subscores["pulse"] == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)],
)
def test_consciousness_alert_scores_0_and_new_confusion_voice_pain_unresponsive_score_3(
    level, expected
):
    assert score(consciousness=level).subscores["consciousness"] == expected


@pytest.mark.parametrize(
    ("temperature", "expected"),
    [
        (25.0, 3),
        (35.0, 3),
        (35.1, 1),
        (36.0, 1),
        (36.1, 0),
        (38.0, 0),
        (38.1, 1),
        (39.0, 1),
        (39.1, 2),
        (44.0, 2),
    ],
)
def test_temperature_scores_per_chart_1_with_no_3_on_the_high_side(temperature, expected):
    assert score(temperature=temperature).subscores["temperature"] == expected


@pytest.mark.parametrize(
    ("temperature", "expected"),
    [
        (35.04, 3),  # rounds to 35.0
        (35.05, 1),  # rounds half-up to 35.1
        (36.04, 1),  # 36.0
        (36.05, 0),  # 36.1
        (38.04, 0),  # 38.0
        (38.05, 1),  # 38.1
        (39.04, 1),  # 39.0
        (39.05, 2),  # 39.1
        (37, 0),  # an int is accepted
    ],
)
def test_temperature_is_rounded_half_up_to_one_decimal_before_banding(temperature, expected):
    assert score(temperature=temperature).subscores["temperature"] == expected


@pytest.mark.parametrize(
    "parameter",
    ["respiratory_rate", "spo2", "systolic_bp", "pulse"],
)
def test_integral_floats_are_accepted_for_whole_number_parameters(parameter):
    assert score(**{parameter: float(NORMAL[parameter])}) == score()


# --- Chart 2: aggregate score, red flag and band ------------------------------------------


# Spec §1.7 test vectors, verbatim.
@pytest.mark.parametrize(
    (
        "rr",
        "spo2",
        "scale",
        "on_oxygen",
        "sbp",
        "pulse",
        "acvpu",
        "temp",
        "subscores",
        "total",
        "band",
    ),
    [
        pytest.param(
            22, 95, 1, False, 105, 95, "A", 38.3, (2, 1, 0, 1, 1, 0, 1), 6, "medium", id="1"
        ),
        pytest.param(
            18, 97, 1, False, 130, 72, "C", 36.8, (0, 0, 0, 0, 0, 3, 0), 3, "low-medium", id="2"
        ),
        pytest.param(
            24, 95, 2, True, 118, 104, "A", 37.2, (2, 2, 2, 0, 1, 0, 0), 7, "high", id="3"
        ),
        pytest.param(
            26, 90, 1, True, 88, 125, "V", 39.4, (3, 3, 2, 3, 2, 3, 2), 18, "high", id="4"
        ),
        pytest.param(16, 89, 2, False, 125, 80, "A", 36.9, (0, 0, 0, 0, 0, 0, 0), 0, "low", id="5"),
        pytest.param(
            16, 89, 1, False, 125, 80, "A", 36.9, (0, 3, 0, 0, 0, 0, 0), 3, "low-medium", id="6"
        ),
    ],
)
def test_spec_test_vectors_score_as_published(
    rr, spo2, scale, on_oxygen, sbp, pulse, acvpu, temp, subscores, total, band
):
    result = score_news2(
        respiratory_rate=rr,
        spo2=spo2,
        spo2_scale=scale,
        on_oxygen=on_oxygen,
        systolic_bp=sbp,
        pulse=pulse,
        consciousness=acvpu,
        temperature=temp,
    )
    assert tuple(result.subscores.values()) == subscores
    assert result.total == total
    assert result.band == band
    assert result.spo2_scale == scale


@pytest.mark.parametrize(
    ("changes", "total", "red_flag", "band"),
    [
        pytest.param({}, 0, False, "low", id="total 0 is low"),
        pytest.param({"pulse": 95}, 1, False, "low", id="total 1 is low"),
        pytest.param({"respiratory_rate": 22, "pulse": 95}, 3, False, "low", id="total 3 no 3"),
        pytest.param(
            {"respiratory_rate": 22, "systolic_bp": 95},
            4,
            False,
            "low",
            id="total 4 without a 3 is low",
        ),
        pytest.param({"consciousness": "U"}, 3, True, "low-medium", id="single 3 total 3"),
        pytest.param(
            {"systolic_bp": 90, "pulse": 95}, 4, True, "low-medium", id="single 3 total 4"
        ),
        pytest.param(
            {"respiratory_rate": 22, "systolic_bp": 95, "pulse": 95},
            5,
            False,
            "medium",
            id="total 5 is medium",
        ),
        pytest.param(
            {"respiratory_rate": 25, "systolic_bp": 95}, 5, True, "medium", id="total 5 with a 3"
        ),
        pytest.param(
            {"respiratory_rate": 22, "systolic_bp": 95, "pulse": 115},
            6,
            False,
            "medium",
            id="total 6 is medium",
        ),
        pytest.param(
            {"respiratory_rate": 22, "systolic_bp": 95, "pulse": 115, "temperature": 38.5},
            7,
            False,
            "high",
            id="total 7 is high",
        ),
        pytest.param(
            {"respiratory_rate": 5, "systolic_bp": 80, "consciousness": "P"},
            9,
            True,
            "high",
            id="total 9 is high",
        ),
        pytest.param(
            {
                "respiratory_rate": 30,
                "spo2": 85,
                "on_oxygen": True,
                "systolic_bp": 70,
                "pulse": 140,
                "consciousness": "U",
                "temperature": 35.0,  # low temperature scores 3; high only 2
            },
            20,
            True,
            "high",
            id="maximum total 20",
        ),
    ],
)
def test_total_red_flag_and_band_follow_chart_2(changes, total, red_flag, band):
    result = score(**changes)
    assert result.total == total
    assert result.total == sum(result.subscores.values())
    assert result.red_flag is red_flag
    assert result.band == band


def test_oxygen_alone_scores_2_without_a_red_flag():
    result = score(on_oxygen=True)
    assert (result.total, result.red_flag, result.band) == (2, False, "low")


def test_red_flag_is_set_by_a_3_in_any_single_parameter():
    threes = {
        "respiratory_rate": 25,
        "spo2": 91,
        "systolic_bp": 220,
        "pulse": 131,
        "consciousness": "C",
        "temperature": 35.0,
    }
    for parameter, value in threes.items():
        result = score(**{parameter: value})
        assert result.red_flag, parameter
        assert result.subscores[parameter] == 3
        assert result.band == "low-medium"


def test_scale_2_on_oxygen_with_high_saturation_raises_a_red_flag():
    result = score(spo2=98, spo2_scale=2, on_oxygen=True)
    assert result.subscores["spo2"] == 3
    assert result.total == 5
    assert result.red_flag is True
    assert result.band == "medium"
    assert result.spo2_scale == 2


# --- Input validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("respiratory_rate", -1, "respiratory_rate must be a whole number from 0 to 80"),
        ("respiratory_rate", 81, "respiratory_rate must be a whole number from 0 to 80"),
        ("spo2", 0, "spo2 must be a whole number from 1 to 100"),
        ("spo2", 101, "spo2 must be a whole number from 1 to 100"),
        ("systolic_bp", 39, "systolic_bp must be a whole number from 40 to 300"),
        ("systolic_bp", 301, "systolic_bp must be a whole number from 40 to 300"),
        ("pulse", 19, "pulse must be a whole number from 20 to 250"),
        ("pulse", 251, "pulse must be a whole number from 20 to 250"),
        ("temperature", 24.9, "temperature must be a number from 25.0 to 44.0"),
        ("temperature", 45.1, "temperature must be a number from 25.0 to 44.0"),
    ],
)
def test_values_outside_plausible_limits_are_rejected_naming_parameter_and_range(
    parameter, value, message
):
    with pytest.raises(ValueError, match=message):
        score(**{parameter: value})


@pytest.mark.parametrize(
    "parameter", ["respiratory_rate", "spo2", "systolic_bp", "pulse", "temperature"]
)
@pytest.mark.parametrize("value", ["16", None, True, False, [16], math.nan, math.inf])
def test_non_numeric_values_are_rejected(parameter, value):
    with pytest.raises(ValueError, match=f"^{parameter} must be"):
        score(**{parameter: value})


@pytest.mark.parametrize("parameter", ["respiratory_rate", "spo2", "systolic_bp", "pulse"])
def test_fractional_values_are_rejected_for_whole_number_parameters(parameter):
    with pytest.raises(ValueError, match=f"^{parameter} must be a whole number"):
        score(**{parameter: NORMAL[parameter] + 0.5})


@pytest.mark.parametrize("scale", [0, 3, "1", None, True, 1.5])
def test_unknown_spo2_scale_is_rejected(scale):
    with pytest.raises(ValueError, match="spo2_scale must be 1 or 2"):
        score(spo2_scale=scale)


@pytest.mark.parametrize("level", ["a", "X", "", "Alert", None, 0])
def test_unknown_consciousness_level_is_rejected(level):
    with pytest.raises(ValueError, match="consciousness must be one of A, C, V, P, U"):
        score(consciousness=level)


@pytest.mark.parametrize("on_oxygen", [1, 0, "yes", None])
def test_on_oxygen_must_be_a_bool(on_oxygen):
    with pytest.raises(ValueError, match="on_oxygen must be True or False"):
        score(on_oxygen=on_oxygen)


def test_all_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        score_news2(*NORMAL.values())  # type: ignore[misc]
