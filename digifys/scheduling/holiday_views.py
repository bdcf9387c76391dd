"""Local and island holidays per work place: coordinators list, add, correct and remove them.

Routing and availability leave these days out on top of the `holidays` package (issue 19
item 6). Organisation data, no resident data: the writes are logged with purpose
"administration".
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.core.forms import add_service_errors

from . import services
from .forms import LocalHolidayForm
from .models import LocalHoliday

FIELDS = ("country", "place", "date", "name", "source")


@login_required
def local_holidays(request: HttpRequest) -> HttpResponse:
    """Local and island holidays from the start of this year on, by date."""
    require_role(request.user, Role.COORDINATOR)
    since = timezone.localdate().replace(month=1, day=1)
    items = LocalHoliday.objects.filter(date__gte=since).select_related("updated_by")
    return render(request, "scheduling/local_holidays.html", {"items": items})


@login_required
def local_holiday_new(request: HttpRequest) -> HttpResponse:
    """Add a local or island holiday."""
    require_role(request.user, Role.COORDINATOR)
    form = LocalHolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            holiday = services.add_local_holiday(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s on %(date)s in %(place)s was added.")
                % {"name": holiday.name, "date": holiday.date.isoformat(), "place": holiday.place},
            )
            return redirect("scheduling:local_holidays")
    status = 400 if form.errors else 200
    return render(
        request,
        "scheduling/local_holiday_form.html",
        {"form": form, "holiday": None},
        status=status,
    )


@login_required
def local_holiday_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a local holiday."""
    require_role(request.user, Role.COORDINATOR)
    holiday = get_object_or_404(LocalHoliday, pk=pk)
    initial = {field: getattr(holiday, field) for field in FIELDS}
    form = LocalHolidayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_local_holiday(
                actor=request.user, holiday=holiday, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The local holiday was changed."))
            return redirect("scheduling:local_holidays")
    status = 400 if form.errors else 200
    return render(
        request,
        "scheduling/local_holiday_form.html",
        {"form": form, "holiday": holiday},
        status=status,
    )


@login_required
def local_holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then remove a local holiday entered by mistake."""
    require_role(request.user, Role.COORDINATOR)
    holiday = get_object_or_404(LocalHoliday, pk=pk)
    if request.method == "POST":
        text = _("%(name)s on %(date)s in %(place)s was removed.") % {
            "name": holiday.name,
            "date": holiday.date.isoformat(),
            "place": holiday.place,
        }
        services.delete_local_holiday(actor=request.user, holiday=holiday, request=request)
        messages.success(request, text)
        return redirect("scheduling:local_holidays")
    return render(request, "scheduling/local_holiday_delete.html", {"holiday": holiday})
