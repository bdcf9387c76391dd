"""Swedish identity numbers (domain spec §4): parsing, validation and reserve numbers."""

import dataclasses
import datetime

import pytest

from digifys.residents.identity import (
    IdentityNumber,
    InvalidIdentityNumber,
    is_reserve_number,
    luhn_check_digit,
    make_reserve_number,
    parse_identity_number,
)
from digifys.residents.testnumbers import load_test_personnummer

TODAY = datetime.date(2026, 11, 27)


def with_check_digit(nine_digits: str) -> str:
    """Append the Luhn check digit to YYMMDDNNN (written independently of the module)."""
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2, 1)[index % 2]
        total += sum(int(d) for d in str(product))
    return nine_digits + str((10 - total % 10) % 10)


def refusal(text: str, today: datetime.date = TODAY) -> str:
    with pytest.raises(InvalidIdentityNumber) as caught:
        parse_identity_number(text, today=today)
    return str(caught.value)


# --- The published test list --------------------------------------------------------------


def test_the_shipped_test_list_holds_41127_distinct_twelve_digit_numbers():
    # The file has 41,129 lines of numbers; Skatteverket's list repeats two of them.
    numbers = load_test_personnummer()
    assert len(numbers) == 41_127
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == 12 and n.isdigit() for n in numbers)
    assert numbers[0] == "189001019802"
    assert numbers[-1] == "202312312388"


def test_it_accepts_every_number_on_skatteverkets_list_in_each_written_form():
    failures = []
    checked_forms = 0
    for canonical in load_test_personnummer():
        birth_year = int(canonical[:4])
        birth_date = datetime.date(birth_year, int(canonical[4:6]), int(canonical[6:8]))
        separator = "+" if TODAY.year - birth_year >= 100 else "-"
        short = f"{canonical[2:8]}{separator}{canonical[8:]}"
        forms = [canonical, f"{canonical[:8]}-{canonical[8:]}", short]
        if separator == "-":
            forms.append(canonical[2:])
        for form in forms:
            checked_forms += 1
            try:
                number = parse_identity_number(form, today=TODAY)
            except InvalidIdentityNumber as error:
                failures.append((form, str(error)))
                continue
            if (
                number.canonical != canonical
                or number.birth_date != birth_date
                or number.kind != "personnummer"
                or number.short(today=TODAY) != short
                or str(number) != f"{canonical[:8]}-{canonical[8:]}"
            ):
                failures.append((form, number))
    assert failures[:10] == []
    assert checked_forms > 3 * 41_127


def test_surrounding_whitespace_is_ignored():
    assert parse_identity_number("  19640823-3234\n", today=TODAY).canonical == "196408233234"


# --- Worked examples from the spec ----------------------------------------------------------


def test_the_worked_example_640823_3234_is_valid_and_640823_3235_is_not():
    number = parse_identity_number("640823-3234", today=TODAY)
    assert number.canonical == "196408233234"
    assert number.birth_date == datetime.date(1964, 8, 23)
    assert luhn_check_digit("640823323") == 4
    assert "check digit" in refusal("640823-3235")


def test_a_samordningsnummer_has_its_day_minus_60_as_birth_date():
    number = parse_identity_number("701063-2391", today=TODAY)
    assert number.kind == "samordningsnummer"
    assert number.is_samordningsnummer
    assert number.canonical == "197010632391"
    assert number.birth_date == datetime.date(1970, 10, 3)
    assert number.short(today=TODAY) == "701063-2391"
    assert str(number) == "19701063-2391"
    assert parse_identity_number("197010632391", today=TODAY) == number


def test_an_identity_number_is_immutable():
    number = parse_identity_number("196408233234", today=TODAY)
    assert isinstance(number, IdentityNumber)
    with pytest.raises(dataclasses.FrozenInstanceError):
        number.canonical = "000000000000"  # type: ignore[misc]


# --- Centuries and centenarians ------------------------------------------------------------


