"""A one-line summary of a set of vital signs, in the reader's language and number formats.

`values_of` takes the values a summary needs from an `Observation` (JSON-safe: decimals as
strings), so that a thread event or a task result can store them as parameters; `summary`
renders them in the active language ("Temp 37,0 °C" in Swedish and Spanish, "37.0" in English).
"""

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import pgettext

FIELDS = (
    "news2_total",
    "respiratory_rate",
    "spo2",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "temperature",
    "consciousness",
)


def values_of(observation) -> dict:
    """The summary's values of OBSERVATION, JSON-safe."""
    values = {}
    for name in FIELDS:
        value = getattr(observation, name, None)
        if value is None or value == "":
            continue
        values[name] = str(value) if isinstance(value, Decimal) else value
    return values


def _number(value, places: int | None = None) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return number_format(number, decimal_pos=places, use_l10n=True)


def summary(values: dict | None) -> str:
    """VALUES (from `values_of`) as one line in the active language."""
    values = values or {}
    parts = []
    if values.get("news2_total") is not None:
        parts.append(f"NEWS2 {values['news2_total']}")
    if values.get("respiratory_rate") is not None:
        label = pgettext("abbreviation of respiration rate", "RR")
        parts.append(f"{label} {values['respiratory_rate']}/min")
    if values.get("spo2") is not None:
        parts.append(f"SpO2 {values['spo2']} %")
    if values.get("systolic_bp") is not None:
        label = pgettext("abbreviation of blood pressure", "BP")
        pressure = str(values["systolic_bp"])
        if values.get("diastolic_bp") is not None:
            pressure += f"/{values['diastolic_bp']}"
        parts.append(f"{label} {pressure} mmHg")
    if values.get("pulse") is not None:
        label = pgettext("vital sign", "Pulse")
        parts.append(f"{label} {values['pulse']}/min")
    if values.get("temperature") is not None:
        label = pgettext("abbreviation of temperature", "Temp")
        parts.append(f"{label} {_number(values['temperature'], 1)} °C")
    if values.get("consciousness"):
        parts.append(f"ACVPU {values['consciousness']}")
    return ", ".join(parts)
