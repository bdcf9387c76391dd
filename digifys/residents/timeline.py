"""The resident page's timeline: what happened to the resident, newest first (issue 12 §1).

Consults, signed journal notes, orders and completed tasks, ward-round agenda items, medication
reviews, video visits and changes of the named physician or deputy. Each kind is read through its
model's `visible_to(user)`, reduced to (kind, id, time), and the kinds are merged by the database
with one `UNION ALL` ordered by time: a page costs one count, one query for its (kind, id, time)
rows and one query per kind on the page, however long the history. The union is compiled to SQL
once and both the count and the page run that SQL (`_MergedRows`): compiling eight policy-filtered
querysets is most of the timeline's cost.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import CharField, DateTimeField, F, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from digifys.careteams.models import PhysicianAssignment
from digifys.consults.models import Consult, JournalNote
from digifys.medicationreviews.models import MedicationReview
from digifys.orders.models import NurseTask, Order
from digifys.rounds.models import AgendaItem
from digifys.visits.models import Room

from .models import Resident

PAGE_SIZE = 20

# The filter's choices (`?kind=`): each names the row kinds it shows.
FILTERS = {
    "consults": (_("Consults"), ("consult",)),
    "notes": (_("Signed notes"), ("note",)),
    "orders": (_("Orders and tasks"), ("order", "task")),
    "rounds": (_("Ward rounds"), ("round",)),
    "reviews": (_("Medication reviews"), ("review",)),
    "visits": (_("Video visits"), ("visit",)),
    "panel": (_("Named physician and deputy"), ("panel",)),
}


@dataclass
class Entry:
    kind: str
    at: datetime.datetime
    obj: Any


def _sources(user, resident: Resident, now: datetime.datetime) -> dict[str, tuple]:
    """Per row kind: the visible rows of RESIDENT, the field that dates them, related fields."""
    return {
        "consult": (Consult.objects.visible_to(user).filter(resident=resident), "created_at", ()),
        "note": (
            JournalNote.objects.visible_to(user).filter(resident=resident, signed_at__isnull=False),
            "signed_at",
            ("author__user",),
        ),
        "order": (
            Order.objects.visible_to(user).filter(resident=resident),
            "created_at",
            ("ordered_by__user",),
        ),
        "task": (
            NurseTask.objects.visible_to(user).filter(
                resident=resident, completed_at__isnull=False
            ),
            "completed_at",
            ("completed_by", "order", "observation"),
        ),
        "round": (
            AgendaItem.objects.visible_to(user).filter(
                resident=resident, removed_at__isnull=True, round__starts_at__lte=now
            ),
            "round__starts_at",
            ("round__physician__user", "round__conducted_by__user"),
        ),
        "review": (
            MedicationReview.objects.visible_to(user).filter(resident=resident),
            "created_at",
            ("performed_by__user",),
        ),
        "visit": (
            Room.objects.visible_to(user).filter(resident=resident, starts_at__lte=now),
            "starts_at",
            ("host__user",),
        ),
        "panel": (
            PhysicianAssignment.objects.visible_to(user).filter(resident=resident),
            "started_at",
            ("physician__user", "assigned_by"),
        ),
    }


class _MergedRows:
    """The (kind, pk, at) rows of a merged, ordered QUERYSET, for `Paginator`: its SQL is
    compiled once and serves both the count and the page's slice."""

    def __init__(self, queryset: QuerySet) -> None:
        self.connection = connections[queryset.db]
        self.sql, self.params = queryset.query.sql_with_params()
        # The time column as the ORM would convert it (SQLite returns text).
        at = Value(None, output_field=DateTimeField())
        self.converters = [
            (converter, at)
            for converter in self.connection.ops.get_db_converters(at)
            + at.get_db_converters(self.connection)
        ]

    def _fetch(self, sql: str, params) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self) -> int:
        sql = f"SELECT COUNT(*) FROM ({self.sql}) entries"  # noqa: S608 - the ORM's own SQL
        return self._fetch(sql, self.params)[0][0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[tuple]:
        rows = self._fetch(
            f"{self.sql} LIMIT %s OFFSET %s",
            (*self.params, window.stop - window.start, window.start),
        )
        result = []
        for kind, pk, at in rows:
            for converter, expression in self.converters:
                at = converter(at, expression, self.connection)
            result.append((kind, pk, at))
        return result


def parse_filter(value: str | None) -> str:
    return value if value in FILTERS else ""


def timeline(
    user,
    resident: Resident,
    *,
    kind: str = "",
    page: str | int | None = 1,
    now: datetime.datetime,
    clinical: bool = True,
) -> Page:
    """One page of RESIDENT's timeline as USER may see it; KIND is a key of FILTERS or ''."""
    sources = _sources(user, resident, now)
    if not clinical:  # coordinators: organisation data only (the records would come back empty)
        sources = {name: sources[name] for name in ("visit", "panel")}
    wanted = FILTERS[kind][1] if kind else tuple(sources)
    parts: list[QuerySet] = [
        queryset.order_by()
        .annotate(
            entry_kind=Value(name, output_field=CharField()),
            entry_pk=F("pk"),
            entry_at=F(date_field),
        )
        .values_list("entry_kind", "entry_pk", "entry_at")
        for name, (queryset, date_field, _related) in sources.items()
        if name in wanted
    ]
    if not parts:
        return Paginator([], PAGE_SIZE).get_page(1)
    merged = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    merged = merged.order_by("-entry_at", "-entry_kind", "-entry_pk")
    result = Paginator(_MergedRows(merged), PAGE_SIZE).get_page(page)
    rows = list(result.object_list)
    wanted_ids: dict[str, list[int]] = {}
    for row_kind, pk, _at in rows:
        wanted_ids.setdefault(row_kind, []).append(pk)
    objects = {}
    for row_kind, ids in wanted_ids.items():
        queryset, _date_field, related = sources[row_kind]
        for obj in queryset.filter(pk__in=ids).select_related(*related):
            objects[(row_kind, obj.pk)] = obj
    result.object_list = [
        Entry(kind=row_kind, at=at, obj=objects[(row_kind, pk)])
        for row_kind, pk, at in rows
        if (row_kind, pk) in objects
    ]
    return result
