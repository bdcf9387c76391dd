"""Swedish organisation numbers (organisationsnummer, Skatteverket SKV 709).

Ten digits NNNNNN-NNNN; the third digit is 2 or more (which tells it apart from a personnummer)
and the last digit is the Luhn check digit over the first nine.
"""

import re

_FORMAT = re.compile(r"(\d{6})-?(\d{4})")


def luhn_ok(digits: str) -> bool:
    """True when the last digit of DIGITS is the Luhn check digit of the others."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise(text: str) -> str | None:
    """Return TEXT as NNNNNN-NNNN when it is a valid organisation number, else None."""
    match = _FORMAT.fullmatch(text.strip().replace(" ", ""))
    if match is None:
        return None
    digits = match[1] + match[2]
    if int(digits[2]) < 2 or not luhn_ok(digits):
        return None
    return f"{match[1]}-{match[2]}"