def test_a_plus_sign_means_the_person_is_a_hundred_or_older():
    assert parse_identity_number("121212+1212", today=TODAY).birth_date.year == 1912
    assert parse_identity_number("121212-1212", today=TODAY).birth_date.year == 2012


def test_ten_digits_without_separator_are_read_as_if_written_with_a_minus():
    assert parse_identity_number("1212121212", today=TODAY).canonical == "201212121212"
    assert parse_identity_number("6408233234", today=TODAY).canonical == "196408233234"


def test_the_short_form_of_a_centenarian_has_a_plus_sign():
    number = parse_identity_number("191212121212", today=TODAY)
    assert number.short(today=TODAY) == "121212+1212"
    assert str(number) == "19121212-1212"


def test_the_separator_switches_to_plus_at_the_start_of_the_year_the_person_turns_100():
    # 19261223-9232 is on Skatteverket's list; this person turns 100 on 23 December 2026.
    number = parse_identity_number("192612239232", today=TODAY)
    new_years_eve = datetime.date(2025, 12, 31)
    new_years_day = datetime.date(2026, 1, 1)
    assert number.short(today=new_years_eve) == "261223-9232"
    assert number.short(today=new_years_day) == "261223+9232"
    # Each short form reads back as the same person on its own day ...
    assert parse_identity_number("261223-9232", today=new_years_eve) == number
    assert parse_identity_number("261223+9232", today=new_years_day) == number
    # ... while a '+' written before the switch means someone born a century earlier.
    assert parse_identity_number("261223+9232", today=new_years_eve).birth_date.year == 1826


def test_a_minus_form_with_a_date_later_this_year_is_read_as_a_century_earlier():
    # Strictly the person should write '+' this year; a stale '-' is still unambiguous.
    number = parse_identity_number("261223-9232", today=TODAY)
    assert number.birth_date == datetime.date(1926, 12, 23)
    assert parse_identity_number("2612239232", today=TODAY) == number


def test_someone_born_today_is_accepted():
    twelve = "20261127" + with_check_digit("261127123")[6:]
    assert parse_identity_number(twelve, today=TODAY).birth_date == TODAY


# --- Refusals ------------------------------------------------------------------------------


def test_it_refuses_a_wrong_check_digit():
    message = refusal("19640823-3230")
    assert "check digit" in message
    assert "4" not in message


def test_it_refuses_an_empty_text():
    assert "Enter a personnummer" in refusal("")
    assert "Enter a personnummer" in refusal("   ")


def test_it_refuses_a_thirtieth_of_february():
    assert "not a real date" in refusal(with_check_digit("410230123"))


def test_it_refuses_a_thirteenth_month_and_a_day_zero():
    assert "not a real date" in refusal(with_check_digit("411304123"))
    assert "not a real date" in refusal(with_check_digit("410100123"))
    assert "not a real date" in refusal(with_check_digit("410145123"))


def test_it_refuses_the_29th_of_february_in_a_year_that_is_not_a_leap_year():
    assert "not a real date" in refusal("19" + with_check_digit("000229123"))
    assert parse_identity_number("20" + with_check_digit("000229123"), today=TODAY)


def test_it_refuses_a_samordningsnummer_whose_day_minus_60_is_not_a_date():
    message = refusal(with_check_digit("700290123"))  # 30 February + 60
    assert "samordningsnummer" in message
    assert "not a real date" in message
    assert "not a real date" in refusal(with_check_digit("700492123"))  # day 32 + 60


def test_it_refuses_a_birth_date_in_the_future_in_the_twelve_digit_form():
    assert "in the future" in refusal("20" + with_check_digit("261128123"))
    assert "in the future" in refusal("20" + with_check_digit("301212123"))
    assert "in the future" in refusal("20" + with_check_digit("261188123"))  # samordningsnummer


def test_it_refuses_birth_number_000():
    assert "cannot be 000" in refusal(with_check_digit("411204000"))


