"""The trust survey: answering (relatives, residents) and results (coordinators, unit staff)."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from digifys.core.forms import add_service_errors
from digifys.core.routers import replica_reads

from . import selectors, services
from .forms import AnswerForm, ResultsFilterForm
from .models import MIN_CELL, RESIDENT, Item


@login_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer one survey invitation of one's own (404 for anyone else's, or when closed)."""
    invitation = services.open_invitation(request.user, pk)
    if invitation is None:
        raise Http404
    resident = invitation.relationship == RESIDENT
    form = AnswerForm(request.POST if request.method == "POST" else None, resident=resident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.submit_answer(
                user=request.user,
                invitation_pk=invitation.pk,
                scores={item: data[item] for item in Item.values},
                comment=data["comment"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you! Your answer was saved without your name."))
            return redirect("home")
    return render(
        request,
        "trust/answer.html",
        {"form": form, "invitation": invitation, "resident": resident},
        status=400 if form.errors else 200,
    )


def _results_context(request: HttpRequest) -> dict:
    units = list(selectors.units_for(request.user))
    municipalities = list(selectors.municipalities_for(request.user))
    form = ResultsFilterForm(request.GET or None, units=units, municipalities=municipalities)
    where = form.cleaned_data.get("where") if form.is_bound and form.is_valid() else ""
    unit = municipality = None
    if where.startswith("m"):
        municipality = next((m for m in municipalities if f"m{m.pk}" == where), None)
    elif where.startswith("u"):
        unit = next((u for u in units if f"u{u.pk}" == where), None)
    if unit is None and municipality is None and units:
        # The first unit with something to show, else the first unit.
        shown = selectors.units_with_results([u.pk for u in units])
        unit = next((u for u in units if u.pk in shown), units[0])
        form = ResultsFilterForm(
            initial={"where": f"u{unit.pk}"}, units=units, municipalities=municipalities
        )
    # Which units the user may see was decided above, on the primary; the figures are aggregates.
    with replica_reads():
        cells = (
            selectors.results(unit=unit, municipality=municipality)
            if (unit or municipality)
            else []
        )
    return {
        "form": form,
        "unit": unit,
        "municipality": municipality,
        "cells": cells,
        "items": list(Item),
        "min_cell": MIN_CELL,
        "where": f"u{unit.pk}" if unit else (f"m{municipality.pk}" if municipality else ""),
    }


@login_required
def results(request: HttpRequest) -> HttpResponse:
    """Results per unit or municipality and month, with a chart; small cells are hidden."""
    context = _results_context(request)
    cells = context["cells"]
    context["comments"] = selectors.comments(
        unit=context["unit"], municipality=context["municipality"], cells=cells
    )
    context["chart"] = {
        "months": [cell.month.isoformat() for cell in cells],
        "series": [
            {
                "label": str(item.label),
                "values": [cell.means.get(item.value) if cell.shown else None for cell in cells],
            }
            for item in Item
        ],
    }
    context["any_shown"] = any(cell.shown for cell in cells)
    return render(request, "trust/results.html", context)


@login_required
def results_csv(request: HttpRequest) -> HttpResponse:
    """The same table as CSV (semicolons, UTF-8 with BOM); small cells empty, as on the page."""
    context = _results_context(request)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Month"), _("Answers"), *[str(item.label) for item in Item]])
    for cell in context["cells"]:
        if cell.shown:
            scores = [str(cell.means[item]).replace(".", ",") for item in Item.values]
            writer.writerow([f"{cell.month:%Y-%m}", cell.count, *scores])
        else:
            writer.writerow(
                [f"{cell.month:%Y-%m}", _("fewer than %(n)s") % {"n": MIN_CELL}]
                + [""] * len(Item.values)
            )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="trust-survey.csv"'
    return response
