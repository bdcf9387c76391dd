"""The testbed's pages: the public page and application form, the coordinators' decisions, and
the company's own page. Company pages need the company's login with its second factor done."""

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from digifys.accounts import authentication
from digifys.accounts.decorators import role_required
from digifys.accounts.models import Role

from . import services
from .forms import ApplicationForm, DeclineForm
from .models import Application, Sandbox


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """What a company can test, and the application form (public)."""
    status = 200
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        if form.is_valid():
            application = services.submit_application(
                language=get_language() or settings.LANGUAGE_CODE, **form.cleaned_data
            )
            request.session["testbed_application"] = application.pk
            return redirect("testbed:applied")
        status = 400
    else:
        form = ApplicationForm()
    return render(request, "testbed/index.html", {"form": form}, status=status)


@require_GET
def applied(request: HttpRequest) -> HttpResponse:
    pk = request.session.get("testbed_application")
    application = Application.objects.filter(pk=pk).first() if pk else None
    return render(request, "testbed/applied.html", {"application": application})


@require_GET
@login_required
@role_required(Role.COORDINATOR)
def applications(request: HttpRequest) -> HttpResponse:
    rows = Application.objects.select_related("decided_by", "sandbox")
    return render(request, "testbed/applications.html", {"applications": rows})


@require_GET
@login_required
@role_required(Role.COORDINATOR)
def application(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Application, pk=pk)
    return render(request, "testbed/application.html", {"application": item})


@require_http_methods(["GET", "POST"])
@login_required
@role_required(Role.COORDINATOR)
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then approve (GET shows what approval does)."""
    item = get_object_or_404(Application, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.approve_application(actor=request.user, application=item)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            return redirect("testbed:application", pk=item.pk)
    return render(
        request,
        "testbed/approve.html",
        {"application": item, "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
@role_required(Role.COORDINATOR)
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the reason, confirm it, then decline."""
    item = get_object_or_404(Application, pk=pk)
    confirming = False
    status = 200
    if request.method == "POST":
        form = DeclineForm(request.POST)
        if form.is_valid() and request.POST.get("confirmed") == "1":
            try:
                services.decline_application(
                    actor=request.user, application=item, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
                status = 400
            else:
                return redirect("testbed:application", pk=item.pk)
        elif form.is_valid():
            confirming = True
        else:
            status = 400
    else:
        form = DeclineForm()
    return render(
        request,
        "testbed/decline.html",
        {"application": item, "form": form, "confirming": confirming},
        status=status,
    )


def company_required(view):
    """The company's own login, with the second factor done in this session."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}")
        company = Application.objects.filter(
            user=request.user, status=Application.Status.APPROVED
        ).first()
        if company is None:
            raise PermissionDenied
        if not authentication.has_second_factor(request):
            target = (
                "mfa_reauthenticate"
                if authentication.has_authenticator(request.user)
                else "mfa_activate_totp"
            )
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return view(request, company, *args, **kwargs)

    return wrapper


@require_GET
@company_required
def company(request: HttpRequest, application: Application) -> HttpResponse:
    sandbox = Sandbox.objects.filter(application=application).select_related("unit").first()
    return render(request, "testbed/company.html", {"application": application, "sandbox": sandbox})
