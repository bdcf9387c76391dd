from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.residents import selectors
from digifys.residents.models import Resident

from .models import Organisation


def _unit_for(user, pk: int) -> Organisation:
    """Return a unit the user works in (nurses) or may oversee (coordinators)."""
    units = Organisation.objects.units().select_related("parent")
    if user.role in (Role.NURSE, Role.ASSISTANT_NURSE):
        units = units.filter(pk__in=user.unit_ids())
    elif user.role != Role.COORDINATOR:
        raise PermissionDenied
    return get_object_or_404(units, pk=pk)


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's worklist: every resident of the unit at a glance."""
    the_unit = _unit_for(request.user, pk)
    residents = selectors.with_care_team(
        Resident.objects.visible_to(request.user).in_care().filter(unit=the_unit)
    ).order_by("room", "family_name")
    rows = [
        {"resident": r, "named": selectors.named_physician(r), "deputy": selectors.deputy(r)}
        for r in residents
    ]
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[row["resident"] for row in rows],
        object_type="unit_worklist",
        request=request,
    )
    other_units = []
    if request.user.role in (Role.NURSE, Role.ASSISTANT_NURSE):
        other_units = request.user.staff_profile.units.exclude(pk=the_unit.pk).select_related(
            "parent"
        )
    return render(
        request, "directory/unit.html", {"unit": the_unit, "rows": rows, "other_units": other_units}
    )
