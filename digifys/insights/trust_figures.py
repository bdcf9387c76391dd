"""The trust survey's figures for a level's units (issue #16 §1 "Trust", §2), from `trust.Answer`.

Per statement (`trust.models.Item`) and per month: the number of answers, the mean score (1–5)
and the share who agree (a score of 4 or 5). The survey keeps only the month of an answer, so
the figures are per month whatever period the page shows. Before/after go-live: an answer's
month is "before" its unit's go-live when the whole month lies before the go-live date, "after"
when the month starts on or after it; the month of go-live itself, and units without a go-live
date, are in neither (the survey cannot tell which side of the day an answer was given).

Suppression: a cell (a month, or a range's before/after/all) with fewer than
`trust.models.MIN_CELL` (5) answers shows neither mean nor share, as on the trust app's own
results page. Who may see them is the trust app's rule (`trust.selectors.may_see_results`):
the dashboard shows them to coordinators only (physicians are among those the survey asks about).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from digifys.trust.models import MIN_CELL, Answer, Item

AGREE_FROM = 4  # a score of 4 or 5 agrees with the statement


@dataclass(frozen=True)
class Cell:
    """One statement over one set of answers; value/agree None when suppressed or empty."""

    answers: int
    value: float | None  # the mean score
    agree: float | None  # the share scoring AGREE_FROM or more
    suppressed: bool


@dataclass(frozen=True)
class Statement:
    item: str
    label: str
    months: list  # [(first day of month, Cell)]
    all: Cell
    before: Cell
    after: Cell


def _cell(answers: int, total: int, agreeing: int) -> Cell:
    if answers == 0:
        return Cell(0, None, None, False)
    if answers < MIN_CELL:
        return Cell(answers, None, None, True)
    return Cell(answers, total / answers, agreeing / answers, False)


def _month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """First days of the months overlapping START..END."""
    out, month = [], start.replace(day=1)
    while month <= end:
        out.append(month)
        month = _month_end(month) + datetime.timedelta(days=1)
    return out


def era(month: datetime.date, went_live: datetime.date | None) -> str:
    """ "before", "after" or "" (the go-live month, or no go-live date) for an answer's MONTH."""
    if went_live is None:
        return ""
    if month >= went_live:
        return "after"
    if _month_end(month) < went_live:
        return "before"
    return ""


def trust(
    unit_ids, start: datetime.date, end: datetime.date, go_live: dict[int, datetime.date]
) -> list[Statement]:
    """Each statement's figures over UNIT_IDS' answers in the months overlapping START..END."""
    shown = months(start, end)
    if not shown:
        return []
    sums = {f"{item}_sum": Sum(item) for item in Item.values}
    agreeing = {
        f"{item}_agree": Count("pk", filter=Q(**{f"{item}__gte": AGREE_FROM}))
        for item in Item.values
    }
    rows = (
        Answer.objects.filter(unit_id__in=list(unit_ids), month__gte=shown[0], month__lte=end)
        .values("unit_id", "month")
        .annotate(n=Count("pk"), **sums, **agreeing)
        .order_by()
    )
    # (month or era) -> item -> [answers, sum of scores, agreeing]
    per_month: dict = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    per_era: dict = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for row in rows:
        side = era(row["month"], go_live.get(row["unit_id"]))
        for item in Item.values:
            for bucket in (per_month[row["month"]], per_era[side], per_era["all"]):
                bucket[item][0] += row["n"]
                bucket[item][1] += row[f"{item}_sum"]
                bucket[item][2] += row[f"{item}_agree"]
    return [
        Statement(
            item=item,
            label=str(label),
            months=[(month, _cell(*per_month[month][item])) for month in shown],
            all=_cell(*per_era["all"][item]),
            before=_cell(*per_era["before"][item]),
            after=_cell(*per_era["after"][item]),
        )
        for item, label in Item.choices
    ]
