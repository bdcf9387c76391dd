"""Reads for medication reviews: the due list, in a constant number of queries."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from digifys.careteams.models import PhysicianAssignment
from digifys.residents.models import Resident

from .engine import AGE_LIMIT, DRUG_LIMIT, Due, due_for
from .models import MedicationReview

# DESIGN: the due list shows reviews due within this many days (and every overdue one).
HORIZON_DAYS = 30


@dataclass(frozen=True)
class DueItem:
    resident: Resident
    due: Due


def due_reviews(
    *,
    residents_queryset: QuerySet[Resident],
    today: datetime.date,
    horizon_days: int | None = HORIZON_DAYS,
) -> list[DueItem]:
    """Return the reviews due by TODAY + HORIZON_DAYS among RESIDENTS_QUERYSET, overdue first.

    HORIZON_DAYS None: every qualifying resident, however far off the review (the triaged page).

    One query: the active drug count and the last review date are annotations. The counts use
    every active prescription and every review, also those a block hides from the reader: the
    rule is about the resident, not about what one reader may see.
    """
    latest = MedicationReview.objects.filter(resident=OuterRef("pk")).order_by(
        "-performed_on", "-created_at", "-pk"
    )
    residents = residents_queryset.select_related("unit__parent").annotate(
        active_drug_count=Count(
            "medications", filter=Q(medications__is_active=True), distinct=True
        ),
        last_review_on=Max("medication_reviews__performed_on"),
        last_review_kind=Subquery(latest.values("kind")[:1]),
        last_review_problems=Subquery(latest.values("drug_related_problems")[:1]),
    )
    # Only those who can qualify reach Python (the engine decides; this only narrows the rows).
    residents = residents.filter(
        Q(drug_related_problems=True)
        | Q(last_review_problems=True)
        | Q(active_drug_count__gte=DRUG_LIMIT, birth_date__lte=_born_by(today, AGE_LIMIT))
    )
    until = None if horizon_days is None else today + datetime.timedelta(days=horizon_days)
    items = []
    for resident in residents:
        due = due_for(
            resident,
            today=today,
            active_drug_count=resident.active_drug_count,
            last_review_on=resident.last_review_on,
            moved_in_on=resident.moved_in_on,
            last_review_kind=resident.last_review_kind,
            last_review_problems=bool(resident.last_review_problems),
        )
        if due is not None and (until is None or due.due_on <= until):
            items.append(DueItem(resident=resident, due=due))
    items.sort(key=lambda item: (item.due.due_on, item.resident.family_name, item.resident.pk))
    return items


OVERDUE, SOON, LATER = "overdue", "soon", "later"


def group_of(item: DueItem, *, today: datetime.date, horizon_days: int = HORIZON_DAYS) -> str:
    """Triage: overdue, due within HORIZON_DAYS of TODAY, or later."""
    if item.due.overdue:
        return OVERDUE
    if item.due.due_on <= today + datetime.timedelta(days=horizon_days):
        return SOON
    return LATER


def triage(
    items: list[DueItem], *, today: datetime.date, horizon_days: int = HORIZON_DAYS
) -> list[dict]:
    """Split ITEMS (already in due order) into [{key, items}] groups: overdue, soon, later.

    Plain Python over the one query's rows, so the page's query count stays constant.
    """
    groups = {key: [] for key in (OVERDUE, SOON, LATER)}
    for item in items:
        groups[group_of(item, today=today, horizon_days=horizon_days)].append(item)
    return [{"key": key, "items": rows, "count": len(rows)} for key, rows in groups.items()]


def _born_by(today: datetime.date, years: int) -> datetime.date:
    """The latest birth date of someone who is at least YEARS old on TODAY."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year that has none: born by the 28th.
        return today.replace(year=today.year - years, day=28)


def panel_residents(user) -> QuerySet[Resident]:
    """The residents in care for whom USER is the current named physician or deputy."""
    panel = PhysicianAssignment.objects.filter(physician__user=user, ended_at__isnull=True)
    return Resident.objects.visible_to(user).in_care().filter(pk__in=panel.values("resident"))


def count_per_unit(
    items: list[DueItem], *, today: datetime.date, horizon_days: int = HORIZON_DAYS
) -> list[dict]:
    """Group due items by unit: [{unit, overdue, soon, later}], ordered by home and unit name."""
    units = {item.resident.unit_id: item.resident.unit for item in items}
    counts = Counter(
        (item.resident.unit_id, group_of(item, today=today, horizon_days=horizon_days))
        for item in items
    )
    rows = [
        {
            "unit": unit,
            "overdue": counts[pk, OVERDUE],
            "soon": counts[pk, SOON],
            "later": counts[pk, LATER],
        }
        for pk, unit in units.items()
    ]
    rows.sort(
        key=lambda row: (row["unit"].parent.name if row["unit"].parent else "", row["unit"].name)
    )
    return rows
