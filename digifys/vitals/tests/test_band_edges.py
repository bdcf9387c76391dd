"""Every NEWS2 band edge of every parameter, typed as a nurse types it, through the service, the
form (the record view and its live preview) and the calculator: all three must agree with the
RCP chart (domain-spec §1.1, §1.6; issue #18 §1).

The expected sub-scores are written out from the RCP NEWS2 Chart 1, not computed, so the test does
not share a bug with the code. Two-decimal inputs ("35,05") check the half-up rounding of
temperature; "9,00"-style inputs check that whole-number signs accept a decimal form of a whole
number. A second implementation of the rounding (half-even in the service) once stored 35,05 as
35.0 → sub-score 3 and a red flag, while the calculator said 35.1 → 1.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from digifys.vitals import news2, parsing, services
from digifys.vitals.models import Observation, Scale2Decision

# Everything scores 0 (Scale 1, air); each case changes one parameter.
NORMAL = {
    "respiratory_rate": "16",
    "spo2": "97",
    "on_oxygen": False,
    "systolic_bp": "130",
    "pulse": "72",
    "consciousness": "A",
    "temperature": "36,8",
}

TEMPERATURE = [
    ("34,95", 3),  # → 35.0
    ("35,0", 3),
    ("35,04", 3),  # → 35.0
    ("35,05", 1),  # → 35.1 (half-even gave 35.0 → 3, a red flag)
    ("35,1", 1),
    ("36,0", 1),
    ("36,04", 1),
    ("36,05", 0),  # → 36.1
    ("36,1", 0),
    ("38,0", 0),
    ("38,04", 0),
    ("38,05", 1),  # → 38.1 (half-even gave 38.0 → 0, an under-scored fever)
    ("38,1", 1),
    ("39,0", 1),
    ("39,04", 1),
    ("39,05", 2),  # → 39.1 (half-even gave 39.0 → 1)
    ("39,1", 2),
    ("38.05", 1),  # decimal point as well as comma
    ("35.05", 1),
]
RESPIRATORY_RATE = [(8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3)]
SPO2_SCALE_1 = [(91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0)]
SYSTOLIC_BP = [
    (90, 3),
    (91, 2),
    (100, 2),
    (101, 1),
    (110, 1),
    (111, 0),
    (219, 0),
    (220, 3),
]
PULSE = [
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
]
# (SpO2, on oxygen, SpO2 sub-score) on Scale 2 (prescribed 88–92 % target).
SPO2_SCALE_2 = [
    (83, False, 3),
    (84, False, 2),
    (85, False, 2),
    (86, False, 1),
    (87, False, 1),
    (88, False, 0),
    (92, False, 0),
    (93, False, 0),
    (97, False, 0),
    (92, True, 0),
    (93, True, 1),
    (94, True, 1),
    (95, True, 2),
    (96, True, 2),
    (97, True, 3),
]


def _cases():
    for text, expected in TEMPERATURE:
        yield pytest.param("temperature", text, 1, False, expected, id=f"temperature-{text}")
    whole = {
        "respiratory_rate": RESPIRATORY_RATE,
        "spo2": SPO2_SCALE_1,
        "systolic_bp": SYSTOLIC_BP,
        "pulse": PULSE,
    }
    for name, edges in whole.items():
        for value, expected in edges:
            # Two decimals, decimal comma: "91,00" is the whole number 91.
            yield pytest.param(name, f"{value},00", 1, False, expected, id=f"{name}-{value},00")
    for value, on_oxygen, expected in SPO2_SCALE_2:
        air = "oxygen" if on_oxygen else "air"
        yield pytest.param("spo2", f"{value}.00", 2, on_oxygen, expected, id=f"s2-{value}-{air}")


def _calculator_value(name: str, text: str):
    """The typed value as a float or int, as the calculator's callers pass numbers."""
    number = float(text.replace(",", "."))
    return number if name == "temperature" else int(number)


def _news2_total(page: str) -> int:
    match = re.search(r'<span class="news2-total">(\d+)</span>', page)
    assert match, "no NEWS2 total on the page"
    return int(match.group(1))


