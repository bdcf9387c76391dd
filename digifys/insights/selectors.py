"""Reads for continuity figures: per resident, unit, municipality, clinician and region.

Continuity is measured on `careteams.CareContact` (physician contacts) over a window, by default
the rolling 12 months before now. Each resident's contacts in the window, in chronological
order, give their indices (`continuity.indices`), with `usual` = the resident's named physician
at the end of the window (for the last 12 months: the current named physician).

Aggregates (`Figures`) over a group of residents:
- counts: residents with at least one contact, residents with at least two, contacts, distinct
  clinicians;
- UPC, COC and SECON: means over the residents with at least two contacts (one contact is
  "perfect continuity" by definition and would flatter the figures; COC and SECON need two);
- named share: the share of all the group's contacts that were with the resident's named
  physician (UPC-usual weighted by contacts; a resident without a named physician counts 0);
- locum share: the share of the group's contacts that were with locums.

A resident is counted in the unit (and municipality) they belong to now (`Resident.unit`); the
figures include residents who have since moved out or died, since their contacts happened.

Everything is read with a few `values_list` queries and aggregated in Python, so a dashboard of
a 2,500-resident region stays well under a second (see the query-count tests).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import fmean

from django.db.models import Q, QuerySet
from django.utils import timezone

from digifys.careteams.models import CareContact, PhysicianAssignment
from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import Resident

from .continuity import ContinuityIndices, indices

WINDOW_DAYS = 365  # "rolling 12 months"

__all__ = [
    "ClinicianFigures",
    "Dashboard",
    "Figures",
    "ResidentContinuity",
    "ResidentFigures",
    "Window",
    "aggregate",
    "before_after",
    "clinician_figures",
    "dashboard",
    "default_cutover",
    "resident_continuity",
    "resident_figures",
    "rolling_window",
]


@dataclass(frozen=True)
class Window:
    """A half-open period [start, end) of contacts."""

    start: datetime.datetime
    end: datetime.datetime

    def __contains__(self, moment: datetime.datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def rolling_window(now: datetime.datetime | None = None, *, days: int = WINDOW_DAYS) -> Window:
    """Return the DAYS (12 months) before NOW."""
    now = now or timezone.now()
    return Window(now - datetime.timedelta(days=days), now)


@dataclass(frozen=True)
class ResidentFigures:
    """One resident's continuity over a window."""

    resident_id: int
    unit_id: int
    indices: ContinuityIndices
    clinicians: Counter  # clinician id -> contacts
    locum_contacts: int
    named_id: int | None
    last_contact: datetime.datetime | None

    @property
    def named_contacts(self) -> int:
        return self.clinicians.get(self.named_id, 0) if self.named_id else 0


@dataclass(frozen=True)
class Figures:
    """Continuity of a group of residents (see the module docstring)."""

    residents: int = 0
    residents_2: int = 0
    contacts: int = 0
    clinicians: int = 0
    upc: float | None = None
    coc: float | None = None
    secon: float | None = None
    named_share: float | None = None
    locum_share: float | None = None


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def aggregate(rows: Iterable[ResidentFigures]) -> Figures:
    """Aggregate residents' figures: counts, means over n ≥ 2, contact-weighted shares."""
    rows = [row for row in rows if row.indices.n]
    if not rows:
        return Figures()
    two = [row.indices for row in rows if row.indices.n >= 2]
    contacts = sum(row.indices.n for row in rows)
    clinicians = set()
    for row in rows:
        clinicians.update(row.clinicians)
    return Figures(
        residents=len(rows),
        residents_2=len(two),
        contacts=contacts,
        clinicians=len(clinicians),
        upc=_mean([i.upc for i in two]),
        coc=_mean([i.coc for i in two]),
        secon=_mean([i.secon for i in two]),
        named_share=sum(row.named_contacts for row in rows) / contacts,
        locum_share=sum(row.locum_contacts for row in rows) / contacts,
    )


# --- reading ----------------------------------------------------------------------------------


def _assignments_at(moment: datetime.datetime, residents=None) -> dict[str, dict[int, int]]:
    """{"named": {resident: physician}, "deputy": {...}} as they stood just before MOMENT."""
    current = PhysicianAssignment.objects.filter(started_at__lt=moment).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=moment)
    )
    if residents is not None:
        current = current.filter(resident__in=residents)
    result: dict[str, dict[int, int]] = {"named": {}, "deputy": {}}
    # Oldest first, so a later assignment overrides an earlier overlapping one.
    for resident_id, physician_id, role in current.order_by("started_at", "pk").values_list(
        "resident_id", "physician_id", "role"
    ):
        result.setdefault(role, {})[resident_id] = physician_id
    return result


