"""The testbed's pages: the public page and application form, the coordinators' decisions, and
the company's own page. Company pages need the company's login with its second factor done."""

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digifys.accounts import authentication
from digifys.accounts.decorators import role_required
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.fhir.models import ApiClient, DeliveryAttempt, SmartClient, Subscription
from digifys.worklist import selectors as worklist_selectors

from . import documents, report, services
from .forms import ApplicationForm, ClientForm, DeclineForm, KeyClientForm
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


def _sandbox(application: Application) -> Sandbox | None:
    return Sandbox.objects.filter(application=application).select_related("unit").first()


@require_http_methods(["GET", "POST"])
@company_required
def clients(request: HttpRequest, application: Application) -> HttpResponse:
    """The company's API clients; a new one's token is shown once, on this answer only."""
    sandbox = _sandbox(application)
    form = ClientForm(request.POST or None)
    token = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _client, token = services.create_client(
                    actor=request.user, application=application, name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
                status = 400
            else:
                form = ClientForm()
        else:
            status = 400
    rows = (
        ApiClient.objects.filter(user=sandbox.device_user)
        if sandbox and sandbox.device_user_id
        else ApiClient.objects.none()
    )
    return render(
        request,
        "testbed/clients.html",
        {
            "application": application,
            "sandbox": sandbox,
            "form": form,
            "token": token,
            "clients": rows,
        },
        status=status,
    )


def _company_client(application: Application, pk: int) -> ApiClient:
    sandbox = _sandbox(application)
    if sandbox is None or sandbox.device_user_id is None:
        raise Http404
    return get_object_or_404(ApiClient, pk=pk, user=sandbox.device_user)


@require_http_methods(["GET", "POST"])
@company_required
def revoke(request: HttpRequest, application: Application, pk: int) -> HttpResponse:
    """Confirm, then revoke a client's token."""
    client = _company_client(application, pk)
    if request.method == "POST":
        services.revoke_client(actor=request.user, application=application, client=client)
        return redirect("testbed:clients")
    return render(request, "testbed/revoke.html", {"client": client})


@require_GET
@company_required
def deliveries(request: HttpRequest, application: Application) -> HttpResponse:
    """The company's subscriptions (their status: `error` after repeated failures) and the
    delivery log of their notifications, newest first, page by page."""
    sandbox = _sandbox(application)
    device_user = sandbox.device_user_id if sandbox else None
    rows = Subscription.objects.filter(client__user_id=device_user, deleted_at__isnull=True)
    attempts = (
        DeliveryAttempt.objects.filter(notification__subscription__client__user_id=device_user)
        .select_related("notification__subscription__client")
        .order_by("-at", "-pk")
    )
    page = Paginator(attempts, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "testbed/deliveries.html",
        {
            "subscriptions": rows.select_related("client") if device_user else [],
            "page": page if device_user else None,
        },
    )


@require_http_methods(["GET", "POST"])
@company_required
def keys(request: HttpRequest, application: Application) -> HttpResponse:
    """The company's key clients (SMART Backend Services): register one with its public keys
    (pasted JWKS or a jwks_uri); refused input keeps what was typed."""
    sandbox = _sandbox(application)
    form = KeyClientForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.create_key_client(
                    actor=request.user,
                    application=application,
                    name=form.cleaned_data["name"],
                    jwks=form.cleaned_data["jwks"],
                    jwks_uri=form.cleaned_data["jwks_uri"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
                status = 400
            else:
                form = KeyClientForm()
        else:
            status = 400
    return render(
        request,
        "testbed/keys.html",
        {
            "form": form,
            "created": created,
            "clients": services.key_clients(sandbox),
            "token_url": request.build_absolute_uri(reverse("oauth:token")),
            "scopes": services.KEY_CLIENT_SCOPES,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@company_required
def key_revoke(request: HttpRequest, application: Application, pk: int) -> HttpResponse:
    """Confirm, then remove a key client and its tokens."""
    client = get_object_or_404(services.key_clients(_sandbox(application)), pk=pk)
    if request.method == "POST":
        services.revoke_key_client(actor=request.user, application=application, client=client)
        return redirect("testbed:keys")
    return render(request, "testbed/key_revoke.html", {"client": client})


@require_GET
@company_required
def log(request: HttpRequest, application: Application) -> HttpResponse:
    """The last requests of the company's clients."""
    sandbox = _sandbox(application)
    entries = (
        report.requests_of(sandbox).select_related("client", "key_client__application")[:200]
        if sandbox and sandbox.device_user_id
        else []
    )
    return render(request, "testbed/log.html", {"entries": entries})


KEY_CHOICE = "key-"  # the report's client choice of a key client: key-<SmartClient pk>


def _report_for(request, application):
    """The sandbox, the client chosen (?client=<ApiClient pk> or key-<SmartClient pk>), and the
    report; another company's client is not found."""
    sandbox = _sandbox(application)
    if sandbox is None or sandbox.device_user_id is None:
        raise Http404
    client = None
    choice = request.GET.get("client", "")
    if choice.isdigit():
        client = _company_client(application, int(choice))
    elif choice.startswith(KEY_CHOICE) and choice.removeprefix(KEY_CHOICE).isdigit():
        client = get_object_or_404(
            services.key_clients(sandbox), pk=int(choice.removeprefix(KEY_CHOICE))
        )
    return sandbox, client, report.build(sandbox, client=client)


def _choice(client) -> str:
    if client is None:
        return ""
    return f"{KEY_CHOICE}{client.pk}" if isinstance(client, SmartClient) else str(client.pk)


@require_GET
@company_required
def conformance(request: HttpRequest, application: Application) -> HttpResponse:
    sandbox, client, result = _report_for(request, application)
    return render(
        request,
        "testbed/conformance.html",
        {
            "application": application,
            "client": client,
            "choice": _choice(client),
            "report": result,
            "choices": [
                (
                    _("API clients"),
                    [
                        (str(c.pk), c.name)
                        for c in ApiClient.objects.filter(user=sandbox.device_user)
                    ],
                ),
                (
                    _("Key clients (SMART)"),
                    [
                        (f"{KEY_CHOICE}{c.pk}", c.application.name)
                        for c in services.key_clients(sandbox).order_by("application__name")
                    ],
                ),
            ],
        },
    )


@require_GET
@company_required
def conformance_pdf(request: HttpRequest, application: Application) -> HttpResponse:
    _sandbox_row, client, result = _report_for(request, application)
    pdf = documents.report_pdf(
        result,
        company=application.company,
        client_name=str(client) if client else _("All clients"),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="conformance-report.pdf"'
    return response


@require_GET
@company_required
def live(request: HttpRequest, application: Application) -> HttpResponse:
    """The sandbox unit's worklist, read-only: what the device data became in the product."""
    sandbox = _sandbox(application)
    if sandbox is None or sandbox.status != Sandbox.Status.READY:
        return render(request, "testbed/live.html", {"worklist": None})
    worklist = worklist_selectors.unit_worklist(unit=sandbox.unit, user=sandbox.device_user)
    audit.record_many(
        actor=request.user,
        action="read",
        residents=[row.resident for row in worklist.rows],
        object_type="unit_worklist",
        request=request,
    )
    return render(
        request,
        "testbed/live.html",
        {"worklist": worklist, "unit": sandbox.unit, "query": "", "search_query": ""},
    )


@require_http_methods(["GET", "POST"])
@company_required
def reset(request: HttpRequest, application: Application) -> HttpResponse:
    """Confirm, then queue a reset of the sandbox (the task worker runs it; the company page
    shows its progress). Refused while a reset is under way."""
    error = None
    if request.method == "POST":
        try:
            services.request_reset(actor=request.user, application=application)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            return redirect("testbed:company")
    return render(
        request,
        "testbed/reset.html",
        {"error": error, "sandbox": _sandbox(application)},
        status=400 if error else 200,
    )