def test_it_refuses_interim_numbers_with_letters():
    message = refusal("19400305-T123")
    assert "Letters are not allowed" in message
    assert "Interim numbers" in message
    assert "Letters are not allowed" in refusal("abcdef-ghij")


def test_it_refuses_organisation_numbers():
    assert "organisation number" in refusal("556036-0793")
    assert "organisation number" in refusal("5560360793")
    assert "organisation number" in refusal("212000-0142")
    assert "organisation number" in refusal("16556036-0793")


def test_it_refuses_a_number_with_the_wrong_number_of_digits():
    assert "10 or 12 digits" in refusal("41120498")
    assert "this has 11" in refusal("1964082-3234")
    assert "this has 13" in refusal("1964082332345")


def test_it_refuses_a_space_in_place_of_the_separator():
    message = refusal("640823 3234")
    assert "Spaces are not allowed" in message
    assert "Use - or +" in message


def test_it_refuses_a_separator_in_the_wrong_place():
    assert "Put a single - or +" in refusal("6408-233234")
    assert "Put a single - or +" in refusal("640823--3234")
    assert "Put a single - or +" in refusal("1964-0823-3234")


def test_it_refuses_a_plus_sign_in_the_twelve_digit_form():
    assert "Use + only in the 10-digit form" in refusal("19121212+1212")


def test_it_refuses_a_twelve_digit_number_with_an_unknown_century():
    assert "18, 19 or 20" in refusal("17640823-3234")


def test_it_refuses_other_characters():
    assert "may only contain digits" in refusal("640823/3234")
    assert "may only contain digits" in refusal("640823\u20133234")  # en dash
    assert "may only contain digits" in refusal("\u0666\u0664\u0660\u0668\u0662\u0663-3234")


# --- Reserve numbers -----------------------------------------------------------------------


def test_a_reserve_number_for_someone_born_before_2000_uses_6_then_9():
    born = datetime.date(1935, 4, 2)
    assert make_reserve_number(birth_date=born, serial=0) == "19350402R600"
    assert make_reserve_number(birth_date=born, serial=99) == "19350402R699"
    assert make_reserve_number(birth_date=born, serial=100) == "19350402R900"
    assert make_reserve_number(birth_date=born, serial=199) == "19350402R999"


def test_a_reserve_number_for_someone_born_from_2000_uses_2():
    assert make_reserve_number(birth_date=datetime.date(2005, 1, 31), serial=7) == "20050131R207"


def test_a_reserve_number_serial_out_of_range_is_an_error():
    with pytest.raises(ValueError, match="serial"):
        make_reserve_number(birth_date=datetime.date(1935, 4, 2), serial=200)
    with pytest.raises(ValueError, match="serial"):
        make_reserve_number(birth_date=datetime.date(1935, 4, 2), serial=-1)
    with pytest.raises(ValueError, match="serial"):
        make_reserve_number(birth_date=datetime.date(2005, 1, 31), serial=100)


def test_reserve_numbers_are_recognised_in_their_written_forms():
    assert is_reserve_number("19350402R612")
    assert is_reserve_number("19350402-R612")
    assert is_reserve_number("350402-R912")
    assert is_reserve_number("050131-R207")
    assert is_reserve_number(make_reserve_number(birth_date=datetime.date(2005, 1, 31), serial=7))


def test_other_texts_are_not_reserve_numbers():
    assert not is_reserve_number("196408233234")
    assert not is_reserve_number("19400305-T123")
    assert not is_reserve_number("19350402R212")  # 2 is for people born from 2000
    assert not is_reserve_number("20050131R607")  # 6 is for people born before 2000
    assert not is_reserve_number("19350230R600")  # no 30 February
    assert not is_reserve_number("19350402R512")
    assert not is_reserve_number("")


def test_a_reserve_number_is_not_accepted_as_an_identity_number():
    reserve = make_reserve_number(birth_date=datetime.date(1935, 4, 2), serial=12)
    assert "reserve number" in refusal(reserve)
    assert "reserve number" in refusal("350402-R612")
