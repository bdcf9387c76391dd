"""The administrator's start page and its parts: users, organisations, roles, system health and
the task queue. Details the Django admin does well (editing a user, staff profiles, groups) are
linked there; it stays at /admin/."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_tasks_db.models import DBTaskResult

from digifys.accounts.decorators import role_required
from digifys.accounts.models import Role, User
from digifys.audit import checkpoints
from digifys.audit import services as audit_services

from . import health, selectors, services

ADMIN = Role.ADMINISTRATOR


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, I am sure"),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )


@login_required
@role_required(ADMIN)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    checks = health.all_checks()
    context = {
        "by_role": selectors.users_by_role(),
        "summary": selectors.user_summary(),
        "checks": checks,
        "problems": [c for c in checks if not c.ok],
        "tasks": selectors.task_counts(),
        "failures": selectors.recent_failures(limit=3),
    }
    return render(request, "administration/home.html", context)


@login_required
@role_required(ADMIN)
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    role = request.GET.get("role", "")
    found = selectors.users(q, role)
    page = Paginator(found, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("q", q), ("role", role)) if v})
    context = {"page": page, "q": q, "role": role, "roles": list(Role), "query": query}
    return render(request, "administration/users.html", context)


@login_required
@role_required(ADMIN)
def user_active(request: HttpRequest, user_pk: int) -> HttpResponse:
    """Deactivate or reactivate an account, after confirming."""
    user = get_object_or_404(User.objects.select_related("staff_profile"), pk=user_pk)
    form = ConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_active(
                    actor=request.user, user=user, active=not user.is_active, request=request
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if user.is_active:
                    messages.success(request, _("%(name)s can log in again.") % {"name": user})
                else:
                    messages.success(request, _("%(name)s can no longer log in.") % {"name": user})
                return redirect("administration:users")
        status = 400
    context = {"account": user, "form": form}
    return render(request, "administration/user_active.html", context, status=status)


@login_required
@role_required(ADMIN)
@require_GET
def organisations(request: HttpRequest) -> HttpResponse:
    return render(
        request, "administration/organisations.html", {"tree": selectors.organisation_tree()}
    )


@login_required
@role_required(ADMIN)
@require_GET
def roles(request: HttpRequest) -> HttpResponse:
    context = {"matrix": selectors.role_matrix(), "by_role": selectors.users_by_role()}
    return render(request, "administration/roles.html", context)


@login_required
@role_required(ADMIN)
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    context = {
        "tasks": selectors.task_counts(),
        "failures": selectors.recent_failures(),
        "worker": health.task_worker(),
    }
    return render(request, "administration/tasks.html", context)


@login_required
@role_required(ADMIN)
@require_POST
def task_retry(request: HttpRequest, task_pk) -> HttpResponse:
    result = get_object_or_404(DBTaskResult, pk=task_pk)
    try:
        services.run_again(actor=request.user, result=result)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The task was queued again."))
    return redirect("administration:tasks")


@login_required
@role_required(ADMIN)
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Verify the access log's hash chain and its signed checkpoints now."""
    chain = audit_services.verify_chain()
    directory = checkpoints.checkpoint_dir()
    files, problems = (
        checkpoints.verify_checkpoints(directory=directory) if directory.is_dir() else (0, [])
    )
    context = {
        "chain": chain,
        "files": files,
        "problems": problems,
        "checkpoint": health.audit_checkpoint(),
    }
    return render(request, "administration/audit_verify.html", context)
