import pytest
from django.core.exceptions import ValidationError

from digifys.vitals.services import validate_vitals


@pytest.mark.parametrize("text", ["1e2", "9.5e1", "NaN", "Infinity", "0x60", "95 %", "--95", "+"])
def test_only_plain_numbers_are_accepted(text):
    with pytest.raises(ValidationError) as error:
        validate_vitals({"spo2": text})
    assert "spo2" in error.value.message_dict


@pytest.mark.parametrize(("text", "expected"), [("95", 95), (" 96 ", 96), ("97,0", 97), (98, 98)])
def test_plain_numbers_and_decimal_commas_are_accepted(text, expected):
    assert validate_vitals({"spo2": text})["spo2"] == expected
