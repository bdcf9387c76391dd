from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from digifys.accounts.models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its start page."""
    role = request.user.role
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        return redirect("worklist:mine")
    if role == Role.PHYSICIAN:
        return redirect("consults:inbox")
    if role == Role.RELATIVE:
        return redirect("relatives:home")
    if role == Role.COORDINATOR:
        return redirect("careteams:overview")
    if role == Role.ADMINISTRATOR:
        return redirect("administration:home")
    if request.user.is_staff:
        return redirect("admin:index")
    if hasattr(request.user, "resident_login"):
        return redirect("relatives:me")
    return render(request, "core/no_role.html", status=403)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report liveness and database reachability for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
