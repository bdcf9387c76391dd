from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from digifys.audit import services as audit

from . import selectors
from .forms import WorklistFilterForm


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """Send a nurse to the worklist of their unit, or let them choose among several."""
    if request.user.role not in selectors.NURSING_ROLES:
        raise PermissionDenied
    units = list(selectors.units_for(request.user).order_by("parent__name", "name", "pk"))
    if len(units) == 1:
        return redirect("worklist:unit", unit_pk=units[0].pk)
    if not units:
        return render(request, "core/no_unit.html")
    return render(request, "worklist/choose.html", {"units": units})


def _worklist_context(request: HttpRequest, unit_pk: int) -> dict:
    unit, other_units = selectors.unit_for(request.user, unit_pk)
    form = WorklistFilterForm(request.GET)
    show, search = form.filters()
    worklist = selectors.unit_worklist(unit=unit, user=request.user, show=show, search=search)
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[row.resident for row in worklist.rows],
        object_type="unit_worklist",
        request=request,
    )
    query = {"show": show} if show != selectors.SHOW_ALL else {}
    if search:
        query["q"] = search
    return {
        "unit": unit,
        "other_units": other_units,
        "form": form,
        "worklist": worklist,
        "query": urlencode(query),
        "search_query": urlencode({"q": search}) if search else "",
        "SHOW_ATTENTION": selectors.SHOW_ATTENTION,
    }


@login_required
@require_GET
def unit(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """The unit's worklist: every resident with NEWS2, observations due, consults and tasks."""
    return render(request, "worklist/unit.html", _worklist_context(request, unit_pk))


@login_required
@require_GET
def rows(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """The worklist's rows alone, re-fetched live (WebSocket nudge) and every minute."""
    return render(request, "worklist/unit.html#rows", _worklist_context(request, unit_pk))
