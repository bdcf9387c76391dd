"""The due-date engine (HSLF-FS 2017:37) at the edges of its rules."""

import datetime

import pytest
from django.utils.translation import override

from digifys.medicationreviews.engine import MOVE_IN_DAYS, due_for, twelve_months_after
from digifys.residents.models import Resident

TODAY = datetime.date(2027, 3, 10)
D = datetime.date


BORN_1940 = D(1940, 5, 1)


def _resident(*, born: datetime.date = BORN_1940, flagged: bool = False) -> Resident:
    return Resident(birth_date=born, drug_related_problems=flagged)


def _due(resident, *, drugs=5, last=None, moved_in=None, today=TODAY):
    with override("en"):
        return due_for(
            resident,
            today=today,
            active_drug_count=drugs,
            last_review_on=last,
            moved_in_on=moved_in,
        )


def test_a_resident_aged_74_with_five_drugs_does_not_qualify():
    assert _due(_resident(born=D(1952, 3, 11))) is None  # turns 75 tomorrow


def test_a_resident_who_turns_75_today_with_five_drugs_qualifies():
    assert _due(_resident(born=D(1952, 3, 10))) is not None


def test_a_resident_aged_75_with_four_drugs_does_not_qualify():
    assert _due(_resident(), drugs=4) is None


def test_a_drug_related_problem_flag_qualifies_at_any_age_and_any_drug_count():
    due = _due(_resident(born=D(1970, 1, 1), flagged=True), drugs=0, last=D(2026, 6, 1))
    assert due is not None
    assert due.reasons[-1] == "drug-related problems flagged"
    assert due.due_on == D(2027, 6, 1)


def test_never_reviewed_after_moving_in_is_due_a_set_number_of_days_after_move_in():
    moved_in = D(2027, 2, 1)
    due = _due(_resident(), moved_in=moved_in)
    assert due.due_on == moved_in + datetime.timedelta(days=MOVE_IN_DAYS) == D(2027, 3, 3)
    assert due.overdue
    assert due.reasons[0] == "no review since move-in on 2027-02-01"


def test_a_review_from_before_the_move_in_does_not_count():
    due = _due(_resident(), last=D(2026, 12, 1), moved_in=D(2027, 3, 1))
    assert due.due_on == D(2027, 3, 31) and not due.overdue
    assert due.reasons[0] == "no review since move-in on 2027-03-01"


def test_never_reviewed_without_a_move_in_date_is_due_today():
    due = _due(_resident())
    assert due.due_on == TODAY and not due.overdue
    assert due.reasons[0] == "no review recorded"


def test_a_review_exactly_12_months_ago_is_due_today_but_not_overdue():
    due = _due(_resident(), last=D(2026, 3, 10), moved_in=D(2020, 1, 1))
    assert due.due_on == TODAY
    assert not due.overdue
    assert due.reasons == ("yearly review: last review 2026-03-10", "aged 75+ with 5 or more drugs")


def test_a_review_12_months_and_a_day_ago_is_overdue():
    due = _due(_resident(), last=D(2026, 3, 9), moved_in=D(2020, 1, 1))
    assert due.due_on == D(2027, 3, 9) and due.overdue
    assert due.reasons[0] == "last review 2026-03-09 more than 12 months ago"


@pytest.mark.parametrize(
    ("last", "due_on"),
    [(D(2024, 2, 29), D(2025, 2, 28)), (D(2026, 12, 31), D(2027, 12, 31))],
)
def test_twelve_months_after_keeps_the_day_and_moves_29_february_to_the_28th(last, due_on):
    assert twelve_months_after(last) == due_on


# --- Issue 19 item 3: in-depth reviews and the flag bring a review forward (HSLF-FS 2017:37) ---


def test_problems_remaining_after_a_simple_review_make_an_in_depth_review_due(settings):
    settings.MEDICATION_REVIEW_FOLLOWUP_DAYS = 30
    # Aged 57 with two drugs: qualifies only because problems remain after the simple review.
    resident = _resident(born=D(1970, 1, 1))
    with override("en"):
        due = due_for(
            resident,
            today=TODAY,
            active_drug_count=2,
            last_review_on=D(2027, 3, 1),
            moved_in_on=None,
            last_review_kind="simple",
            last_review_problems=True,
        )
    assert due is not None
    assert due.kind == "extended"
    assert due.due_on == D(2027, 3, 31)
    assert "in-depth review" in due.reason


def test_an_in_depth_review_that_found_no_remaining_problems_goes_back_to_yearly(settings):
    resident = _resident()
    with override("en"):
        due = due_for(
            resident,
            today=TODAY,
            active_drug_count=5,
            last_review_on=D(2027, 3, 1),
            moved_in_on=None,
            last_review_kind="extended",
            last_review_problems=False,
        )
    assert (due.kind, due.due_on) == ("simple", D(2028, 3, 1))


def test_a_flag_set_after_the_last_review_makes_a_simple_review_due_within_the_deadline(settings):
    settings.MEDICATION_REVIEW_FOLLOWUP_DAYS = 14
    # Aged 57, no drugs, reviewed last June: the flag of 1 March makes a review due by 15 March
    # (whatever age or drug count), not next June.
    resident = _resident(born=D(1970, 1, 1), flagged=True)
    resident.drug_related_problems_since = D(2027, 3, 1)
    due = _due(resident, drugs=0, last=D(2026, 6, 1))
    assert (due.kind, due.due_on) == ("simple", D(2027, 3, 15))
    assert "drug-related problems flagged on 2027-03-01" in due.reason
