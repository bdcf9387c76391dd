"""Vital signs on a weak link (issue #17 §1): the service worker, the offline form and the sync.

The service worker (`/sw.js`, scope `/`) keeps the worklist, the vital-signs forms and their static
files, so they open with no connection. A set saved offline waits in the browser (IndexedDB, see
static/vitals/outbox.js) with an idempotency key, and `sync` stores it when the link returns: each
key makes one observation at most (`services.record_observation_once`), a resident the user may no
longer see is refused with a message, and the answer carries the unit's escalation response.
"""

import datetime
import json
import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from digifys.accounts.decorators import require_role
from digifys.residents.models import Resident

from . import news2, services
from .forms import VITAL_FIELDS, VitalsForm
from .views import _limitations, _log_read, frequency_text

# The form fields an offline entry carries (strings, as typed).
ENTRY_FIELDS = (*VITAL_FIELDS, "spo2_scale", "note", "measured_at")
# Static files the offline pages need, fetched when the service worker installs.
OFFLINE_STATIC = (
    "digifys/app.css",
    "digifys/live.js",
    "digifys/tables.js",
    "django_htmx/htmx-2.min.js",
    "vitals/offline.css",
    "vitals/news2.js",
    "vitals/outbox.js",
    "vitals/offline.js",
)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, served from the site root so that its scope is the whole site.

    It holds no data of its own (the pages it keeps are fetched with the user's session), so it
    is served to everyone; the browser re-checks it on each visit (no-store).
    """
    urls = {
        "static": [static(path) for path in OFFLINE_STATIC],
        "shell": reverse("vitals:offline_form"),
        "catalog": reverse("javascript-catalog"),
        "login": reverse("accounts:login"),
        "logout": reverse("accounts:logout"),
        "static_prefix": static(""),
    }
    # The script changes whenever a file it keeps changes name (hashed names in production), so
    # browsers install the new worker and drop the old caches.
    context = {"urls": mark_safe(json.dumps(urls))}  # noqa: S308 - our own URLs, JSON-encoded
    response = render(request, "vitals/sw.js", context, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


@login_required
@require_GET
def offline_form(request: HttpRequest) -> HttpResponse:
    """The vital-signs form with no resident in it: the service worker shows it offline.

    It names no one (the page's script fills in the resident from the worklist kept on the
    tablet), so it writes no access-log entry; it is kept by the service worker at install.
    """
    require_role(request.user, *services.RECORDING_ROLES)
    context = {"form": VitalsForm(), "news2_client": news2.client_table()}
    return render(request, "vitals/offline_form.html", context)


def _refused(message: str, *, status: int, errors: list[str] | None = None) -> JsonResponse:
    return JsonResponse(
        {"status": "refused", "message": message, "errors": errors or []}, status=status
    )


def _measured_at(form_value, saved_at) -> datetime.datetime | None:
    """The time typed, else the time the entry was saved on the tablet (ISO 8601 with offset)."""
    if form_value is not None:
        return form_value
    try:
        when = datetime.datetime.fromisoformat(str(saved_at))
    except ValueError:
        return None
    return when if timezone.is_aware(when) else None


@login_required
@require_POST
def sync(request: HttpRequest) -> JsonResponse:
    """Store one entry of the offline outbox, once per idempotency key; answer in JSON."""
    require_role(request.user, *services.RECORDING_ROLES)
    try:
        if request.content_type != "application/json":
            raise ValueError("not JSON")
        payload = json.loads(request.body)
        key = uuid.UUID(str(payload["key"]))
        resident_pk = int(payload["resident"])
        values = payload.get("values") or {}
        if not isinstance(values, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return _refused(_("The entry could not be read. Enter the vital signs again."), status=400)
    resident = (
        Resident.objects.visible_to(request.user)
        .select_related("unit__parent")
        .filter(pk=resident_pk)
        .first()
    )
    if resident is None:
        return _refused(
            _(
                "Not sent: you may no longer see this resident (moved to another unit, or your "
                "access has changed). Nothing was saved. The entry stays on this tablet: pass "
                "the values on to the resident's unit, then remove it."
            ),
            status=403,
        )
    decision = services.scale2_decision_for(resident)
    data = {name: str(values.get(name) or "") for name in ENTRY_FIELDS}
    form = VitalsForm(data, scale2_decision=decision)
    errors: list[str] = []
    if form.is_valid():
        arguments = form.service_arguments()
        arguments["measured_at"] = _measured_at(arguments["measured_at"], payload.get("saved_at"))
        try:
            once = services.record_observation_once(
                actor=request.user,
                resident=resident,
                idempotency_key=key,
                request=request,
                **arguments,
            )
        except ValidationError as exc:
            errors = [message for messages in _messages(exc) for message in messages]
    else:
        errors = [f"{form.fields[name].label}: {' '.join(e)}" for name, e in form.errors.items()]
    if errors:
        return _refused(
            _("Not saved: correct the values and enter them again."), status=422, errors=errors
        )
    observation = once.observation
    response = services.response_for(observation)
    _log_read(request, resident, "observation", observation.pk)
    html = render_to_string(
        "vitals/_synced.html",
        {
            "resident": resident,
            "observation": observation,
            "response": response,
            "limitations": _limitations(request, resident),
            "frequency": frequency_text(response.rule.monitor_every_minutes)
            if response.rule
            else "",
        },
        request=request,
    )
    return JsonResponse(
        {
            "status": "saved" if once.created else "already_saved",
            "observation": observation.pk,
            "url": reverse("vitals:result", args=[observation.pk]),
            "news2_total": observation.news2_total,
            "call_112": bool(response.rule and response.rule.call_112),
            # The unit's table asks for more than the routine: call 112 or send an SBAR.
            "needs_action": bool(
                response.rule and (response.rule.call_112 or response.prompts_consult)
            ),
            "html": html,
        }
    )


def _messages(exc: ValidationError) -> list[list[str]]:
    if hasattr(exc, "message_dict"):
        return [
            [
                f"{VitalsForm.base_fields[name].label}: {m}"
                if name in VitalsForm.base_fields
                else m
                for m in messages
            ]
            for name, messages in exc.message_dict.items()
        ]
    return [list(exc.messages)]
