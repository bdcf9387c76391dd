"""Vital signs: entry with a live NEWS2 preview, the result with the unit's response, the
history, physicians' Scale-2 decisions and the unit escalation table.

Every page that shows a resident fetches it through `visible_to` and writes one read entry in the
access log; writes go through `services` (which log them). Wrong roles get 403, residents or
units the user may not see 404.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.core.forms import add_service_errors, parse_id
from digifys.directory.models import Organisation
from digifys.residents.models import Resident, TreatmentLimitation

from . import news2, services
from .forms import (
    VITAL_FIELDS,
    EndScale2Form,
    EscalationRuleForm,
    Scale2DecisionForm,
    VitalsForm,
)
from .models import Consciousness, EscalationRule, Observation, OxygenDevice, Urgency

PARAMETER_LABELS = {
    "respiratory_rate": gettext_lazy("Respiration rate"),
    "spo2": gettext_lazy("SpO2"),
    "air_or_oxygen": gettext_lazy("Air or oxygen"),
    "systolic_bp": gettext_lazy("Systolic blood pressure"),
    "pulse": gettext_lazy("Pulse"),
    "consciousness": gettext_lazy("Consciousness (ACVPU)"),
    "temperature": gettext_lazy("Temperature"),
}
# The NEWS2 parameters a complete set needs, as the form names them.
REQUIRED_FOR_SCORE = {
    "respiratory_rate": "respiratory_rate",
    "spo2": "spo2",
    "on_oxygen": "air_or_oxygen",
    "systolic_bp": "systolic_bp",
    "pulse": "pulse",
    "consciousness": "consciousness",
    "temperature": "temperature",
}


# --- Access helpers ---------------------------------------------------------------------------


def _resident_for(request: HttpRequest, pk: int) -> Resident:
    return get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("unit__parent"), pk=pk
    )


def _log_read(request: HttpRequest, resident: Resident, object_type: str, object_id="") -> None:
    audit.record_read(
        actor=request.user,
        residents=[resident],
        object_type=object_type,
        object_id=object_id,
        request=request,
    )


def _limitations(request: HttpRequest, resident: Resident):
    return list(
        TreatmentLimitation.objects.visible_to(request.user)
        .filter(resident=resident, is_active=True)
        .select_related("decided_by__user")
    )


# --- Presentation helpers ---------------------------------------------------------------------

frequency_text = services.frequency_text


def _floor_text(floor: services.Floor) -> str:
    """Say the least a unit's row may ask for at one level (RCP NEWS2 Chart 4)."""
    parts = [_("observe %(frequency)s") % {"frequency": frequency_text(floor.max_minutes)}]
    if floor.min_urgency:
        parts.append(
            _("suggest a consult, at least “%(urgency)s”")
            % {"urgency": Urgency(floor.min_urgency).label}
        )
    if floor.call_112:
        parts.append(_("tell the nurse to call 112 per local routine"))
    return _("Minimum (RCP NEWS2 Chart 4): %(parts)s.") % {"parts": "; ".join(parts)}


def _display(value, unit: str = "") -> str:
    if value is None or value == "":
        return "–"
    text = formats.localize(value)
    return f"{text} {unit}".strip()


def _parameter_rows(values: dict, subscores: dict, spo2_scale: int) -> list[dict]:
    """Return one row per NEWS2 parameter: label, the value measured and its sub-score."""
    if values.get("on_oxygen") is None:
        air = "–"
    elif values["on_oxygen"]:
        flow, device, fio2 = (values.get(n) for n in ("oxygen_flow", "oxygen_device", "fio2"))
        details = [str(OxygenDevice(device).label)] if device else []
        if flow is not None:
            details.append(_display(flow, "l/min"))
        if fio2 is not None:
            details.append(_("FiO2 %(value)s %%") % {"value": fio2})
        air = ", ".join([_("Oxygen"), *details])
    else:
        air = _("Air")
    systolic, diastolic = values.get("systolic_bp"), values.get("diastolic_bp")
    blood_pressure = _display(systolic, "mmHg")
    if systolic is not None and diastolic is not None:
        blood_pressure = f"{systolic}/{diastolic} mmHg"
    consciousness = values.get("consciousness") or ""
    shown = {
        "respiratory_rate": _display(values.get("respiratory_rate"), "/min"),
        "spo2": _display(values.get("spo2"), "%"),
        "air_or_oxygen": air,
        "systolic_bp": blood_pressure,
        "pulse": _display(values.get("pulse"), "/min"),
        "consciousness": Consciousness(consciousness).label if consciousness else "–",
        "temperature": _display(values.get("temperature"), "°C"),
    }
    rows = []
    for key in news2.SUBSCORE_KEYS:
        label = PARAMETER_LABELS[key]
        if key == "spo2":
            label = _("SpO2 (Scale %(scale)s)") % {"scale": spo2_scale}
        rows.append({"key": key, "label": label, "value": shown[key], "score": subscores.get(key)})
    return rows


def _observation_values(observation: Observation) -> dict:
    return {name: getattr(observation, name) for name in VITAL_FIELDS}


# --- Views ------------------------------------------------------------------------------------