def _contact_rows(start, end, residents=None, clinician=None):
    contacts = CareContact.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    if residents is not None:
        contacts = contacts.filter(resident__in=residents)
    if clinician is not None:
        # Every contact of the residents the clinician saw: their continuity, not only his part.
        seen = CareContact.objects.filter(
            occurred_at__gte=start, occurred_at__lt=end, clinician=clinician
        ).values("resident")
        contacts = contacts.filter(resident__in=seen)
    return contacts.order_by("resident_id", "occurred_at", "pk").values_list(
        "resident_id", "resident__unit_id", "clinician_id", "clinician__is_locum", "occurred_at"
    )


def _figures(
    rows, windows: list[Window], named: list[dict[int, int]]
) -> list[dict[int, ResidentFigures]]:
    """Split ordered contact rows into WINDOWS; compute each resident's figures per window."""
    results: list[dict[int, ResidentFigures]] = [{} for _ in windows]

    def flush(resident_id, unit_id, buckets):
        for number, (visits, locum, last) in enumerate(buckets):
            if not visits:
                continue
            usual = named[number].get(resident_id)
            results[number][resident_id] = ResidentFigures(
                resident_id=resident_id,
                unit_id=unit_id,
                # Provider ids must be strings for `indices`.
                indices=indices([str(v) for v in visits], usual=str(usual) if usual else None),
                clinicians=Counter(visits),
                locum_contacts=locum,
                named_id=usual,
                last_contact=last,
            )

    current = None
    unit = None
    buckets: list[list] = []
    for resident_id, unit_id, clinician_id, is_locum, occurred_at in rows:
        if resident_id != current:
            if current is not None:
                flush(current, unit, buckets)
            current, unit = resident_id, unit_id
            buckets = [[[], 0, None] for _ in windows]
        for number, window in enumerate(windows):
            if occurred_at in window:
                bucket = buckets[number]
                bucket[0].append(clinician_id)
                bucket[1] += bool(is_locum)
                bucket[2] = occurred_at
    if current is not None:
        flush(current, unit, buckets)
    return results


def resident_figures(
    window: Window, *, residents: QuerySet | None = None, clinician: StaffProfile | None = None
) -> dict[int, ResidentFigures]:
    """Return {resident id: figures} for the residents with contacts in WINDOW (2 queries).

    RESIDENTS narrows to a queryset of residents (apply `visible_to` there); CLINICIAN to the
    residents that clinician saw in the window (with all their contacts).
    """
    named = _assignments_at(window.end, residents)["named"]
    rows = _contact_rows(window.start, window.end, residents, clinician)
    return _figures(rows, [window], [named])[0]


# --- the coordinator's dashboard --------------------------------------------------------------


@dataclass(frozen=True)
class GroupFigures:
    """Figures of one named group (unit, municipality) with its id."""

    pk: int
    name: str
    figures: Figures
    municipality: str = ""


@dataclass(frozen=True)
class ClinicianFigures:
    """A clinician's residents: how continuous their care was, and how much of it was his."""

    pk: int
    name: str
    is_locum: bool
    residents: int  # residents the clinician saw in the window
    contacts: int  # the clinician's own contacts
    upc: float | None  # mean over those residents with n ≥ 2
    coc: float | None
    own_panel_share: float | None  # share of his contacts with residents on his panel
    locum_share: float | None  # share of those residents' contacts that were with locums


@dataclass(frozen=True)
class BeforeAfterRow:
    pk: int | None  # None for the region
    name: str
    before: Figures
    after: Figures


@dataclass
class Dashboard:
    window: Window
    region: Figures
    municipalities: list[GroupFigures]
    units: list[GroupFigures]
    clinicians: list[ClinicianFigures]
    cutover: datetime.datetime
    before: Window
    after: Window
    before_after: list[BeforeAfterRow] = field(default_factory=list)


