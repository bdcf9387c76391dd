"""Reads for the trust survey: a user's open invitations, and the results with small cells hidden.

Who sees results (issue #13 §4, decided here): care coordinators, for every unit and
municipality of the region (they follow the region's outcome); registered nurses and assistant
nurses for the units they work on (their own unit's feedback). Physicians and administrators do
not: physicians work across many units and are among those the survey asks about. No cell (a
unit or municipality in a month) with fewer than `MIN_CELL` answers is shown, in the page or the
CSV, and neither are its comments.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count

from digifys.accounts.models import Role
from digifys.directory.models import Organisation
from digifys.relatives.models import stockholm_today

from .models import MIN_CELL, Answer, Invitation, Item

MONTHS_SHOWN = 12


def open_invitations(user, today: datetime.date | None = None) -> list[Invitation]:
    """USER's invitations that are open and not answered (for the portal's banner)."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = today or stockholm_today()
    return list(
        Invitation.objects.filter(recipient=user, answered=False, closes_on__gte=today)
        .select_related("unit__parent")
        .order_by("-round_start")
    )


def may_see_results(user) -> bool:
    return user.role in (Role.COORDINATOR, Role.NURSE, Role.ASSISTANT_NURSE)


def units_for(user):
    """The units whose results USER may see (403 for everyone else)."""
    if not may_see_results(user):
        raise PermissionDenied
    units = Organisation.objects.units().select_related("parent").order_by("parent__name", "name")
    if user.role == Role.COORDINATOR:
        return units
    return units.filter(pk__in=user.unit_ids())


def municipalities_for(user):
    if user.role != Role.COORDINATOR:
        return Organisation.objects.none()
    return Organisation.objects.municipalities().order_by("name")


def months(today: datetime.date | None = None, count: int = MONTHS_SHOWN) -> list[datetime.date]:
    """The first days of the last COUNT months, oldest first, this month last."""
    today = (today or stockholm_today()).replace(day=1)
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        out.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


@dataclass
class Cell:
    month: datetime.date
    count: int
    means: dict = field(default_factory=dict)  # item -> mean (only when shown)

    @property
    def shown(self) -> bool:
        return self.count >= MIN_CELL


def results(*, unit=None, municipality=None, today=None) -> list[Cell]:
    """Per month: the number of answers and, where at least MIN_CELL, each item's mean."""
    answers = Answer.objects.all()
    if unit is not None:
        answers = answers.filter(unit=unit)
    elif municipality is not None:
        answers = answers.filter(municipality=municipality)
    else:
        raise ValueError("results need a unit or a municipality")
    shown_months = months(today)
    rows = {
        row["month"]: row
        for row in answers.filter(month__gte=shown_months[0])
        .values("month")
        .annotate(n=Count("pk"), **{item: Avg(item) for item in Item.values})
    }
    cells = []
    for month in shown_months:
        row = rows.get(month)
        cell = Cell(month=month, count=row["n"] if row else 0)
        if row and cell.shown:
            cell.means = {item: round(float(row[item]), 1) for item in Item.values}
        cells.append(cell)
    return cells


def comments(*, unit=None, municipality=None, cells: list[Cell]) -> list[tuple]:
    """(month, text) of the free-text answers, only from cells that are shown."""
    shown = [cell.month for cell in cells if cell.shown]
    if not shown:
        return []
    answers = Answer.objects.filter(month__in=shown).exclude(comment="")
    answers = (
        answers.filter(unit=unit) if unit is not None else answers.filter(municipality=municipality)
    )
    return list(answers.order_by("-month", "comment").values_list("month", "comment"))


def units_with_results(unit_ids, today=None) -> set[int]:
    """Of UNIT_IDS, those with at least one month shown (MIN_CELL answers) in the period."""
    first = months(today)[0]
    return set(
        Answer.objects.filter(unit__in=unit_ids, month__gte=first)
        .values("unit", "month")
        .annotate(n=Count("pk"))
        .filter(n__gte=MIN_CELL)
        .values_list("unit", flat=True)
    )
