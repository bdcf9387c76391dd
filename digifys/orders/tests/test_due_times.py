"""An order's due times: one task per due time, spaced in real (UTC) hours across clock changes."""

import datetime
import itertools

import pytest

from digifys.orders.forms import OrderForm
from digifys.orders.services import due_times

from .conftest import STOCKHOLM

FIRST = datetime.datetime(2027, 1, 13, 8, 0, tzinfo=STOCKHOLM)
HOURS_4 = datetime.timedelta(hours=4)


def test_every_4_hours_for_2_days_makes_12_tasks():
    times = due_times(FIRST, 4, 2)
    assert len(times) == 12
    assert times[0] == FIRST
    assert times[-1] == FIRST + 11 * HOURS_4
    assert all(later - earlier == HOURS_4 for earlier, later in itertools.pairwise(times))


def test_an_order_without_repeat_makes_one_task():
    assert due_times(FIRST, None, None) == [FIRST]


@pytest.mark.parametrize(
    ("first", "stockholm_hours"),
    [
        # Summer time starts 2027-03-28 at 02:00: the night has one hour less on the clock.
        (datetime.datetime(2027, 3, 27, 22, 0, tzinfo=STOCKHOLM), [22, 3, 7, 11, 15, 19]),
        # Summer time ends 2027-10-31 at 03:00: the night has one hour more on the clock.
        (datetime.datetime(2027, 10, 30, 22, 0, tzinfo=STOCKHOLM), [22, 2, 5, 9, 13, 17]),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_the_night_the_clocks_change_keeps_4_hours_between_tasks(first, stockholm_hours):
    times = due_times(first, 4, 1)
    in_utc = [when.astimezone(datetime.UTC) for when in times]
    assert all(later - earlier == HOURS_4 for earlier, later in itertools.pairwise(in_utc))
    assert [when.astimezone(STOCKHOLM).hour for when in times] == stockholm_hours


def _form(date: str, time: str) -> OrderForm:
    return OrderForm(
        {"kind": "vitals", "instructions": "x", "first_due_date": date, "first_due_time": time}
    )


def test_a_time_the_clocks_skip_is_refused():
    form = _form("2027-03-28", "02:30")
    assert not form.is_valid()
    assert "does not exist" in form.errors["first_due_time"][0]


def test_the_form_reads_the_first_due_time_as_stockholm_time():
    form = _form("2027-07-01", "08:00")
    assert form.is_valid(), form.errors
    first_due = form.cleaned_data["first_due_at"]
    assert first_due.astimezone(datetime.UTC) == datetime.datetime(
        2027, 7, 1, 6, 0, tzinfo=datetime.UTC
    )
