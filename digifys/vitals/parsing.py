"""The one parser of vital signs: what a number may look like, its limits, and how it is rounded.

Every path that turns typed or transmitted vital signs into stored values uses this module: the
vitals form and its live preview (through `services.validate_vitals`), the service
`services.record_observation`, the NEWS2 calculator (`news2.score_news2`), and the API and
offline client to come. A second copy of these rules once rounded temperature half-even
(35.05 → 35.0, a red flag) while the calculator rounded half-up (35.05 → 35.1); issue #18 §1.

Rules (domain-spec §1.6):

* a plain decimal number, decimal comma or point (Swedish and Spanish keyboards): no exponent,
  no sign other than a leading minus, no "NaN" or "Infinity", no thousands separator;
* respiration rate, SpO2, systolic and diastolic BP, pulse and pain are whole numbers
  ("95", "95,0" and "95.00" are 95; "95.5" is refused, the NEWS2 chart has no band for it);
* temperature, oxygen flow, weight and blood glucose keep one decimal, rounded **half-up**
  (36.05 → 36.1, 36.04 → 36.0), so a temperature falls into exactly one one-decimal NEWS2 band;
* each value lies within plausibility limits (inclusive), checked on the rounded value. The
  limits accept every value a nurse can really measure, including agonal ones (respiration rate
  0, SpO2 below 50 %; issue #19 item 14), and refuse the impossible (SpO2 0 or above 100 %, a
  negative rate) and obvious slips.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

PLAIN_NUMBER = re.compile(r"-?\d+([.,]\d+)?")
ONE_DECIMAL = Decimal("0.1")

# Plausibility limits, inclusive. Whole-number vital signs first, then the one-decimal ones.
WHOLE_LIMITS: dict[str, tuple[int, int]] = {
    # Respiration rate 0 is apnoea and an oximeter can show SpO2 far below 50 % in an agonal state:
    # a nurse must be able to record both (issue #19 item 14). SpO2 0 is no reading rather than a
    # saturation, above 100 % is impossible.
    "respiratory_rate": (0, 80),
    "spo2": (1, 100),
    "systolic_bp": (40, 300),
    "diastolic_bp": (20, 200),
    "pulse": (20, 250),
    "pain": (0, 10),
    # The fraction of inspired oxygen, as a percentage: 21 % is room air.
    "fio2": (21, 100),
}
DECIMAL_LIMITS: dict[str, tuple[Decimal, Decimal]] = {
    # 25.0–44.0 °C: physiological limits that still take every temperature a nurse can meet. Below
    # 28 °C is severe (stage III) accidental hypothermia, which a resident found outdoors at night
    # can have and survive (Swiss staging; Brown DJA et al., "Accidental hypothermia", N Engl J Med
    # 2012;367:1930-8). Heat stroke is a core temperature above 40 °C, rarely measured above 44 °C
    # (Bouchama A, Knochel JP, "Heat stroke", N Engl J Med 2002;346:1978-88). 45 °C and above is
    # refused as a slip (issue 12 §4 item 9).
    "temperature": (Decimal("25.0"), Decimal("44.0")),
    "oxygen_flow": (Decimal("0.1"), Decimal("15.0")),
    "weight": (Decimal("20.0"), Decimal("300.0")),
    "blood_glucose": (Decimal("1.0"), Decimal("40.0")),
}

LIMIT_MESSAGES = {
    "respiratory_rate": _(
        "Respiration rate must be a whole number from 0 to 80 breaths per minute."
    ),
    "spo2": _("SpO2 must be a whole number from 1 to 100 %."),
    "systolic_bp": _("Systolic blood pressure must be a whole number from 40 to 300 mmHg."),
    "pulse": _("Pulse must be a whole number from 20 to 250 beats per minute."),
    "temperature": _("Temperature must be a number from 25.0 to 44.0 °C."),
    "diastolic_bp": _("Diastolic blood pressure must be a whole number from 20 to 200 mmHg."),
    "oxygen_flow": _("Oxygen flow must be a number from 0.1 to 15 l/min."),
    "weight": _("Weight must be a number from 20 to 300 kg."),
    "blood_glucose": _("Blood glucose must be a number from 1.0 to 40.0 mmol/l."),
    "pain": _("Pain must be a whole number from 0 to 10."),
    "fio2": _("FiO2 must be a whole number from 21 to 100 %."),
}


class VitalSignError(ValueError):
    """A value that is not a plain number, not whole where it must be, or outside its limits."""

    def __init__(self, name: str, value: object):
        self.name = name
        self.value = value
        super().__init__(f"{name}: {value!r} is refused ({LIMIT_MESSAGES[name]})")

    @property
    def message(self) -> str:
        """The translated message for the person who typed the value."""
        return str(LIMIT_MESSAGES[self.name])


def parse_number(value: object) -> Decimal:
    """Return VALUE as an exact Decimal; raise ValueError unless it is a plain finite number.

    Accepts int, Decimal, float (by its shortest repr, so 36.05 stays 36.05) and text with a
    decimal comma or point.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return value
    text = str(value).strip()
    if not PLAIN_NUMBER.fullmatch(text):
        raise ValueError(f"not a plain number: {value!r}")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern already excludes it
        raise ValueError(f"not a plain number: {value!r}") from error


def round_half_up(number: Decimal) -> Decimal:
    """Round to one decimal, half-up (domain-spec §1.6): 35.05 → 35.1, 35.04 → 35.0."""
    return number.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def parse_vital(name: str, value: object) -> int | Decimal | None:
    """Parse one vital sign NAME; None when empty (not measured). Raise VitalSignError if refused.

    Whole-number signs come back as int, one-decimal signs as a Decimal rounded half-up. The limits
    apply to the rounded value, which is the value that is stored and scored.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = parse_number(value)
    except ValueError as error:
        raise VitalSignError(name, value) from error
    if name in WHOLE_LIMITS:
        low, high = WHOLE_LIMITS[name]
        if number != number.to_integral_value() or not low <= number <= high:
            raise VitalSignError(name, value)
        return int(number)
    if name in DECIMAL_LIMITS:
        low, high = DECIMAL_LIMITS[name]
        rounded = round_half_up(number)
        if not low <= rounded <= high:
            raise VitalSignError(name, value)
        return rounded
    raise KeyError(f"unknown vital sign: {name}")
