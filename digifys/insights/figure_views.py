"""The figures dashboard (issue #16 §2): one level's figures as charts, readings, tables and CSV.

`/insights/figures/?level=…&key=…&period=month|week&figure=…&start=…&end=…` shows the selected
figure per week or month as a trend chart (before and after go-live apart, go-live marked, the
region's pilot target from `targets.TARGETS` as a line) with its plain-language reading
(`readings.reading`) and data table; above unit level one small chart per unit on one scale,
each linking to that unit's dashboard, with a table of every unit; the trust survey's figures for
the level's units (`trust_figures`, coordinators only, as the trust app decides); and a summary
table (every figure over the whole range: all, before and after go-live). `&export=summary`,
`series`, `units`, `trust` or `trust_months` returns that table as CSV (semicolons, UTF-8 with
BOM). The charts are Chart.js (vendored) fed by `json_script`; the tables carry the same
figures for screen readers and without JavaScript.

Everything is read through `figures` (`figures_for` every figure of the level together,
`unit_figures` the chosen one for every unit: for the default range as the refresh precomputed
them, else from the monthly rollups per month, in a few queries), and the trust survey through
`trust_figures`, so
cells behind fewer than five residents (or answers) are withheld on the page and in the exports
alike. Coordinators see every level (`level=nation`: every region together, no drill-down list); a
physician sees their own figures (level physician) and
the units of their current panel, without the trust survey. Each view and export is logged as a
non-resident access (no resident is shown).
"""

import csv
import datetime
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams.models import PhysicianAssignment
from digifys.core.forms import parse_date
from digifys.core.time import STOCKHOLM
from digifys.directory.models import Organisation
from digifys.trust.selectors import may_see_results

