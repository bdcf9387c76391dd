"""The resident page's timeline: what happened to the resident, newest first (issue 12 §1).

Consults, signed journal notes, orders and completed tasks, ward-round agenda items, medication
reviews, video visits, hospital transfers and emergency visits (insights), and changes of the
named physician or deputy. Each kind is read through its
model's `visible_to(user)`, reduced to (kind, id, time), and the kinds are merged by the database
with one `UNION ALL` ordered by time: a page costs one query for its (kind, id, time) rows and
the total (a window count), and one query per kind on the page, however long the history. The
union is compiled to SQL once (`_MergedRows`): compiling eight policy-filtered querysets is most
of the timeline's cost.
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
from digifys.insights.models import HospitalTransfer
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
    "transfers": (_("Hospital transfers"), ("transfer",)),
    "panel": (_("Named physician and deputy"), ("panel",)),
}


@dataclass
class Entry:
    kind: str
    at: datetime.datetime
    obj: Any


def _sources(user, resident: Resident, now: datetime.datetime) -> dict[str, tuple]:
    """Per row kind: the visible rows of RESIDENT, the field that dates them, and the related
    rows its entry shows (read with it; only those: each joined row's columns cost Python time
    to compile and load on every page of the hub)."""
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
        "transfer": (
            HospitalTransfer.objects.visible_to(user).filter(resident=resident),
            "occurred_at",
            (),  # the entry shows where, why and the judgement, not who recorded it
        ),
        "panel": (
            PhysicianAssignment.objects.visible_to(user).filter(resident=resident),
            "started_at",
            ("physician__user",),  # the entry names the physician, not who assigned them
        ),
    }


class _MergedRows:
    """The (kind, pk, at) rows of a merged, ordered QUERYSET, for `Paginator`: its SQL is
    compiled once, and the page the request asks for (PAGE_HINT) is read together with the
    total (`COUNT(*) OVER ()`), so the count and the page are one query, not two.

    Only when the hinted page is past the end (an out-of-range `?page=`) is the count asked
    alone; Paginator then reads the last page."""

    ORDER = "entry_at DESC, entry_kind DESC, entry_pk DESC"  # the queryset's own order_by

    def __init__(self, queryset: QuerySet, *, page_size: int, page_hint: int) -> None:
        self.connection = connections[queryset.db]
        self.sql, self.params = queryset.query.sql_with_params()
        self.hinted = slice((page_hint - 1) * page_size, page_hint * page_size)
        self.hinted_rows: list[tuple] | None = None
        self.total: int | None = None
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

    def _convert(self, rows) -> list[tuple]:
        result = []
        for kind, pk, at, *_total in rows:
            for converter, expression in self.converters:
                at = converter(at, expression, self.connection)
            result.append((kind, pk, at))
        return result

    def _read_hinted_page(self) -> None:
        window = self.hinted
        rows = self._fetch(
            # The ORM's own SQL, wrapped: the window count sees every row before LIMIT.
            f"SELECT entry_kind, entry_pk, entry_at, COUNT(*) OVER () FROM ({self.sql}) entries"  # noqa: S608
            f" ORDER BY {self.ORDER} LIMIT %s OFFSET %s",
            (*self.params, window.stop - window.start, window.start),
        )
        self.hinted_rows = self._convert(rows)
        if rows:
            self.total = rows[0][3]
        elif window.start == 0:
            self.total = 0

    def count(self) -> int:
        if self.hinted_rows is None:
            self._read_hinted_page()
        if self.total is None:  # the hinted page is past the end
            sql = f"SELECT COUNT(*) FROM ({self.sql}) entries"  # noqa: S608 - the ORM's own SQL
            self.total = self._fetch(sql, self.params)[0][0]
        return self.total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[tuple]:
        hinted, rows = self.hinted, self.hinted_rows
        if rows is not None and hinted.start <= window.start <= window.stop <= hinted.stop:
            # Paginator asks for less than a page when the last page is short.
            return rows[window.start - hinted.start : window.stop - hinted.start]
        rows = self._fetch(
            f"SELECT entry_kind, entry_pk, entry_at FROM ({self.sql}) entries"  # noqa: S608
            f" ORDER BY {self.ORDER} LIMIT %s OFFSET %s",
            (*self.params, window.stop - window.start, window.start),
        )
        return self._convert(rows)


# A hint past this is not worth an OFFSET (one too large overflows the database's integer).
_MAX_PAGE_HINT = 100_000


def _page_number(page) -> int:
    """The page Paginator.get_page will most likely serve (1 for anything it would not parse;
    Paginator itself decides, a wrong hint only costs a query)."""
    try:
        number = int(page)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= _MAX_PAGE_HINT else 1


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
    rows_source = _MergedRows(merged, page_size=PAGE_SIZE, page_hint=_page_number(page))
    result = Paginator(rows_source, PAGE_SIZE).get_page(page)
    rows = list(result.object_list)
    wanted_ids: dict[str, list[int]] = {}
    for row_kind, pk, _at in rows:
        wanted_ids.setdefault(row_kind, []).append(pk)
    objects = {}
    for row_kind, ids in wanted_ids.items():
        queryset, _date_field, related = sources[row_kind]
        queryset = queryset.filter(pk__in=ids).order_by()  # the merged rows give the order
        if related:
            # Only with names: `select_related()` without any follows every non-null foreign
            # key, recursively (a consult's unit, resident, author, … that the page never shows).
            queryset = queryset.select_related(*related)
        for obj in queryset:
            objects[(row_kind, obj.pk)] = obj
    result.object_list = [
        Entry(kind=row_kind, at=at, obj=objects[(row_kind, pk)])
        for row_kind, pk, at in rows
        if (row_kind, pk) in objects
    ]
    return result
