"""The first figures page (issue #16 §2): one level's figures as accessible data tables, and CSV.

`/insights/figures/?level=…&key=…&period=month|week&figure=…&start=…&end=…` shows a summary
table (every figure over the whole range: all, before and after go-live) and the selected
figure per week or month. `&export=summary` or `&export=series` returns that table as CSV
(semicolons, UTF-8 with BOM). Everything is read through `figures.figure`, so cells behind fewer
than five residents are withheld on the page and in the exports alike. Coordinators see every
level (`level=nation`: every region together, no drill-down list); a physician sees their own
figures (level physician) and the units of their current panel. Each view and export is logged
as a non-resident access (no resident is shown).
"""

import csv
import datetime
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams.models import PhysicianAssignment
from digifys.core.forms import parse_date
from digifys.core.time import STOCKHOLM
from digifys.directory.models import Organisation

from . import figures

# (code, label, unit of the value: "count", "share", "minutes", "index", "rate", "hours")
FIGURE_LIST = [
    ("contacts", gettext_lazy("Physician contacts"), "count"),
    ("named_share", gettext_lazy("Share of contacts with the named physician"), "share"),
    ("locum_share", gettext_lazy("Share of contacts with locums"), "share"),
    ("locum_hours_share", gettext_lazy("Share of booked physician hours by locums"), "share"),
    ("upc", gettext_lazy("UPC (usual provider continuity)"), "index"),
    ("coc", gettext_lazy("COC (continuity of care)"), "index"),
    ("secon", gettext_lazy("SECON (sequential continuity)"), "index"),
    ("mmci", gettext_lazy("MMCI (modified continuity index)"), "index"),
    ("channel_share:video", gettext_lazy("Share of contacts by video"), "share"),
    ("channel_share:chat", gettext_lazy("Share of contacts as consult answers"), "share"),
    ("channel_share:on_site", gettext_lazy("Share of contacts on site"), "share"),
    ("country_share:ES", gettext_lazy("Share of contacts by physicians working in Spain"), "share"),
    (
        "consult_within:urgent",
        gettext_lazy("Urgent consults answered within their deadline"),
        "share",
    ),
    ("consult_median:urgent", gettext_lazy("Urgent consults: median answer time"), "minutes"),
    ("consult_p90:urgent", gettext_lazy("Urgent consults: 90th percentile answer time"), "minutes"),
    ("escalations", gettext_lazy("Escalated consults"), "count"),
    ("messages_within", gettext_lazy("Relatives' messages answered in time"), "share"),
    ("news2_events:5", gettext_lazy("NEWS2 of 5 or more"), "count"),
    (
        "news2_reviewed:5",
        gettext_lazy("NEWS2 of 5 or more seen by a physician within 24 hours"),
        "share",
    ),
    (
        "news2_review_median:5",
        gettext_lazy("NEWS2 of 5 or more: median time to a physician"),
        "minutes",
    ),
    ("news2_events:7", gettext_lazy("NEWS2 of 7 or more"), "count"),
    ("tasks_on_time", gettext_lazy("Nurse tasks done on time"), "share"),
    ("reviews_on_time", gettext_lazy("Medication reviews on time"), "share"),
    ("transfers_per_1000", gettext_lazy("Hospital transfers per 1,000 resident-days"), "rate"),
    ("transfers_avoidable", gettext_lazy("Transfers judged avoidable"), "share"),
    ("resident_days", gettext_lazy("Resident-days"), "count"),
]
PHYSICIAN_FIGURES = [item for item in FIGURE_LIST if item[0] in figures.PHYSICIAN_CODES]
LEVEL_LABELS = {
    "nation": gettext_lazy("Nation"),
    "region": gettext_lazy("Region"),
    "care_area": gettext_lazy("Local health-care area"),
    "municipality": gettext_lazy("Municipality"),
    "nursing_home": gettext_lazy("Nursing home"),
    "unit": gettext_lazy("Unit"),
    "physician": gettext_lazy("Physician"),
}
ORG_KIND = {
    "region": Organisation.Kind.REGION,
    "care_area": Organisation.Kind.CARE_AREA,
    "municipality": Organisation.Kind.MUNICIPALITY,
    "nursing_home": Organisation.Kind.NURSING_HOME,
    "unit": Organisation.Kind.UNIT,
}
MAX_DAYS = 3 * 366


def show(value: figures.Value, unit: str) -> str:
    """A figure's value in the reader's number format; a dash or "fewer than 5" otherwise."""
    if value.suppressed:
        return _("fewer than %(n)s residents") % {"n": figures.SUPPRESS_BELOW}
    if value.value is None:
        return "–"
    if unit == "share":
        return f"{number_format(100 * value.value, 1)} %"
    if unit == "index":
        return number_format(value.value, 2)
    if unit == "minutes":
        return _("%(n)s min") % {"n": number_format(value.value, 1)}
    if unit == "hours":
        return _("%(n)s h") % {"n": number_format(value.value, 1)}
    if unit == "rate":
        return number_format(value.value, 1)
    return number_format(value.value, 0)


def _panel_units(user) -> list[int]:
    profile = user.staff_profile
    current = PhysicianAssignment.objects.visible_to(user).filter(
        physician=profile, ended_at__isnull=True
    )
    return sorted(set(current.values_list("resident__unit_id", flat=True)) - {None})