def default_cutover(now: datetime.datetime | None = None) -> datetime.datetime:
    """When the named-physician model started: the start of the oldest current named assignment.

    That is the day the first resident got the named physician they still have, so the contacts
    after it belong to the named-physician era. Without assignments: 12 months before now.
    """
    now = now or timezone.now()
    first = (
        PhysicianAssignment.objects.current()
        .named()
        .filter(started_at__lt=now)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return first or now - datetime.timedelta(days=WINDOW_DAYS)


def before_after_windows(
    cutover: datetime.datetime, now: datetime.datetime
) -> tuple[Window, Window]:
    """The 12 months before CUTOVER and the last 12 months, but never before CUTOVER.

    The "after" window starts at the cut-over when that is less than 12 months ago, so the two
    never overlap (a contact belongs to one era only).
    """
    cutover = min(cutover, now)
    before = Window(cutover - datetime.timedelta(days=WINDOW_DAYS), cutover)
    after = Window(max(cutover, now - datetime.timedelta(days=WINDOW_DAYS)), now)
    return before, after


def _group(rows: dict[int, ResidentFigures], key) -> dict[int, list[ResidentFigures]]:
    groups: dict[int, list[ResidentFigures]] = defaultdict(list)
    for row in rows.values():
        groups[key(row)].append(row)
    return groups


def clinician_figures(
    rows: dict[int, ResidentFigures],
    panels: dict[str, dict[int, int]],
    clinicians: dict[int, tuple[str, bool]],
) -> list[ClinicianFigures]:
    """Per clinician over ROWS: the residents they saw, ordered by name."""
    seen: dict[int, list[ResidentFigures]] = defaultdict(list)
    for row in rows.values():
        for clinician_id in row.clinicians:
            seen[clinician_id].append(row)
    on_panel: dict[int, set[int]] = defaultdict(set)
    for mapping in panels.values():
        for resident_id, physician_id in mapping.items():
            on_panel[physician_id].add(resident_id)
    result = []
    for clinician_id, residents in seen.items():
        own = sum(row.clinicians[clinician_id] for row in residents)
        panel = on_panel.get(clinician_id, set())
        on_own_panel = sum(
            row.clinicians[clinician_id] for row in residents if row.resident_id in panel
        )
        two = [row.indices for row in residents if row.indices.n >= 2]
        all_contacts = sum(row.indices.n for row in residents)
        name, is_locum = clinicians.get(clinician_id, ("?", False))
        result.append(
            ClinicianFigures(
                pk=clinician_id,
                name=name,
                is_locum=is_locum,
                residents=len(residents),
                contacts=own,
                upc=_mean([i.upc for i in two]),
                coc=_mean([i.coc for i in two]),
                own_panel_share=on_own_panel / own if own else None,
                locum_share=sum(row.locum_contacts for row in residents) / all_contacts
                if all_contacts
                else None,
            )
        )
    result.sort(key=lambda c: (c.name.lower(), c.pk))
    return result


def _clinician_names(ids: Iterable[int]) -> dict[int, tuple[str, bool]]:
    return {
        pk: (f"{first} {last}".strip(), is_locum)
        for pk, first, last, is_locum in StaffProfile.objects.filter(pk__in=list(ids)).values_list(
            "pk", "user__first_name", "user__last_name", "is_locum"
        )
    }


def dashboard(
    *, now: datetime.datetime | None = None, cutover: datetime.datetime | None = None
) -> Dashboard:
    """Everything the coordinator's continuity page shows, in six queries.

    Rolling 12 months per region, municipality, unit and clinician; and before/after CUTOVER
    (default: `default_cutover`) per municipality and region.
    """
    now = now or timezone.now()
    cutover = min(cutover or default_cutover(now), now)
    window = rolling_window(now)
    before, after = before_after_windows(cutover, now)
    start = min(window.start, before.start)
    panels_now = _assignments_at(now)
    named_before = _assignments_at(before.end)["named"]
    named_after = panels_now["named"]  # the "after" window always ends now
    rolling, era_before, era_after = _figures(
        _contact_rows(start, now),
        [window, before, after],
        [panels_now["named"], named_before, named_after],
    )
    units = {
        pk: (name, home, municipality_id, municipality)
        for pk, name, home, municipality_id, municipality in Organisation.objects.units()
        .values_list("pk", "name", "parent__name", "municipality_id", "municipality__name")
        .order_by()
    }

    def municipality_of(row: ResidentFigures) -> int:
        return units.get(row.unit_id, (None, None, 0, ""))[2] or 0

    municipality_names = {}
    for _n, _h, municipality_id, name in units.values():
        if municipality_id:
            municipality_names[municipality_id] = name

    unit_groups = [
        GroupFigures(
            pk=unit_id,
            name=" – ".join(filter(None, [units[unit_id][1], units[unit_id][0]]))
            if unit_id in units
            else "?",
            figures=aggregate(members),
            municipality=units.get(unit_id, ("", "", 0, ""))[3] or "",
        )
        for unit_id, members in _group(rolling, lambda r: r.unit_id).items()
    ]
    unit_groups.sort(key=lambda g: (g.municipality, g.name))
    municipality_groups = [
        GroupFigures(pk=pk, name=municipality_names.get(pk, "–"), figures=aggregate(members))
        for pk, members in _group(rolling, municipality_of).items()
    ]
    municipality_groups.sort(key=lambda g: g.name)

    clinician_ids = set()
    for row in rolling.values():
        clinician_ids.update(row.clinicians)
    clinicians = clinician_figures(rolling, panels_now, _clinician_names(clinician_ids))

    groups_before = _group(era_before, municipality_of)
    groups_after = _group(era_after, municipality_of)
    before_after_rows = [
        BeforeAfterRow(
            pk=pk,
            name=municipality_names.get(pk, "–"),
            before=aggregate(groups_before.get(pk, [])),
            after=aggregate(groups_after.get(pk, [])),
        )
        for pk in set(groups_before) | set(groups_after)
    ]
    before_after_rows.sort(key=lambda r: r.name)
    before_after_rows.append(
        BeforeAfterRow(
            pk=None,
            name="",
            before=aggregate(era_before.values()),
            after=aggregate(era_after.values()),
        )
    )
    return Dashboard(
        window=window,
        region=aggregate(rolling.values()),
        municipalities=municipality_groups,
        units=unit_groups,
        clinicians=clinicians,
        cutover=cutover,
        before=before,
        after=after,
        before_after=before_after_rows,
    )


def before_after(
    *, cutover: datetime.datetime, now: datetime.datetime | None = None
) -> tuple[Figures, Figures]:
    """Region figures for the 12 months before CUTOVER and the last 12 months after it."""
    now = now or timezone.now()
    before, after = before_after_windows(cutover, now)
    named = [_assignments_at(before.end)["named"], _assignments_at(after.end)["named"]]
    era_before, era_after = _figures(_contact_rows(before.start, now), [before, after], named)
    return aggregate(era_before.values()), aggregate(era_after.values())


# --- one unit, one physician, one resident ------------------------------------------------------


@dataclass(frozen=True)
class ResidentLine:
    resident: Resident
    figures: ResidentFigures | None

    @property
    def indices(self) -> ContinuityIndices | None:
        return self.figures.indices if self.figures else None


def resident_lines(residents: list[Resident], window: Window) -> list[ResidentLine]:
    """Figures for a page of residents (2 queries), in the order given."""
    ids = [resident.pk for resident in residents]
    rows = resident_figures(window, residents=ids) if ids else {}
    return [ResidentLine(resident, rows.get(resident.pk)) for resident in residents]


def physician_figures(profile: StaffProfile, window: Window) -> ClinicianFigures | None:
    """PROFILE's own clinician figures over WINDOW (3 queries); None without contacts."""
    rows = resident_figures(window, clinician=profile)
    if not rows:
        return None
    panels = _assignments_at(window.end)
    own = clinician_figures(rows, panels, {profile.pk: (profile.name, profile.is_locum)})
    return next((line for line in own if line.pk == profile.pk), None)


def unit_figures(unit: Organisation, window: Window) -> Figures:
    """The unit's aggregate over every resident belonging to it (also those who left)."""
    return aggregate(
        resident_figures(window, residents=Resident.objects.filter(unit=unit)).values()
    )


@dataclass(frozen=True)
class ProviderLine:
    pk: int
    name: str
    is_locum: bool
    contacts: int
    is_named: bool


@dataclass(frozen=True)
class ResidentContinuity:
    """What the resident page shows: the indices, the named physician and who was met."""

    window: Window
    indices: ContinuityIndices
    named_name: str  # "" without a named physician
    last_contact: datetime.datetime | None
    providers: list[ProviderLine]
    locum_contacts: int


def resident_continuity(
    resident: Resident, *, now: datetime.datetime | None = None
) -> ResidentContinuity:
    """RESIDENT's continuity over the last 12 months (3 queries), for the resident page."""
    window = rolling_window(now)
    named_id = _assignments_at(window.end, [resident.pk])["named"].get(resident.pk)
    contacts = list(
        CareContact.objects.filter(
            resident=resident, occurred_at__gte=window.start, occurred_at__lt=window.end
        )
        .order_by("occurred_at", "pk")
        .values_list("clinician_id", "clinician__is_locum", "occurred_at")
    )
    visits = [clinician_id for clinician_id, _l, _o in contacts]
    counts = Counter(visits)
    names = _clinician_names(set(counts) | ({named_id} if named_id else set()))
    providers = [
        ProviderLine(
            pk=pk,
            name=names.get(pk, ("?", False))[0],
            is_locum=names.get(pk, ("?", False))[1],
            contacts=count,
            is_named=pk == named_id,
        )
        for pk, count in counts.most_common()
    ]
    return ResidentContinuity(
        window=window,
        indices=indices([str(v) for v in visits], usual=str(named_id) if named_id else None),
        named_name=names[named_id][0] if named_id in names else "",
        last_contact=contacts[-1][2] if contacts else None,
        providers=providers,
        locum_contacts=sum(1 for _c, is_locum, _o in contacts if is_locum),
    )
