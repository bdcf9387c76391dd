from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digifys.core.forms import parse_id

from . import selectors, services, topics
from .delivery import mask
from .forms import DeliveryPreferencesForm


def _safe_link(request: HttpRequest, link: str) -> str:
    """Return LINK if it stays on this site, else "" (links are stored text)."""
    allowed = url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return link if link and allowed else ""


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, unread first, a page at a time."""
    page = Paginator(
        selectors.notifications_for(request.user), settings.DIGIFYS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    items = [
        {"notification": n, "link": _safe_link(request, n.link), "unread": n.read_at is None}
        for n in page.object_list
    ]
    context = {
        "page": page,
        "items": items,
        "unread": selectors.unread_count(request.user),
        "next": request.get_full_path(),
    }
    template = "notifications/list.html#items" if request.htmx else "notifications/list.html"
    return render(request, template, context)


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    """Mark the given notifications read (field `ids`), or all of them; go back."""
    ids = [parse_id(value) for value in request.POST.getlist("ids")]
    if None in ids:
        return HttpResponseBadRequest(_("Choose notifications from the list."))
    changed = services.mark_read(actor=request.user, notification_ids=ids or None)
    if changed:
        messages.success(
            request,
            ngettext(
                "%(count)s notification marked as read.",
                "%(count)s notifications marked as read.",
                changed,
            )
            % {"count": changed},
        )
    target = request.POST.get("next", "")
    # Only paths on this site: redirect() would try other text as a URL pattern name (a 500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the page header (refreshed live)."""
    return render(
        request,
        "notifications/_header_badge.html#badge",
        {"unread": selectors.unread_count(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """How the user's notifications reach them: per topic e-mail, SMS or only in digifys."""
    audience = selectors.audience_of(request.user)
    form = DeliveryPreferencesForm(
        request.POST or None,
        audience=audience,
        initial=selectors.delivery_preferences(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_delivery_preferences(
                actor=request.user,
                channels=form.channels(),
                mobile=data["mobile"],
                quiet_from=data["quiet_from"],
                quiet_until=data["quiet_until"],
                time_zone=data.get("time_zone", ""),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "is_staff": audience == topics.STAFF,
            "staff_zone": selectors.staff_time_zone(request.user)
            if audience == topics.STAFF
            else "",
            "email": request.user.email,
        },
    )


def _log_rows(page) -> list[dict]:
    return [
        {"delivery": d, "to": mask(d.channel, d.to), "notification": d.notification}
        for d in page.object_list
    ]


@login_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    """The user's own delivery log: what was sent where, when, or why not."""
    page = Paginator(selectors.deliveries_for(request.user), settings.DIGIFYS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/deliveries.html", {"page": page, "rows": _log_rows(page)})


@login_required
@require_GET
def failed_deliveries(request: HttpRequest) -> HttpResponse:
    """Coordinators and administrators: e-mails and SMS that failed or were given up."""
    if not selectors.can_review_deliveries(request.user):
        raise PermissionDenied
    page = Paginator(selectors.failed_deliveries(), settings.DIGIFYS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "notifications/failed_deliveries.html", {"page": page, "rows": _log_rows(page)}
    )
