from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from digifys.accounts.models import Role
from digifys.residents import selectors as resident_selectors

from . import selectors


@login_required
def panel(request: HttpRequest) -> HttpResponse:
    """A physician's panel: residents where they are named physician or deputy."""
    if request.user.role != Role.PHYSICIAN:
        raise PermissionDenied
    profile = request.user.staff_profile
    rows = []
    for resident in selectors.panel_of(request.user):
        named = resident_selectors.named_physician(resident)
        rows.append(
            {
                "resident": resident,
                "role": "named" if named and named.physician_id == profile.pk else "deputy",
                "named": named,
            }
        )
    named_count = sum(1 for row in rows if row["role"] == "named")
    return render(
        request,
        "careteams/panel.html",
        {"rows": rows, "named_count": named_count, "deputy_count": len(rows) - named_count},
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The coordinator's overview: units, panels and their sizes, locum share."""
    if request.user.role != Role.COORDINATOR:
        raise PermissionDenied
    share = selectors.locum_share()
    context = {
        "units": selectors.units_with_counts(),
        "physicians": selectors.panel_sizes(),
        "without_named": selectors.residents_without_named_physician(),
        "locum_share": None if share is None else round(share * 100),
    }
    return render(request, "careteams/overview.html", context)
