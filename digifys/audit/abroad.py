"""Staff working from abroad (issue #17 §6; domain-spec §3.6).

Rules enforced here:
- every staff login records where the person works from that day (`workforce.location.place_of`:
  the staff profile's work country and city, or an approved period of work elsewhere) and the
  client address, as a `StaffSession`; the coordinator sees it in the access-log review;
- a staff member working outside `HOME_COUNTRY` states a purpose before each download of an
  extract or a PDF; the purpose and the country go into the download's access-log entry (as its
  `reason`, which the log review shows);
- roles listed in `DOWNLOADS_ABROAD_REFUSED_ROLES` may not download them at all from abroad: the
  download is refused with a message saying why, and the refusal is logged.
"""

from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import StaffProfile
from digifys.workforce.location import Place, place_of

from . import services
from .models import AuditEvent, StaffSession, country_label

PURPOSE_MAX_CHARS = 500


def _staff_profile(user) -> StaffProfile | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def place_abroad(user) -> Place | None:
    """Return where USER works today if that is outside HOME_COUNTRY, else None (also non-staff)."""
    profile = _staff_profile(user)
    if profile is None:
        return None
    place = place_of(profile)
    return place if place.country != settings.HOME_COUNTRY else None


def record_session(*, user, request: HttpRequest | None) -> StaffSession | None:
    """Record where a staff member works from as they log in (nothing for relatives)."""
    profile = _staff_profile(user)
    if profile is None:
        return None
    place = place_of(profile)
    return StaffSession.objects.create(
        user=user,
        started_at=timezone.now(),
        country=place.country,
        city=place.city[:100],
        ip_address=services.client_ip(request),
    )


def record_session_at_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver (connected in apps.py)."""
    record_session(user=user, request=request)


# --- Downloads ---------------------------------------------------------------------------------


class DownloadPurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the download"),
        max_length=PURPOSE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you need this file where you are. It is saved in the access log."),
        error_messages={"required": _("Say why you need the file: it is required from abroad.")},
    )


@dataclass(frozen=True)
class Gate:
    """The outcome of `check_download`: a response to return instead, or details to log."""

    response: HttpResponse | None = None
    details: dict = field(default_factory=dict)


def check_download(
    request: HttpRequest,
    *,
    document: str,
    back_url: str,
    resident=None,
    object_type: str,
    object_id="",
) -> Gate:
    """Decide a download of DOCUMENT (a translated description) by REQUEST's user.

    BACK_URL is the page the download is offered on (the form's Cancel and the refusal's link).

    At home: go ahead, nothing to add. Abroad: refused for the roles the region switched off
    (logged); otherwise the purpose form until a purpose is posted, then go ahead with the country
    and the purpose to add to the download's access-log entry.
    """
    place = place_abroad(request.user)
    if place is None:
        return Gate()
    role = request.user.role
    context = {"document": document, "country": country_label(place.country), "back_url": back_url}
    if role is not None and role.value in settings.DOWNLOADS_ABROAD_REFUSED_ROLES:
        services.record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            resident=resident,
            object_type=object_type,
            object_id=object_id,
            purpose=AuditEvent.Purpose.ADMINISTRATION,
            request=request,
            details={"abroad": place.country, "refused": True},
        )
        return Gate(response=render(request, "audit/download_refused.html", context, status=403))
    form = DownloadPurposeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        return Gate(details={"abroad": place.country, "reason": form.cleaned_data["purpose"]})
    context |= {"form": form, "action": request.get_full_path()}
    status = 400 if form.is_bound else 200
    return Gate(response=render(request, "audit/download_purpose.html", context, status=status))
