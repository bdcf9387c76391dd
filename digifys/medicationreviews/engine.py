"""When is a resident's medication review due? (HSLF-FS 2017:37, domain-spec §3.4)

The rule, in our words:

- **Who qualifies**: residents aged **75 or older** with **5 or more** prescribed (active) drugs,
  and anyone, of any age, who has or is suspected to have **drug-related problems** (läkemedels-
  relaterade problem, LRP; `Resident.drug_related_problems`).
- **When**: a review is offered **on moving into a särskilt boende** (SÄBO), and **then at least
  once a year** while the resident lives there.

How this module applies it:

- A qualifying resident with no review since moving in (never reviewed, or the last review is
  older than `moved_in_on`) is due `MOVE_IN_DAYS` days after moving in. The regulation says "on
  moving in" and gives no number of days; DESIGN: 30 days, time for the physician to meet the
  resident and for the unit to gather the medication list, short enough to be "at move-in".
- Otherwise the next review is due **12 months after the last one** (same day a year later;
  29 February falls on 28 February). It is *overdue* the day after that.
- A qualifying resident with no review and no known move-in date is due today (DESIGN: we cannot
  tell when they moved in, so the review is due now).
- A resident who does not qualify gets no due date (`None`).
- **Drug-related problems bring a review forward.** A resident flagged with suspected drug-related
  problems (`Resident.drug_related_problems_since`) and not reviewed since the flag is due a
  **simple** review within `settings.MEDICATION_REVIEW_FOLLOWUP_DAYS` of the flag, whatever their
  age or drug count.
- **In-depth review (fördjupad).** If drug-related problems remain after a simple review
  (`MedicationReview.drug_related_problems` on the last review), an in-depth review is due within
  `MEDICATION_REVIEW_FOLLOWUP_DAYS` of it (HSLF-FS 2017:37: "offered when drug-related problems
  remain or are suspected after a simple review"). The regulation gives no number of days; the
  region sets it (DESIGN default 30).
- The earliest applicable date wins; the review due is in-depth when the last simple review left
  problems.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

AGE_LIMIT = 75
DRUG_LIMIT = 5
MOVE_IN_DAYS = 30  # DESIGN: the regulation says "on moving in" without a number of days.
YEAR_MONTHS = 12
# MedicationReview.Kind values (kept here so the engine stays free of models).
SIMPLE = "simple"
EXTENDED = "extended"


def followup_days() -> int:
    """Days within which a review brought forward by drug-related problems is due (setting)."""
    return settings.MEDICATION_REVIEW_FOLLOWUP_DAYS


@dataclass(frozen=True)
class Due:
    """A review that is due: when, why, and whether it is already late."""

    due_on: datetime.date
    reasons: tuple[str, ...]
    overdue: bool
    last_review_on: datetime.date | None
    kind: str = SIMPLE

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def is_in_depth(self) -> bool:
        return self.kind == EXTENDED


def twelve_months_after(day: datetime.date) -> datetime.date:
    """Return the same day one year later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def qualifies(*, age: int, active_drug_count: int, drug_related_problems: bool) -> bool:
    """True when the resident must be offered medication reviews (§3.4 'Who qualifies')."""
    return drug_related_problems or (age >= AGE_LIMIT and active_drug_count >= DRUG_LIMIT)


def _date(day: datetime.date) -> str:
    return date_format(day, "Y-m-d")


def due_for(
    resident,
    *,
    today: datetime.date,
    active_drug_count: int,
    last_review_on: datetime.date | None,
    moved_in_on: datetime.date | None,
    last_review_kind: str | None = None,
    last_review_problems: bool = False,
) -> Due | None:
    """Return when RESIDENT's next medication review is due, or None if they do not qualify.

    RESIDENT needs `age(on)`, `drug_related_problems` and `drug_related_problems_since` (a
    `residents.Resident`); the counts and the last review are passed in so that a list can
    compute them for many residents in one query.
    """
    flagged = bool(resident.drug_related_problems)
    flagged_since = getattr(resident, "drug_related_problems_since", None) if flagged else None
    problems_remain = bool(last_review_problems) and last_review_on is not None
    age = resident.age(on=today)
    if not (
        problems_remain
        or qualifies(age=age, active_drug_count=active_drug_count, drug_related_problems=flagged)
    ):
        return None
    reasons: list[str] = []
    if moved_in_on is not None and (last_review_on is None or last_review_on < moved_in_on):
        due_on = moved_in_on + datetime.timedelta(days=MOVE_IN_DAYS)
        reasons.append(_("no review since move-in on %(date)s") % {"date": _date(moved_in_on)})
    elif last_review_on is None:
        due_on = today
        reasons.append(_("no review recorded"))
    else:
        due_on = twelve_months_after(last_review_on)
        if today > due_on:
            reasons.append(
                _("last review %(date)s more than 12 months ago") % {"date": _date(last_review_on)}
            )
        else:
            reasons.append(
                _("yearly review: last review %(date)s") % {"date": _date(last_review_on)}
            )
    kind = SIMPLE
    days = datetime.timedelta(days=followup_days())
    if problems_remain and last_review_kind == SIMPLE:
        kind = EXTENDED
        due_on = min(due_on, last_review_on + days)
        reasons.insert(
            0,
            _("drug-related problems remain after the simple review on %(date)s: in-depth review")
            % {"date": _date(last_review_on)},
        )
    if flagged_since is not None and (last_review_on is None or last_review_on < flagged_since):
        due_on = min(due_on, flagged_since + days)
        reasons.insert(
            0,
            _("drug-related problems flagged on %(date)s, not reviewed since")
            % {"date": _date(flagged_since)},
        )
    elif flagged:
        reasons.append(_("drug-related problems flagged"))
    if age >= AGE_LIMIT and active_drug_count >= DRUG_LIMIT:
        reasons.append(
            _("aged %(limit)s+ with %(drugs)s or more drugs")
            % {"limit": AGE_LIMIT, "drugs": DRUG_LIMIT}
        )
    return Due(
        due_on=due_on,
        reasons=tuple(reasons),
        overdue=today > due_on,
        last_review_on=last_review_on,
        kind=kind,
    )