@pytest.mark.parametrize(("name", "text", "scale", "on_oxygen", "expected"), list(_cases()))
def test_service_form_and_calculator_agree_at_every_band_edge(
    world, login, name, text, scale, on_oxygen, expected
):
    resident = world.resident_mala
    if scale == 2:
        Scale2Decision.objects.create(
            resident=resident,
            decided_by=world.physician_spain.staff_profile,
            unit=resident.unit,
        )
    values = {**NORMAL, name: text, "on_oxygen": on_oxygen}
    # On oxygen the service needs a flow or a device (issue 12 §4 item 9); neither is scored.
    oxygen = {"oxygen_flow": "2"} if on_oxygen else {}
    expected_total = expected + (2 if on_oxygen else 0)

    # 1. The calculator, given numbers.
    numbers = {
        key: _calculator_value(key, value)
        if key in parsing.WHOLE_LIMITS or key == "temperature"
        else value
        for key, value in values.items()
    }
    calculated = news2.score_news2(spo2_scale=scale, **numbers)
    assert calculated.subscores[name] == expected
    assert calculated.total == expected_total

    # 2. The service, given the text as typed.
    stored = services.record_observation(
        actor=world.nurse_mala, resident=resident, spo2_scale=scale, **values, **oxygen
    )
    stored.refresh_from_db()
    assert stored.news2_subscores[name] == expected
    assert stored.news2_total == expected_total == calculated.total
    assert stored.red_flag == calculated.red_flag
    assert stored.news2_band == calculated.band
    if name == "temperature":
        assert stored.temperature == parsing.round_half_up(Decimal(text.replace(",", ".")))

    # 3. The form: the live preview and the record view, with the same text.
    form = {
        **{key: value for key, value in values.items() if key != "on_oxygen"},
        "on_oxygen": "oxygen" if on_oxygen else "air",
        "spo2_scale": str(scale),
        **oxygen,
    }
    client = login(world.nurse_mala, language="en")
    preview = client.post(reverse("vitals:preview", args=[resident.pk]), form)
    assert preview.status_code == 200
    assert _news2_total(preview.content.decode()) == expected_total
    response = client.post(reverse("vitals:record", args=[resident.pk]), form)
    assert response.status_code == 302
    saved = Observation.objects.filter(resident=resident).exclude(pk=stored.pk).get()
    assert saved.news2_subscores == stored.news2_subscores
    assert (saved.news2_total, saved.red_flag, saved.news2_band) == (
        stored.news2_total,
        stored.red_flag,
        stored.news2_band,
    )


def test_the_issue_example_35_05_is_stored_as_35_1_without_a_red_flag(world):
    observation = services.record_observation(
        actor=world.nurse_mala, resident=world.resident_mala, **{**NORMAL, "temperature": "35,05"}
    )
    observation.refresh_from_db()
    assert observation.temperature == Decimal("35.1")
    assert observation.news2_subscores["temperature"] == 1
    assert observation.red_flag is False


@pytest.mark.parametrize(
    ("name", "text", "stored"),
    [
        ("oxygen_flow", "2,05", Decimal("2.1")),
        ("weight", "70,25", Decimal("70.3")),
        ("blood_glucose", "5,45", Decimal("5.5")),
    ],
)
def test_every_one_decimal_sign_rounds_half_up(world, name, text, stored):
    extra = {"on_oxygen": True} if name == "oxygen_flow" else {}
    observation = services.record_observation(
        actor=world.nurse_mala, resident=world.resident_mala, **{name: text}, **extra
    )
    observation.refresh_from_db()
    assert getattr(observation, name) == stored


def test_every_screen_names_the_band_with_the_one_set_of_labels(world, login):
    """Observation.Band holds the only labels: the result page, the worklist and the SBAR agree."""
    from django.utils import translation

    from digifys.consults.selectors import sbar_assessment
    from digifys.worklist.selectors import unit_worklist

    observation = services.record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        **{**NORMAL, "respiratory_rate": "22", "pulse": "115", "temperature": "38,3"},
    )
    assert observation.news2_band == Observation.Band.MEDIUM
    client = login(world.nurse_mala, language="en")
    page = client.get(reverse("vitals:result", args=[observation.pk])).content.decode()
    assert "Medium risk" in page
    row = next(
        row
        for row in unit_worklist(unit=world.unit_mala, user=world.nurse_mala).rows
        if row.resident == world.resident_mala
    )
    with translation.override("en"):
        assert row.band_label == "Medium risk"
    with translation.override("sv"):
        swedish = str(Observation.Band.MEDIUM.label)
    assert swedish != "Medium risk"
    assert swedish in sbar_assessment(observation)
