from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import LanguageForm


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
    return render(request, "accounts/preferences.html", {"form": form})