def _task_pk(request: HttpRequest) -> int | None:
    """Return the nurse task the vital signs are measured for (`?task=`), if any.

    Only carried on to link back to the task; the orders app checks access when it is opened.
    """
    value = request.POST.get("task") or request.GET.get("task") or ""
    return parse_id(value)


def _idempotency_key(request: HttpRequest) -> uuid.UUID | None:
    """Return the key the page's script gave this post (static/vitals/offline.js), if any."""
    try:
        return uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        return None


@login_required
def record(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """Enter one set of vital signs for a resident; saving leads to the NEWS2 result."""
    require_role(request.user, *services.RECORDING_ROLES)
    resident = _resident_for(request, resident_pk)
    decision = services.scale2_decision_for(resident)
    task_pk = _task_pk(request)
    data = request.POST if request.method == "POST" else None
    form = VitalsForm(data, scale2_decision=decision)
    key = _idempotency_key(request)
    if request.method == "POST" and form.is_valid():
        try:
            if key is None:
                observation = services.record_observation(
                    actor=request.user,
                    resident=resident,
                    request=request,
                    **form.service_arguments(),
                )
            else:
                # Save pressed twice, or the post repeated after a dropped answer: one observation.
                observation = services.record_observation_once(
                    actor=request.user,
                    resident=resident,
                    idempotency_key=key,
                    request=request,
                    **form.service_arguments(),
                ).observation
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            url = reverse("vitals:result", args=[observation.pk])
            return redirect(f"{url}?task={task_pk}" if task_pk else url)
    elif request.method == "POST":
        # The form refused something of its own (the time); say at once what else is wrong.
        arguments = form.service_arguments()
        try:
            services.validate_vitals({name: arguments[name] for name in VITAL_FIELDS})
        except ValidationError as exc:
            add_service_errors(form, exc)
    _log_read(request, resident, "observation_form")
    context = {
        "resident": resident,
        "form": form,
        "decision": decision,
        "limitations": _limitations(request, resident),
        "preview": None,
        "task_pk": task_pk,
        "idempotency_key": key or "",
        "news2_client": news2.client_table(),
    }
    return render(request, "vitals/record.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def preview(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """Return the live NEWS2 preview of what is typed so far; saves nothing, names no one."""
    require_role(request.user, *services.RECORDING_ROLES)
    resident = _resident_for(request, resident_pk)
    decision = services.scale2_decision_for(resident)
    form = VitalsForm(request.POST, scale2_decision=decision)
    result, partial, values, scale, messages_ = None, None, {}, 1, []
    if form.is_valid():
        arguments = form.service_arguments()
        scale = arguments["spo2_scale"]
        try:
            values = services.validate_vitals(
                {name: arguments[name] for name in VITAL_FIELDS}, saving=False
            )
            services.check_spo2_scale(resident, scale, decision=decision)
            scored = services.score_any(values, spo2_scale=scale)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if scored.total is None:
                partial = scored
            else:
                result = scored
    for errors in form.errors.values():
        messages_.extend(errors)
    missing = []
    entered = any(v not in (None, "") for v in values.values())
    if not messages_ and result is None:
        missing = [
            PARAMETER_LABELS[key]
            for name, key in REQUIRED_FOR_SCORE.items()
            if values.get(name) in (None, "")
        ]
    context = {
        "preview": {
            "messages": messages_,
            "result": result,
            "band_label": Observation.Band(result.band).label if result else "",
            "rows": _parameter_rows(values, result.subscores, scale) if result else [],
            "scale": scale if scale in news2.SPO2_SCALES else 1,
            "missing": missing,
            "entered": entered,
            "partial": partial,
            "partial_rows": [
                row
                for row in _parameter_rows(values, partial.subscores, scale)
                if row["score"] is not None
            ]
            if partial
            else [],
        }
    }
    return render(request, "vitals/record.html#preview", context)


@login_required
def result(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a saved observation: NEWS2, sub-scores, and what the unit's table says to do."""
    require_role(request.user, *services.RECORDING_ROLES)
    observation = get_object_or_404(
        Observation.objects.visible_to(request.user).select_related(
            "resident__unit__parent", "unit", "recorded_by", "scale2_decision__decided_by__user"
        ),
        pk=pk,
    )
    resident = observation.resident
    response = services.response_for(observation)
    _log_read(request, resident, "observation", observation.pk)
    context = {
        "resident": resident,
        "observation": observation,
        "band_label": observation.band_label,
        "rows": _parameter_rows(
            _observation_values(observation),
            observation.news2_subscores,
            observation.spo2_scale,
        ),
        "response": response,
        "frequency": frequency_text(response.rule.monitor_every_minutes) if response.rule else "",
        "limitations": _limitations(request, resident),
        "task_pk": _task_pk(request),
    }
    return render(request, "vitals/result.html", context)


def _with_trends(observations: list[Observation], older: tuple[int, int] | None) -> list[dict]:
    """Pair each observation with its trend against the previous scored observation.

    OLDER is (total, SpO2 scale) of the newest scored observation before the page (None if
    none), so the trend needs one query whatever the page size. Totals on different SpO2 scales
    are not comparable: a change of scale is marked "scale" instead of an arrow (issue #19 item 5).
    """
    rows = []
    previous, previous_scale = older if older else (None, None)
    for observation in reversed(observations):
        total, trend = observation.news2_total, None
        if total is not None and previous is not None:
            if observation.spo2_scale != previous_scale:
                trend = "scale"
            else:
                trend = "up" if total > previous else "down" if total < previous else "same"
        rows.append(
            {
                "observation": observation,
                "trend": trend,
                "previous": previous,
                "previous_scale": previous_scale,
                "band_label": observation.band_label,
            }
        )
        if total is not None:
            previous, previous_scale = total, observation.spo2_scale
    rows.reverse()
    return rows


@login_required
def history(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """The resident's observations, newest first, with NEWS2 and its trend."""
    require_role(request.user, *services.RECORDING_ROLES)
    resident = _resident_for(request, resident_pk)
    observations = (
        Observation.objects.visible_to(request.user)
        .filter(resident=resident)
        .select_related("recorded_by")
    )
    page = Paginator(observations, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    older = None
    if shown:
        last = shown[-1]
        older = (
            observations.scored()
            .filter(
                Q(measured_at__lt=last.measured_at)
                | Q(measured_at=last.measured_at, pk__lt=last.pk)
            )
            .values_list("news2_total", "spo2_scale")
            .first()
        )
    _log_read(request, resident, "observation_history")
    context = {
        "resident": resident,
        "page": page,
        "rows": _with_trends(shown, older),
    }
    return render(request, "vitals/history.html", context)


@login_required
def scale2(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """A physician records, or ends, the decision that SpO2 Scale 2 applies to a resident."""
    require_role(request.user, Role.PHYSICIAN)
    resident = _resident_for(request, resident_pk)
    decision = services.scale2_decision_for(resident)
    form = Scale2DecisionForm()
    end_form = EndScale2Form()
    if request.method == "POST" and request.POST.get("action") == "end":
        end_form = EndScale2Form(request.POST)
        if decision is None:
            messages.info(request, _("There is no Scale 2 decision in force."))
            return redirect("vitals:scale2", resident_pk=resident.pk)
        if end_form.is_valid():
            services.end_scale2_decision(actor=request.user, decision=decision, request=request)
            messages.success(
                request, _("Scale 2 has ended. SpO2 Scale 1 is used from the next observation.")
            )
            return redirect("vitals:scale2", resident_pk=resident.pk)
    elif request.method == "POST":
        form = Scale2DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.record_scale2_decision(
                    actor=request.user, resident=resident, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The Scale 2 decision was recorded."))
                return redirect("vitals:scale2", resident_pk=resident.pk)
    _log_read(request, resident, "scale2_decision", decision.pk if decision else "")
    context = {"resident": resident, "decision": decision, "form": form, "end_form": end_form}
    status = 400 if form.errors or end_form.errors else 200
    return render(request, "vitals/scale2.html", context, status=status)


def _unit_for(request: HttpRequest, pk: int) -> Organisation:
    """Return a unit the user works in (nurses) or oversees (coordinators)."""
    units = Organisation.objects.units().select_related("parent")
    if request.user.role in (Role.NURSE, Role.ASSISTANT_NURSE):
        units = units.filter(pk__in=request.user.unit_ids())
    elif request.user.role != Role.COORDINATOR:
        raise PermissionDenied
    return get_object_or_404(units, pk=pk)


@login_required
def escalation(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """The unit's escalation table: coordinators edit it, the unit's nurses read it."""
    unit = _unit_for(request, unit_pk)
    editable = request.user.role == Role.COORDINATOR
    if request.method == "POST" and not editable:
        raise PermissionDenied
    rules = EscalationRule.objects.filter(unit=unit).select_related("updated_by")
    table = services.escalation_table(unit, rules=rules)
    data = request.POST if request.method == "POST" else None
    forms = [EscalationRuleForm(data, level=level, rule=rule) for level, rule in table.items()]
    if data is not None:
        # Every row is checked (by the form, then by the service) so all mistakes show at once;
        # one bad row rolls the whole table back. Unchanged rows are not stored, so they keep
        # following the default.
        changed, failed = 0, False
        with transaction.atomic():
            for form in forms:
                if not form.is_valid():
                    failed = True
                    continue
                if not form.has_changed():
                    continue
                try:
                    services.update_escalation_rule(
                        actor=request.user, unit=unit, level=form.level, **form.cleaned_data
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                    failed = True
                else:
                    changed += 1
            if failed:
                transaction.set_rollback(True)
        if not failed:
            if changed:
                messages.success(request, _("The escalation table was saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("vitals:escalation", unit_pk=unit.pk)
    rows = [
        {
            "form": form,
            "rule": form.rule,
            "frequency": frequency_text(form.rule.monitor_every_minutes),
            "floor": _floor_text(services.FLOORS[form.level]),
        }
        for form in forms
    ]
    errors = any(form.errors for form in forms)
    context = {"unit": unit, "rows": rows, "editable": editable, "errors": errors}
    return render(request, "vitals/escalation.html", context, status=400 if errors else 200)