from . import figures, trust_figures
from .readings import number, reading, rounded, show
from .targets import TARGETS

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
UNITS_PER_PAGE = 12  # small charts (and table columns) per page of the units section


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
    start, end = figures.default_range(today)
    error = ""
    try:
        given_start = (
            parse_date(request.GET.get("start", "").strip()) if request.GET.get("start") else None
        )
        given_end = (
            parse_date(request.GET.get("end", "").strip()) if request.GET.get("end") else None
        )
    except ValidationError:
        return start, end, _("Write the dates as YYYY-MM-DD. The last 24 months are shown.")
    if given_start or given_end:
        candidate_start, candidate_end = given_start or start, given_end or end
        if candidate_start > candidate_end or (candidate_end - candidate_start).days > MAX_DAYS:
            error = _(
                "The period must run forwards and be at most three years. "
                "The last 24 months are shown."
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
    units = Organisation.objects.filter(pk__in=ids).select_related("parent")
    return list(units.order_by("parent__name", "name", "pk"))  # as shown: "home – unit"


def _shown(values, unit: str) -> list[float | None]:
    return [None if v.suppressed or v.value is None else rounded(v.value, unit) for v in values]


def _chart(series: figures.Series, unit: str) -> dict:
    """What one trend chart draws, as shown (a share in per cent); suppressed cells are gaps."""
    days = sorted(set(series.go_live.values()))
    target = TARGETS.get(series.code)
    return {
        "labels": [point.start.isoformat() for point in series.points],
        "all": _shown([point.all for point in series.points], unit),
        "before": _shown([point.before for point in series.points], unit),
        "after": _shown([point.after for point in series.points], unit),
        "week": series.period == "week",
        "split": bool(series.go_live),
        "goLive": [
            number
            for number, point in enumerate(series.points)
            if any(point.start <= day <= point.end for day in days)
        ],
        "target": rounded(target.value, unit) if target else None,
    }


def _scale(unit: str, charts: list[dict]) -> dict:
    """The y axis: shares 0–100 %, indices 0–1, else 0 to a little above the largest value."""
    if unit == "share":
        return {"min": 0, "max": 100}
    if unit == "index":
        return {"min": 0, "max": 1}
    values = [
        value
        for chart in charts
        for name in ("all", "before", "after", "target")
        for value in (chart[name] if isinstance(chart[name], list) else [chart[name]])
        if value is not None
    ]
    top = max(values, default=0)
    return {"min": 0, "max": float(top * 1.1) if top else 1}


def _multiples(units, chosen: str, label, unit: str, period, start, end) -> list[dict]:
    """One small chart per unit: its series, reading and link (figures per unit)."""
    out = []
    every = figures.unit_figures(chosen, [org.pk for org in units], period, start, end)
    for org in units:
        series = every[org.pk]
        out.append(
            {
                "org": org,
                "series": series,
                "chart_id": f"figure-multiple-{org.pk}",
                "chart": _chart(series, unit),
                "reading": reading(
                    figure=str(label),
                    place=str(org),
                    unit=unit,
                    before=series.before,
                    after=series.after,
                    has_go_live=bool(series.go_live),
                    code=chosen,
                ),
            }
        )
    scale = _scale(unit, [multiple["chart"] for multiple in out])
    for multiple in out:
        multiple["chart"]["scale"] = scale
    return out


def _agree(cell: trust_figures.Cell) -> str:
    if cell.suppressed:
        return show(cell, "score", "answers")
    return "–" if cell.agree is None else number(cell.agree, "share")


def _trust(level: str, key: int, title: str, start, end) -> dict:
    """The trust survey's figures for the level's units: tables, chart and readings."""
    units = figures.units_of(level, key)
    go_live = figures.go_live_dates(units)
    statements = trust_figures.trust(units, start, end, go_live)
    months = [month for month, _cell in statements[0].months] if statements else []
    summary = [
        (
            statement.label,
            statement.all.answers,
            show(statement.all, "score", "answers"),
            show(statement.before, "score", "answers"),
            show(statement.after, "score", "answers"),
            _agree(statement.all),
            _agree(statement.before),
            _agree(statement.after),
        )
        for statement in statements
    ]
    per_month = [
        (
            month,
            statements[0].months[number][1].answers,
            [show(statement.months[number][1], "score", "answers") for statement in statements],
        )
        for number, month in enumerate(months)
    ]
    readings = [
        reading(
            figure=_("The mean score for “%(statement)s”")
            % {"statement": statement.label.rstrip(".")},
            place=title,
            unit="score",
            before=statement.before,
            after=statement.after,
            has_go_live=bool(go_live),
            counted="answers",
        )
        for statement in statements
    ]
    chart = {
        "labels": [month.isoformat() for month in months],
        "series": [
            {"label": statement.label, "values": _shown([c for _m, c in statement.months], "score")}
            for statement in statements
        ],
    }
    return {
        "statements": statements,
        "summary": summary,
        "months": per_month,
        "readings": readings,
        "chart": chart,
        "answers": sum(count for _month, count, _means in per_month),
    }


def _csv(name: str, header: list, rows: list, level: str, key: int) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([str(cell) for cell in header])
    for row in rows:
        writer.writerow([cell.isoformat() if hasattr(cell, "isoformat") else cell for cell in row])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="figures-{level}-{key}-{name}.csv"'
    return response


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    level, key, title, purpose, allowed = _scope(request)
    start, end, date_error = _dates(request)
    period = request.GET.get("period") if request.GET.get("period") in figures.PERIODS else "month"
    codes = [code for code, _label, _unit in allowed]
    chosen = request.GET.get("figure") if request.GET.get("figure") in codes else codes[0]
    labels = {code: (label, unit) for code, label, unit in allowed}
    summary = []
    every = figures.figures_for(codes, level, key, period, start, end)
    for code, label, unit in allowed:
        series = every[code]
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
    chosen_label, unit = labels[chosen]
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
    units = _units(request.user, level, key)
    export = request.GET.get("export")
    # The units section shows a page of units (a region has hundreds), found by name if asked;
    # its CSV has them all.
    unit_q = request.GET.get("unit_q", "").strip()[:100]
    found = [org for org in units if unit_q.casefold() in str(org).casefold()]
    unit_page = Paginator(found, UNITS_PER_PAGE).get_page(request.GET.get("units_page"))
    shown = units if export == "units" else list(unit_page)
    multiples = _multiples(shown, chosen, chosen_label, unit, period, start, end)
    unit_rows = [
        (point.start, point.end, [show(m["series"].points[n].all, unit) for m in multiples])
        for n, point in enumerate(selected.points)
    ]
    unit_totals = [
        (name, [show(getattr(m["series"], part), unit) for m in multiples])
        for name, part in (
            (_("Whole period"), "all"),
            (_("Before go-live"), "before"),
            (_("After go-live"), "after"),
        )
    ]
    trust = (
        _trust(level, key, title, start, end)
        if may_see_results(request.user) and level != "physician"
        else None
    )
    audit.record(
        actor=request.user,
        action="export" if export else "read",
        object_type="insights_figures",
        object_id=f"{level}:{key}",
        purpose=purpose,
        request=request,
        details={"period": period, "start": start.isoformat(), "end": end.isoformat()},
    )
    before, after = _("Before go-live"), _("After go-live")
    if export == "summary":
        header = [_("Figure"), _("Whole period"), before, after]
        return _csv(export, header, [row[1:] for row in summary], level, key)
    if export == "series":
        header = [_("From"), _("To"), str(chosen_label), before, after]
        return _csv(export, header, rows, level, key)
    if export == "units" and multiples:
        header = [_("From"), _("To"), *(str(m["org"]) for m in multiples)]
        table = [(first, last, *cells) for first, last, cells in unit_rows]
        table += [("", name, *cells) for name, cells in unit_totals]
        return _csv(export, header, table, level, key)
    if export == "trust" and trust is not None:
        header = [
            _("Statement"),
            _("Answers"),
            _("Mean score"),
            _("Mean before go-live"),
            _("Mean after go-live"),
            _("Agree"),
            _("Agree before go-live"),
            _("Agree after go-live"),
        ]
        return _csv(export, header, trust["summary"], level, key)
    if export == "trust_months" and trust is not None:
        header = [_("Month"), _("Answers"), *(s.label for s in trust["statements"])]
        table = [(month, count, *means) for month, count, means in trust["months"]]
        return _csv(export, header, table, level, key)
    if export:
        raise Http404
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("units_page", None)
    units_query = query.copy()
    query.pop("unit_q", None)
    drill = query.copy()
    for name in ("level", "key"):
        drill.pop(name, None)
    chart = _chart(selected, unit)
    chart["scale"] = _scale(unit, [chart])
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
        "chosen_label": chosen_label,
        "figure_choices": [(code, label) for code, label, _unit in allowed],
        "rows": rows,
        "chart": chart,
        "reading": reading(
            figure=str(chosen_label),
            place=title,
            unit=unit,
            before=selected.before,
            after=selected.after,
            has_go_live=bool(selected.go_live),
            code=chosen,
        ),
        "target": number(TARGETS[chosen].value, unit) if chosen in TARGETS else "",
        "chart_labels": {
            "all": str(_("Whole unit or area")),
            "before": str(before),
            "after": str(after),
            "target": str(_("The region's pilot target")),
            "goLive": str(_("Go-live")),
            "share": unit == "share",
        },
        "go_live": _go_live_names(selected.go_live),
        "units": units,
        "unit_page": unit_page,
        "unit_q": unit_q,
        "units_per_page": UNITS_PER_PAGE,
        "search_keep": [(name, item) for name, items in query.lists() for item in items],
        "units_query": units_query.urlencode(),
        "multiples": multiples,
        "unit_rows": unit_rows,
        "unit_totals": unit_totals,
        "trust": trust,
        "query": query.urlencode(),
        "drill": drill.urlencode(),
        "suppress_below": figures.SUPPRESS_BELOW,
    }
    return render(request, "insights/figures.html", context)
