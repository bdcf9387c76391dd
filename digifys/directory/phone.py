"""Telephone numbers: parse what people type, store E.164, show it readably.

Parsing and formatting rely on Google's libphonenumber metadata (the `phonenumbers` package), so
Swedish numbers ("070-123 45 67", "090-785 00 00") and Spanish numbers ("+34 612 34 56 78")
follow the national numbering plans rather than a hand-written pattern.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Numbers typed without a country code are Swedish: the callers are nurses in Västerbotten.
DEFAULT_REGION = "SE"
# Staff are reached on Swedish numbers or, for physicians working from Spain, Spanish ones.
ACCEPTED_REGIONS = frozenset({"SE", "ES"})
MAX_INPUT_LENGTH = 30

INVALID_MESSAGE = _(
    "Enter a Swedish phone number (e.g. 070-123 45 67) or a Spanish one with its country "
    "code (e.g. +34 612 34 56 78)."
)


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    text = (text or "").strip()
    if not text or len(text) > MAX_INPUT_LENGTH:
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.region_code_for_number(number) not in ACCEPTED_REGIONS:
        return None
    return number


def normalise(text: str) -> str:
    """The E.164 form of TEXT ("" for empty input); ValidationError if it is no valid number."""
    if not (text or "").strip():
        return ""
    number = _parse(text)
    if number is None:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate(value: str) -> None:
    """Model/form validator: empty or a valid Swedish or Spanish number."""
    normalise(value)


def is_valid(text: str) -> bool:
    return _parse(text) is not None


def display(value: str) -> str:
    """A stored number as people read it.

    Swedish numbers in the national format ("070-123 45 67"), as nurses and physicians in Sweden
    write them; other numbers in the international format ("+34 612 34 56 78"), since they are
    dialled from Sweden. Text that is not a valid number is returned unchanged.
    """
    number = _parse(value)
    if number is None:
        return value or ""
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def tel_uri(value: str) -> str:
    """The tel: URI of a valid number (RFC 3966), or "" if VALUE is not one."""
    number = _parse(value)
    if number is None:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)
