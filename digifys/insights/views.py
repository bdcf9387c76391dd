"""Continuity pages: the coordinator's dashboard, a unit's residents, a physician's own figures.

The dashboard shows organisation-level figures only (no resident names), so it writes no
access-log entries; the unit drill-down and the physician's page name residents and write one
read per resident shown.
"""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams.models import PhysicianAssignment
from digifys.core.forms import EARLIEST_DATE, LATEST_DATE, parse_date
from digifys.core.routers import replica_reads
from digifys.core.time import STOCKHOLM  # the cut-over is a day on the residents' side
from digifys.directory.models import Organisation
from digifys.residents.models import Resident

from . import selectors

UNIT_SORTS = {
    "name": lambda g: (g.municipality, g.name),
    "coc": lambda g: (g.figures.coc is None, g.figures.coc or 0.0),
    "named": lambda g: (g.figures.named_share is None, g.figures.named_share or 0.0),
    "locum": lambda g: (g.figures.locum_share is None, -(g.figures.locum_share or 0.0)),
}

UNIT_SORT_LABELS = [
    ("name", _("Name")),
    ("coc", _("Lowest COC")),
    ("named", _("Lowest named physician share")),
    ("locum", _("Highest locum share")),
]


def _cutover(request: HttpRequest, now: datetime.datetime) -> tuple[datetime.datetime | None, str]:
    """Parse ?cutover=YYYY-MM-DD (Stockholm midnight); return (datetime or None, error)."""
    text = request.GET.get("cutover", "").strip()
    if not text:
        return None, ""
    try:
        day = parse_date(text)
    except ValidationError as exc:
        return None, "range" if exc.code == "date_range" else "invalid"
    moment = datetime.datetime.combine(day, datetime.time(0), tzinfo=STOCKHOLM)
    if moment > now:
        return None, "future"
    return moment, ""


@login_required
def continuity(request: HttpRequest) -> HttpResponse:
    """The coordinator's continuity dashboard: region, before/after, municipalities, units."""
    if request.user.role != Role.COORDINATOR:
        raise PermissionDenied
    now = timezone.now()
    cutover, cutover_error = _cutover(request, now)
    with replica_reads():  # figures over the whole region: the replica's work
        data = selectors.dashboard(now=now, cutover=cutover)
    sort = request.GET.get("sort", "name")
    if sort not in UNIT_SORTS:
        sort = "name"
    units = sorted(data.units, key=UNIT_SORTS[sort])
    page = Paginator(data.clinicians, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    sort_query.pop("sort", None)
    context = {
        "data": data,
        "units": units,
        "sort": sort,
        "unit_sorts": UNIT_SORT_LABELS,
        "page": page,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "cutover_value": data.cutover.astimezone(STOCKHOLM).date().isoformat(),
        "cutover_error": cutover_error,
        "earliest_date": EARLIEST_DATE.isoformat(),
        "latest_date": LATEST_DATE.isoformat(),
    }
    return render(request, "insights/continuity.html", context)


def _unit_for(request: HttpRequest, unit_pk: int) -> tuple[Organisation, str]:
    """The unit and the access-log purpose; 403 for the wrong role, 404 for another's unit."""
    role = request.user.role
    units = Organisation.objects.units().select_related("parent", "municipality")
    if role == Role.COORDINATOR:
        return get_object_or_404(units, pk=unit_pk), "administration"
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        own = request.user.unit_ids()
        return get_object_or_404(units.filter(pk__in=own), pk=unit_pk), "care"
    raise PermissionDenied


@login_required
def unit(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """One unit's residents in care with their continuity (coordinators; the unit's nurses)."""
    the_unit, purpose = _unit_for(request, unit_pk)
    window = selectors.rolling_window()
    search = request.GET.get("q", "").strip()[:100]
    residents = (
        Resident.objects.visible_to(request.user)
        .in_care()
        .filter(unit=the_unit)
        .search(search)
        .order_by("family_name", "given_name", "pk")
    )
    page = Paginator(residents, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)  # who may be seen: decided on the primary
    with replica_reads():
        lines = selectors.resident_lines(shown, window)
        figures = selectors.unit_figures(the_unit, window)
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[line.resident for line in lines],
        object_type="continuity",
        purpose=purpose,
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "unit": the_unit,
        "window": window,
        "figures": figures,
        "lines": lines,
        "page": page,
        "query": query.urlencode(),
        "search": search,
        "coordinator": request.user.role == Role.COORDINATOR,
    }
    template = "insights/unit.html#results" if request.htmx else "insights/unit.html"
    return render(request, template, context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A physician's own clinician figures and the continuity of their panel's residents."""
    if request.user.role != Role.PHYSICIAN:
        raise PermissionDenied
    profile = request.user.staff_profile
    window = selectors.rolling_window()
    panel = PhysicianAssignment.objects.visible_to(request.user).filter(
        physician=profile, ended_at__isnull=True
    )
    residents = (
        Resident.objects.visible_to(request.user)
        .in_care()
        .filter(pk__in=panel.values("resident"))
        .select_related("unit__parent")
        .order_by("unit__parent__name", "unit__name", "family_name", "given_name", "pk")
    )
    page = Paginator(residents, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)  # who may be seen: decided on the primary
    panel_ids = list(residents.values_list("pk", flat=True))
    with replica_reads():
        lines = selectors.resident_lines(shown, window)
        panel_figures = selectors.aggregate(
            selectors.resident_figures(window, residents=panel_ids).values()
        )
        own = selectors.physician_figures(profile, window)
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[line.resident for line in lines],
        object_type="continuity",
        purpose="care",
        request=request,
    )
    context = {
        "window": window,
        "own": own,
        "panel_figures": panel_figures,
        "lines": lines,
        "page": page,
        "query": "",
    }
    return render(request, "insights/mine.html", context)
