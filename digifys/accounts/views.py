from allauth.account import views as allauth_views
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import views as totp_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from digifys.notifications.selectors import can_review_deliveries

from . import authentication, services
from .forms import DemoLoginForm, EnrolmentCodeForm, LanguageForm
from .models import User


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _remember_language(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; saved on the account for logged-in users, else in a cookie."""
    form = LanguageForm(request.POST)
    response = HttpResponseRedirect(_safe_next(request))
    if not form.is_valid():
        messages.error(request, _("Choose one of the offered languages."))
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.set_preferred_language(actor=request.user, language=language)
    return _remember_language(response, language)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Show and save the user's preferences."""
    if request.method == "POST":
        form = LanguageForm(request.POST)
        if form.is_valid():
            services.set_preferred_language(
                actor=request.user, language=form.cleaned_data["language"]
            )
            translation.activate(form.cleaned_data["language"])
            messages.success(request, _("Your preferences were saved."))
            response = HttpResponseRedirect(reverse("accounts:preferences"))
            return _remember_language(response, form.cleaned_data["language"])
    else:
        form = LanguageForm(initial={"language": request.user.language or request.LANGUAGE_CODE})
    return render(
        request,
        "accounts/preferences.html",
        {
            "form": form,
            "can_issue_enrolment_codes": services.can_issue_enrolment_codes(request.user),
            "can_review_deliveries": can_review_deliveries(request.user),
        },
    )


def _demo_logins() -> list:
    from .demo import demo_logins  # reads clinical apps' models; only the demo needs them

    return demo_logins()


class LoginView(allauth_views.LoginView):
    """allauth's login page, plus the demo personas when DIGIFYS_DEMO is on."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["demo_logins"] = _demo_logins() if settings.DEMO else []
        return context


login = LoginView.as_view()


class ActivateTOTPView(totp_views.ActivateTOTPView):
    """allauth's TOTP setup; the valid code entered also completes this session's second step."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        authenticator = Authenticator.objects.get(
            user=self.request.user, type=Authenticator.Type.TOTP
        )
        authentication.record_activated_authenticator(self.request, authenticator)
        return response


activate_totp = ActivateTOTPView.as_view()


@require_POST
def demo_login(request: HttpRequest) -> HttpResponse:
    """Demo only: log in as one of the synthetic region's personas without password or TOTP."""
    if not settings.DEMO:
        raise Http404
    form = DemoLoginForm(request.POST)
    if not form.is_valid():
        raise Http404
    usernames = {persona.username for persona in _demo_logins()}
    if form.cleaned_data["username"] not in usernames:
        raise Http404
    user = get_object_or_404(User, username=form.cleaned_data["username"], is_active=True)
    auth_login(request, user, backend="digifys.accounts.backends.ModelBackend")
    authentication.record_demo_login(request, user)
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_codes(request: HttpRequest) -> HttpResponse:
    """Coordinators and administrators: staff without an authenticator app, and issuing codes.

    A code is shown once, on the answer to the POST that issued it (never stored in plain text).
    """
    if not services.can_issue_enrolment_codes(request.user):
        raise PermissionDenied
    issued = None
    form = EnrolmentCodeForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["user"]
        try:
            code = services.issue_enrolment_code(actor=request.user, user=user, request=request)
        except (PermissionDenied, ValidationError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            form.add_error("user", text)
        else:
            issued = {"user": user, "code": code}
    response = render(
        request,
        "accounts/enrolment_codes.html",
        {
            "form": form,
            "issued": issued,
            "waiting": form.fields["user"].queryset,
            "hours": settings.TOTP_ENROLMENT_CODE_HOURS,
        },
    )
    add_never_cache_headers(response)  # the page may show a code
    return response
