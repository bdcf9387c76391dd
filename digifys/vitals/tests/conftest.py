import pytest
from django.urls import reverse

# A complete set that scores 6 (medium): domain-spec §1.7 vector 1, as typed in the form.
MEDIUM_FORM = {
    "respiratory_rate": "22",
    "spo2": "95",
    "spo2_scale": "1",
    "on_oxygen": "air",
    "systolic_bp": "105",
    "diastolic_bp": "70",
    "pulse": "95",
    "consciousness": "A",
    "temperature": "38,3",
}
# Vector 4: 3,3,2,3,2,3,2 → 18, high.
HIGH_FORM = {
    "respiratory_rate": "26",
    "spo2": "90",
    "spo2_scale": "1",
    "on_oxygen": "oxygen",
    "oxygen_flow": "2",
    "systolic_bp": "88",
    "pulse": "125",
    "consciousness": "V",
    "temperature": "39,4",
}
# Everything scores 0.
NORMAL_FORM = {
    "respiratory_rate": "16",
    "spo2": "97",
    "spo2_scale": "1",
    "on_oxygen": "air",
    "systolic_bp": "130",
    "pulse": "72",
    "consciousness": "A",
    "temperature": "36,8",
}


@pytest.fixture
def consults_new(world):
    """The SBAR form's URL, which the result page links to."""
    return reverse("consults:new", args=[world.resident_mala.pk])
