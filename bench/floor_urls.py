"""The least a logged-in page that reads a resident must do, as three views (`bench/pages.py`).

Each adds one step to the one before, so the throughput of each, beside the real pages in the
same run, shows what the steps themselves cost on this machine:

- `floor_session`: a staff member's request through the production middleware (session,
  user, second factor, locale, security headers) to a view that returns two bytes;
- `floor_policy`: and the resident read through the access policy (`visible_to`);
- `floor_audit`: and the access-log entry of the read (`audit.record_read`, as the resident
  page writes it): what every page showing a resident's data must do (Patientdatalagen 4 kap.
  3 §, issue 12 §1: one access-log entry per view).

Not part of the product: served only under `bench/floor_settings.py`.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from digifys.audit import services as audit
from digifys.residents.models import Resident
from digifys.urls import urlpatterns as product


@login_required
def session(request):
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def policy(request, pk: int):
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    return HttpResponse(str(resident.pk), content_type="text/plain")


@login_required
def audited(request, pk: int):
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    audit.record_read(
        actor=request.user,
        residents=[resident],
        object_type="resident",
        object_id=resident.pk,
        request=request,
    )
    return HttpResponse(str(resident.pk), content_type="text/plain")


urlpatterns = [
    path("bench-floor/session/", session),
    path("bench-floor/policy/<int:pk>/", policy),
    path("bench-floor/audit/<int:pk>/", audited),
    *product,
]
