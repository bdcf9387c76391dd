"""Swedish identity numbers: personnummer and samordningsnummer (domain spec §4).

A plain module: no Django models, only ``django.utils.translation`` for the user-facing
error messages. Messages are translated when an error is raised (``gettext``, not lazy).

Rules (domain spec §4.1-4.2):

* Written forms accepted: ``YYYYMMDDNNNC``, ``YYYYMMDD-NNNC``, ``YYMMDD-NNNC``, ``YYMMDD+NNNC``
  and ``YYMMDDNNNC`` (read as if written with ``-``). Surrounding whitespace is ignored.
* The separator is ``+`` from the calendar year the person turns 100 (folkbokföringslagen 18 §).
* Check digit: Luhn (weights 2-1-2-1-...) over the nine digits ``YYMMDDNNN``.
* Samordningsnummer: day of birth + 60.
* The canonical (stored) form is always the 12 digits with century.

Reserve numbers (reservnummer, §4.4) are not identity numbers and are refused by
:func:`parse_identity_number`; :func:`parse_reserve_number` reads the Region Västerbotten form
(for registering an unidentified resident) and :func:`make_reserve_number` builds it for
synthetic data.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _

__all__ = [
    "IdentityNumber",
    "InvalidIdentityNumber",
    "ReserveNumber",
    "is_reserve_number",
    "looks_like_reserve_number",
    "luhn_check_digit",
    "make_reserve_number",
    "parse_identity_number",
    "parse_reserve_number",
]

Kind = Literal["personnummer", "samordningsnummer"]

SAMORDNING_DAY_OFFSET = 60
VALID_CENTURIES = ("18", "19", "20")

# Digits with at most a few separators; the exact layout is checked separately so that the
# error message can say what is wrong.
_SHAPE = re.compile(r"[0-9+-]+", re.ASCII)
_TWELVE = re.compile(
    r"(?P<century>[0-9]{2})(?P<ten>[0-9]{6})(?P<sep>[-+]?)(?P<tail>[0-9]{4})", re.ASCII
)
_TEN = re.compile(r"(?P<ten>[0-9]{6})(?P<sep>[-+]?)(?P<tail>[0-9]{4})", re.ASCII)
_WHITESPACE = re.compile(r"\s")

# Region Västerbotten reserve number: date, then 'R', a digit 6/9 (born before 2000) or 2 (born
# 2000 or later) and a two-digit serial. Canonical 12-character form YYYYMMDDRXNN; the written
# forms YYYYMMDD-RXNN and YYMMDD-RXNN are recognised too.
_RESERVE = re.compile(
    r"(?P<century>[0-9]{2})?(?P<date>[0-9]{6})-?R(?P<x>[0-9])(?P<serial>[0-9]{2})",
    re.ASCII | re.IGNORECASE,
)


class InvalidIdentityNumber(ValueError):
    """The text is not a valid personnummer or samordningsnummer.

    ``str(error)`` is a user-facing explanation of what is wrong.
    """


@dataclass(frozen=True)
class IdentityNumber:
    """A validated personnummer or samordningsnummer.

    ``canonical`` is the 12-digit form without separator (``YYYYMMDDNNNC``), as stored.
    ``birth_date`` is the date encoded in the number (for a samordningsnummer, day minus 60).
    Note that Skatteverket sometimes uses a neighbouring date when birth numbers run out, so
    this is not necessarily the person's true birth date (§4.1).
    """

    kind: Kind
    canonical: str
    birth_date: datetime.date

    @property
    def is_samordningsnummer(self) -> bool:
        return self.kind == "samordningsnummer"

    def short(self, *, today: datetime.date | None = None) -> str:
        """The 10-digit form ``YYMMDD-NNNC``, with ``+`` from the year the person turns 100."""
        today = today or datetime.date.today()
        birth_year = int(self.canonical[:4])
        separator = "+" if today.year >= birth_year + 100 else "-"
        return f"{self.canonical[2:8]}{separator}{self.canonical[8:]}"

    def __str__(self) -> str:
        return f"{self.canonical[:8]}-{self.canonical[8:]}"


def luhn_check_digit(nine_digits: str) -> int:
    """Check digit for ``YYMMDDNNN`` (weights 2-1-2-1-..., digit sum of each product)."""
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def parse_identity_number(text: str, *, today: datetime.date | None = None) -> IdentityNumber:
    """Parse and validate a personnummer or samordningsnummer in any accepted written form.

    ``today`` decides the century of 10-digit forms and what counts as a future birth date;
    it defaults to ``datetime.date.today()``.

    Raises :class:`InvalidIdentityNumber` with a user-facing message if the text is not valid.
    """
    today = today or datetime.date.today()
    if not isinstance(text, str):
        raise InvalidIdentityNumber(_("Enter the personnummer as text."))
    text = text.strip()
    if not text:
        raise InvalidIdentityNumber(_("Enter a personnummer or samordningsnummer."))

    if is_reserve_number(text):
        raise InvalidIdentityNumber(
            _(
                "This is a reserve number (reservnummer), not a personnummer or "
                "samordningsnummer. Reserve numbers cannot be used here."
            )
        )
    if any(char.isalpha() for char in text):
        raise InvalidIdentityNumber(
            _(
                "Letters are not allowed in a personnummer. Interim numbers (such as "
                "T-numbers) and reserve numbers are not personnummer or samordningsnummer."
            )
        )
    if _WHITESPACE.search(text):
        raise InvalidIdentityNumber(
            _(
                "Spaces are not allowed in a personnummer. Use - or + between the date and "
                "the last four digits, for example YYMMDD-NNNC."
            )
        )
    if not _SHAPE.fullmatch(text):
        raise InvalidIdentityNumber(
            _(
                "A personnummer may only contain digits and a - or + before the last four "
                "digits, for example YYYYMMDD-NNNC or YYMMDD-NNNC."
            )
        )

    digit_count = sum(char.isdigit() for char in text)
    if digit_count not in (10, 12):
        raise InvalidIdentityNumber(
            _(
                "A personnummer has 10 or 12 digits (YYMMDD-NNNC or YYYYMMDD-NNNC); "
                "this has %(count)d."
            )
            % {"count": digit_count}
        )

    match = (_TWELVE if digit_count == 12 else _TEN).fullmatch(text)
    if match is None:
        raise InvalidIdentityNumber(
            _(
                "Put a single - or + between the date and the last four digits, for example "
                "YYYYMMDD-NNNC or YYMMDD-NNNC."
            )
        )

    ten = match["ten"]
    tail = match["tail"]
    separator = match["sep"]
    yy, mm, dd = int(ten[0:2]), int(ten[2:4]), int(ten[4:6])

    # Organisationsnummer have 20 or more in the "month" position (e.g. 556036-0793, and
    # written with 16 in front as a 12-digit form). Say so rather than "impossible date".
    if mm >= 20:
        raise InvalidIdentityNumber(
            _(
                "This looks like an organisation number (organisationsnummer), not a "
                "personnummer or samordningsnummer."
            )
        )

    century = match.groupdict().get("century")
    if century is not None:
        if separator == "+":
            raise InvalidIdentityNumber(
                _(
                    "Use + only in the 10-digit form (YYMMDD+NNNC). With 12 digits, write "
                    "YYYYMMDD-NNNC or the digits alone."
                )
            )
        if century not in VALID_CENTURIES:
            raise InvalidIdentityNumber(
                _("A 12-digit personnummer starts with the century: 18, 19 or 20.")
            )

    kind: Kind = "personnummer"
    day = dd
    if dd > SAMORDNING_DAY_OFFSET:
        kind = "samordningsnummer"
        day = dd - SAMORDNING_DAY_OFFSET

    # Month and day checked against a leap year first; 29 February is checked again once the
    # year is known.
    if not _is_possible_month_day(mm, day):
        raise InvalidIdentityNumber(_impossible_date_message(kind))

    if century is not None:
        year = int(century) * 100 + yy
    else:
        # Latest year <= this year ending in YY (domain spec §4.1); '+' means a century earlier.
        year = today.year - (today.year - yy) % 100
        if separator == "+":
            year -= 100
        elif (mm, day) > (today.month, today.day) and year == today.year:
            # A '-' (or no separator) date later this year would be a birth date in the future.
            # Like the `personnummer` package we read it as a century earlier. Strictly that
            # person should write '+', as they turn 100 this year, but a stale '-' is a common
            # slip and the reading is unambiguous.
            year -= 100

    try:
        birth_date = datetime.date(year, mm, day)
    except ValueError:
        raise InvalidIdentityNumber(_impossible_date_message(kind)) from None

    if birth_date > today:
        raise InvalidIdentityNumber(_("The birth date in this number is in the future."))

    if tail[:3] == "000":
        raise InvalidIdentityNumber(
            _("The birth number (the three digits after the date) cannot be 000.")
        )

    if luhn_check_digit(ten + tail[:3]) != int(tail[3]):
        raise InvalidIdentityNumber(
            _(
                "The check digit (the last digit) does not match the rest of the number. "
                "Check the number for a typing error."
            )
        )

    return IdentityNumber(kind=kind, canonical=f"{year:04d}{ten[2:]}{tail}", birth_date=birth_date)


def _is_possible_month_day(month: int, day: int) -> bool:
    try:
        datetime.date(2000, month, day)  # a leap year
    except ValueError:
        return False
    return True


def _impossible_date_message(kind: Kind) -> str:
    if kind == "samordningsnummer":
        return _(
            "The date in this samordningsnummer is not a real date (the day, minus 60, must "
            "be a day of the month)."
        )
    return _("The date in this personnummer is not a real date. Check the year, month and day.")


# --- Reserve numbers (Region Västerbotten form, domain spec §4.4) -----------------------------

RESERVE_SERIALS_BEFORE_2000 = 200  # X = 6 for serials 0-99, X = 9 for 100-199
RESERVE_SERIALS_FROM_2000 = 100  # X = 2


def make_reserve_number(*, birth_date: datetime.date, serial: int) -> str:
    """Region Västerbotten reserve number in its canonical 12-character form ``YYYYMMDDRXNN``.

    X is 6 (serials 0-99) or 9 (serials 100-199) for people born before 2000, and 2 (serials
    0-99) for people born in 2000 or later; NN is ``serial % 100``.
    Raises ``ValueError`` if the serial is out of range for the birth year.
    """
    born_before_2000 = birth_date.year < 2000
    limit = RESERVE_SERIALS_BEFORE_2000 if born_before_2000 else RESERVE_SERIALS_FROM_2000
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial < limit:
        raise ValueError(
            f"Reserve number serial must be an integer from 0 to {limit - 1} "
            f"for someone born in {birth_date.year}; got {serial!r}."
        )
    x = (6 if serial < 100 else 9) if born_before_2000 else 2
    return f"{birth_date:%Y%m%d}R{x}{serial % 100:02d}"


@dataclass(frozen=True)
class ReserveNumber:
    """A Region Västerbotten reserve number: ``canonical`` is ``YYYYMMDDRXNN`` (12 characters)."""

    canonical: str
    birth_date: datetime.date
    kind: str = "reservnummer"


def parse_reserve_number(text: str) -> ReserveNumber:
    """Read a Region Västerbotten reserve number (``YYYYMMDD-RXNN``, ``YYYYMMDDRXNN`` or
    ``YYMMDD-RXNN``; the short form takes its century from X).

    Raises :class:`InvalidIdentityNumber` with a user-facing message if it is not one.
    """
    if not is_reserve_number(text):
        raise InvalidIdentityNumber(
            _(
                "This is not a valid reserve number. Region Västerbotten's form is "
                "YYYYMMDD-RXNN: the date, R, then 6 or 9 if born before 2000 or 2 if born in "
                "2000 or later, and a two-digit serial."
            )
        )
    match = _RESERVE.fullmatch(text.strip())
    x = match["x"]
    date_part = match["date"]
    century = match["century"] or ("20" if x == "2" else "19")
    year = int(century + date_part[:2])
    birth_date = datetime.date(year, int(date_part[2:4]), int(date_part[4:6]))
    return ReserveNumber(
        canonical=f"{century}{date_part}R{x}{match['serial']}", birth_date=birth_date
    )


def looks_like_reserve_number(text: str) -> bool:
    """True if TEXT is written like a reserve number (an R after the date), valid or not."""
    return isinstance(text, str) and _RESERVE.fullmatch(text.strip()) is not None


def is_reserve_number(text: str) -> bool:
    """True if ``text`` is a Region Västerbotten reserve number.

    Recognises ``YYYYMMDDRXNN`` (canonical), ``YYYYMMDD-RXNN`` and ``YYMMDD-RXNN``, with a real
    date and X matching the birth century (6 or 9 before 2000, 2 from 2000).
    """
    if not isinstance(text, str):
        return False
    match = _RESERVE.fullmatch(text.strip())
    if match is None:
        return False
    x = int(match["x"])
    if x not in (2, 6, 9):
        return False
    date_part = match["date"]
    if match["century"] is not None:
        year = int(match["century"] + date_part[:2])
        if (year >= 2000) != (x == 2):
            return False
    else:
        # Short form: the century follows from X (2 → 2000s, 6/9 → 1900s).
        year = (2000 if x == 2 else 1900) + int(date_part[:2])
    try:
        datetime.date(year, int(date_part[2:4]), int(date_part[4:6]))
    except ValueError:
        return False
    return True