def _scope(request: HttpRequest):
    """(level, key, title, purpose, allowed figure list); 403 for other roles, 404 for others'."""
    user = request.user
    require_role(user, Role.COORDINATOR, Role.PHYSICIAN)
    level = request.GET.get("level") or ("region" if user.role == Role.COORDINATOR else "physician")
    if level not in figures.LEVELS:
        raise Http404
    key_text = request.GET.get("key", "")
    key = int(key_text) if key_text.isdigit() and len(key_text) < 19 else None
    if user.role == Role.PHYSICIAN:
        if level == "physician":
            if key not in (None, user.staff_profile.pk):
                raise Http404
            return level, user.staff_profile.pk, user.get_full_name(), "care", PHYSICIAN_FIGURES
        if level != "unit" or key not in _panel_units(user):
            raise Http404
    if level == "nation":
        return level, figures.NATION, _("All regions"), "administration", FIGURE_LIST
    if level == "physician":
        from digifys.directory.models import StaffProfile

        profile = StaffProfile.objects.filter(
            pk=key, profession=StaffProfile.Profession.PHYSICIAN
        ).first()
        if profile is None:
            raise Http404
        return level, profile.pk, profile.name, "administration", PHYSICIAN_FIGURES
    orgs = Organisation.objects.filter(kind=ORG_KIND[level]).select_related("parent")
    org = orgs.filter(pk=key).first() if key is not None else orgs.order_by("pk").first()
    if org is None:
        raise Http404
    purpose = "administration" if user.role == Role.COORDINATOR else "care"
    return level, org.pk, str(org), purpose, FIGURE_LIST


def _dates(request: HttpRequest) -> tuple[datetime.date, datetime.date, str]:
    today = timezone.now().astimezone(STOCKHOLM).date()
    end, start, error = (
        today,
        (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1),
        "",
    )
    try:
        given_start = (
            parse_date(request.GET.get("start", "").strip()) if request.GET.get("start") else None
        )
        given_end = (
            parse_date(request.GET.get("end", "").strip()) if request.GET.get("end") else None
        )
    except ValidationError:
        return start, end, _("Write the dates as YYYY-MM-DD. The last 12 months are shown.")
    if given_start or given_end:
        candidate_start, candidate_end = given_start or start, given_end or end
        if candidate_start > candidate_end or (candidate_end - candidate_start).days > MAX_DAYS:
            error = _(
                "The period must run forwards and be at most three years. "
                "The last 12 months are shown."
            )
        else:
            start, end = candidate_start, candidate_end
    return start, end, error


def _go_live_names(go_live: dict[int, datetime.date]) -> list[tuple[str, datetime.date]]:
    units = Organisation.objects.filter(pk__in=go_live).select_related("parent")
    return sorted(((str(unit), go_live[unit.pk]) for unit in units), key=lambda item: item[1])


def _units(user, level: str, key: int) -> list[Organisation]:
    """The units to drill down to (coordinators, above unit level)."""
    if user.role != Role.COORDINATOR or level in ("nation", "unit", "physician"):
        return []
    ids = figures.units_of(level, key)
    return list(Organisation.objects.filter(pk__in=ids).select_related("parent").order_by("name"))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    level, key, title, purpose, allowed = _scope(request)
    start, end, date_error = _dates(request)
    period = request.GET.get("period") if request.GET.get("period") in figures.PERIODS else "month"
    codes = [code for code, _label, _unit in allowed]
    chosen = request.GET.get("figure") if request.GET.get("figure") in codes else codes[0]
    labels = {code: (label, unit) for code, label, unit in allowed}
    summary = []
    for code, label, unit in allowed:
        series = figures.figure(code, level, key, period, start, end)
        summary.append(
            (
                code,
                label,
                show(series.all, unit),
                show(series.before, unit),
                show(series.after, unit),
            )
        )
        if code == chosen:
            selected = series
    unit = labels[chosen][1]
    rows = [
        (
            point.start,
            point.end,
            show(point.all, unit),
            show(point.before, unit),
            show(point.after, unit),
        )
        for point in selected.points
    ]
    export = request.GET.get("export")
    audit.record(
        actor=request.user,
        action="export" if export else "read",
        object_type="insights_figures",
        object_id=f"{level}:{key}",
        purpose=purpose,
        request=request,
        details={"period": period, "start": start.isoformat(), "end": end.isoformat()},
    )
    if export in ("summary", "series"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        if export == "summary":
            writer.writerow(
                [_("Figure"), _("Whole period"), _("Before go-live"), _("After go-live")]
            )
            for _code, label, *values in summary:
                writer.writerow([str(label), *values])
        else:
            writer.writerow(
                [
                    _("From"),
                    _("To"),
                    str(labels[chosen][0]),
                    _("Before go-live"),
                    _("After go-live"),
                ]
            )
            for first, last, *values in rows:
                writer.writerow([first.isoformat(), last.isoformat(), *values])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="figures-{level}-{key}-{export}.csv"'
        )
        return response
    query = request.GET.copy()
    query.pop("export", None)
    context = {
        "level": level,
        "level_label": LEVEL_LABELS[level],
        "key": key,
        "title": title,
        "start": start,
        "end": end,
        "period": period,
        "date_error": date_error,
        "summary": summary,
        "chosen": chosen,
        "chosen_label": labels[chosen][0],
        "figure_choices": [(code, label) for code, label, _unit in allowed],
        "rows": rows,
        "go_live": _go_live_names(selected.go_live),
        "units": _units(request.user, level, key),
        "query": query.urlencode(),
        "suppress_below": figures.SUPPRESS_BELOW,
    }
    return render(request, "insights/figures.html", context)
