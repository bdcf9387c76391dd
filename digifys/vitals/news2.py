"""NEWS2 (National Early Warning Score 2) calculator.

Source: Royal College of Physicians, "National Early Warning Score (NEWS) 2 — Standardising the
assessment of acute-illness severity in the NHS", December 2017: Chart 1 (scoring table, incl. SpO2
Scale 2 and ACVPU) and Chart 2 (thresholds and clinical risk). Implemented as specified in the
project's domain specification (domain-spec.md §1).

Input conventions (domain-spec §1.6):

* Respiration rate, SpO2, systolic BP and pulse are whole numbers. ``int`` and integral ``float``
  values (e.g. ``95.0``) are accepted; non-integral floats (e.g. ``95.5``) are rejected with
  ``ValueError`` because the RCP table has gaps between whole-number bands (9–11 / 12–20) that a
  fractional value could not be placed in without guessing.
* Temperature is rounded half-up to one decimal before banding (36.05 → 36.1, 35.04 → 35.0), so
  every value falls into exactly one of the table's one-decimal bands.
* SpO2 Scale 2 may only be used for patients with a documented prescribed 88–92 % target
  (domain-spec §1.2). This module cannot check that; the caller must.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from . import parsing

Band = Literal["low", "low-medium", "medium", "high"]

# The scoring table (RCP Chart 1 and 2) lives in one data file, read here and by the JavaScript
# preview of the vital-signs form (static/vitals/news2.js), so the two cannot drift apart.
TABLE_PATH = Path(__file__).with_name("news2_table.json")
TABLE = json.loads(TABLE_PATH.read_text(encoding="utf-8"))

CONSCIOUSNESS_LEVELS = ("A", "C", "V", "P", "U")
SPO2_SCALES = (1, 2)

# Plausibility limits (inclusive), from the one vital-signs parser (parsing.py).
RESPIRATORY_RATE_LIMITS = parsing.WHOLE_LIMITS["respiratory_rate"]
SPO2_LIMITS = parsing.WHOLE_LIMITS["spo2"]
SYSTOLIC_BP_LIMITS = parsing.WHOLE_LIMITS["systolic_bp"]
PULSE_LIMITS = parsing.WHOLE_LIMITS["pulse"]
TEMPERATURE_LIMITS = tuple(float(limit) for limit in parsing.DECIMAL_LIMITS["temperature"])

SUBSCORE_KEYS = (
    "respiratory_rate",
    "spo2",
    "air_or_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)


@dataclass(frozen=True)
class News2Score:
    """Result of a NEWS2 calculation: total, the seven sub-scores, red flag and risk band."""

    total: int
    subscores: dict[str, int] = field(hash=False)
    red_flag: bool
    band: Band
    spo2_scale: int


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_whole_number(name: str, value: object, limits: tuple[int, int], unit: str) -> int:
    low, high = limits
    allowed = f"a whole number from {low} to {high} {unit}"
    if not _is_number(value):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    assert isinstance(value, int | float)
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return number


def _check_temperature(value: object) -> Decimal:
    low, high = TEMPERATURE_LIMITS
    allowed = f"a number from {low} to {high} °C"
    if not _is_number(value):
        raise ValueError(f"temperature must be {allowed}, got {value!r}")
    # The RCP table uses one decimal (35.0 / 35.1 / 36.0 / 36.1 ...). Round half-up to one decimal
    # first (domain-spec §1.6) so values such as 36.05 land in exactly one band; the one rounding
    # rule lives in parsing.py, and the limits apply to the rounded value there as here.
    # parse_number reads a float by its shortest repr (36.05 stays 36.05, no binary-float error)
    # and refuses NaN and infinities.
    try:
        rounded = parsing.round_half_up(parsing.parse_number(value))
    except ValueError:
        raise ValueError(f"temperature must be {allowed}, got {value!r}") from None
    if not Decimal(str(low)) <= rounded <= Decimal(str(high)):
        raise ValueError(f"temperature must be {allowed}, got {value!r}")
    return rounded


def _from_bands(bands: list, value: int) -> int:
    """Return the score of the first band whose upper limit (inclusive) VALUE does not exceed."""
    for upper, points in bands:
        if upper is None or value <= upper:
            return points
    raise AssertionError("every band list ends with an open upper limit")


def score_respiratory_rate(rate: int) -> int:
    """Chart 1 sub-score for respiration rate (breaths/min)."""
    return _from_bands(TABLE["respiratory_rate"], rate)


def score_spo2_scale_1(spo2: int) -> int:
    """Chart 1 sub-score for SpO2 on Scale 1 (the default scale)."""
    return _from_bands(TABLE["spo2_scale_1"], spo2)


def score_spo2_scale_2(spo2: int, *, on_oxygen: bool) -> int:
    """Chart 1 sub-score for SpO2 on Scale 2 (prescribed 88–92 % target, hypercapnic failure).

    88–92 scores 0, and so does ≥93 while breathing air; ≥93 on oxygen scores 1–3.
    """
    return _from_bands(TABLE["spo2_scale_2_oxygen" if on_oxygen else "spo2_scale_2_air"], spo2)


def score_air_or_oxygen(*, on_oxygen: bool) -> int:
    """Chart 1 sub-score for supplemental oxygen (2 on oxygen, 0 on air), on either scale."""
    return TABLE["air_or_oxygen"]["oxygen" if on_oxygen else "air"]


def score_systolic_bp(systolic: int) -> int:
    """Chart 1 sub-score for systolic blood pressure (mmHg)."""
    return _from_bands(TABLE["systolic_bp"], systolic)


def score_pulse(pulse: int) -> int:
    """Chart 1 sub-score for pulse (beats/min)."""
    return _from_bands(TABLE["pulse"], pulse)


def score_consciousness(level: str) -> int:
    """Chart 1 sub-score for ACVPU: Alert scores 0; new Confusion, Voice, Pain, Unresponsive 3."""
    return TABLE["consciousness"][level]


def score_temperature(temperature: Decimal) -> int:
    """Chart 1 sub-score for temperature (°C), already rounded to one decimal."""
    return _from_bands(TABLE["temperature_tenths"], int(temperature * 10))


def news2_band(total: int, *, red_flag: bool) -> Band:
    """Chart 2 clinical-risk band: ≥7 high, 5–6 medium, single 3 low-medium, otherwise low."""
    if total >= TABLE["risk"]["high"]:
        return "high"
    if total >= TABLE["risk"]["medium"]:
        return "medium"
    if red_flag:
        return "low-medium"
    return "low"


def score_news2(
    *,
    respiratory_rate: int | float,
    spo2: int | float,
    spo2_scale: int,
    on_oxygen: bool,
    systolic_bp: int | float,
    pulse: int | float,
    consciousness: str,
    temperature: int | float,
) -> News2Score:
    """Validate one complete set of observations and return its NEWS2 score (RCP 2017)."""
    rr = _check_whole_number(
        "respiratory_rate", respiratory_rate, RESPIRATORY_RATE_LIMITS, "breaths/min"
    )
    sat = _check_whole_number("spo2", spo2, SPO2_LIMITS, "%")
    sbp = _check_whole_number("systolic_bp", systolic_bp, SYSTOLIC_BP_LIMITS, "mmHg")
    hr = _check_whole_number("pulse", pulse, PULSE_LIMITS, "beats/min")
    temp = _check_temperature(temperature)
    if isinstance(spo2_scale, bool) or spo2_scale not in SPO2_SCALES:
        raise ValueError(f"spo2_scale must be 1 or 2, got {spo2_scale!r}")
    if not isinstance(on_oxygen, bool):
        raise ValueError(f"on_oxygen must be True or False, got {on_oxygen!r}")
    if not isinstance(consciousness, str) or consciousness not in CONSCIOUSNESS_LEVELS:
        raise ValueError(
            f"consciousness must be one of {', '.join(CONSCIOUSNESS_LEVELS)} (ACVPU), "
            f"got {consciousness!r}"
        )
    scale = int(spo2_scale)

    if scale == 1:
        spo2_subscore = score_spo2_scale_1(sat)
    else:
        spo2_subscore = score_spo2_scale_2(sat, on_oxygen=on_oxygen)

    subscores = {
        "respiratory_rate": score_respiratory_rate(rr),
        "spo2": spo2_subscore,
        "air_or_oxygen": score_air_or_oxygen(on_oxygen=on_oxygen),
        "systolic_bp": score_systolic_bp(sbp),
        "pulse": score_pulse(hr),
        "consciousness": score_consciousness(consciousness),
        "temperature": score_temperature(temp),
    }
    total = sum(subscores.values())
    red_flag = any(value == TABLE["red_score"] for value in subscores.values())
    return News2Score(
        total=total,
        subscores=subscores,
        red_flag=red_flag,
        band=news2_band(total, red_flag=red_flag),
        spo2_scale=scale,
    )


@dataclass(frozen=True)
class News2Parameters:
    """Sub-scores of the parameters one set has, complete or not (domain-spec §1.6).

    A partial set has no total (``total`` is None), but each measured parameter is scored and a 3
    in any single parameter raises the red flag: RCP Chart 4 asks for an urgent ward-based
    response to a single red score whatever the total; only the total needs a complete set.
    ``band`` is "low-medium" for a red score and None otherwise (no total, no aggregate band).
    """

    subscores: dict[str, int] = field(hash=False)
    red_flag: bool
    band: Band | None
    spo2_scale: int
    total: None = None


def score_parameters(
    *,
    respiratory_rate: int | float | None = None,
    spo2: int | float | None = None,
    spo2_scale: int = 1,
    on_oxygen: bool | None = None,
    systolic_bp: int | float | None = None,
    pulse: int | float | None = None,
    consciousness: str | None = None,
    temperature: int | float | None = None,
) -> News2Parameters:
    """Validate and score the parameters given (None = not measured); no total (RCP 2017)."""
    if isinstance(spo2_scale, bool) or spo2_scale not in SPO2_SCALES:
        raise ValueError(f"spo2_scale must be 1 or 2, got {spo2_scale!r}")
    if on_oxygen is not None and not isinstance(on_oxygen, bool):
        raise ValueError(f"on_oxygen must be True, False or None, got {on_oxygen!r}")
    subscores: dict[str, int] = {}
    if respiratory_rate is not None:
        rr = _check_whole_number(
            "respiratory_rate", respiratory_rate, RESPIRATORY_RATE_LIMITS, "breaths/min"
        )
        subscores["respiratory_rate"] = score_respiratory_rate(rr)
    if spo2 is not None:
        sat = _check_whole_number("spo2", spo2, SPO2_LIMITS, "%")
        if spo2_scale == 1:
            subscores["spo2"] = score_spo2_scale_1(sat)
        elif on_oxygen is not None:
            subscores["spo2"] = score_spo2_scale_2(sat, on_oxygen=on_oxygen)
        elif sat <= 92:
            # Up to 92 % Scale 2 does not depend on air or oxygen; above it, it does.
            subscores["spo2"] = score_spo2_scale_2(sat, on_oxygen=False)
    if on_oxygen is not None:
        subscores["air_or_oxygen"] = score_air_or_oxygen(on_oxygen=on_oxygen)
    if systolic_bp is not None:
        sbp = _check_whole_number("systolic_bp", systolic_bp, SYSTOLIC_BP_LIMITS, "mmHg")
        subscores["systolic_bp"] = score_systolic_bp(sbp)
    if pulse is not None:
        subscores["pulse"] = score_pulse(
            _check_whole_number("pulse", pulse, PULSE_LIMITS, "beats/min")
        )
    if consciousness is not None:
        if not isinstance(consciousness, str) or consciousness not in CONSCIOUSNESS_LEVELS:
            raise ValueError(
                f"consciousness must be one of {', '.join(CONSCIOUSNESS_LEVELS)} (ACVPU), "
                f"got {consciousness!r}"
            )
        subscores["consciousness"] = score_consciousness(consciousness)
    if temperature is not None:
        subscores["temperature"] = score_temperature(_check_temperature(temperature))
    red_flag = any(value == TABLE["red_score"] for value in subscores.values())
    return News2Parameters(
        subscores=subscores,
        red_flag=red_flag,
        band="low-medium" if red_flag else None,
        spo2_scale=int(spo2_scale),
    )


def client_table() -> dict:
    """Return the scoring table and the plausibility limits for the JavaScript preview.

    Whole-number limits as they are; one-decimal limits in tenths (static/vitals/news2.js counts
    temperature in tenths so that it rounds exactly as parsing.round_half_up does).
    """
    return {
        "table": TABLE,
        "limits": {
            "whole": {name: list(limits) for name, limits in parsing.WHOLE_LIMITS.items()},
            "tenths": {
                name: [int(low * 10), int(high * 10)]
                for name, (low, high) in parsing.DECIMAL_LIMITS.items()
            },
        },
    }
