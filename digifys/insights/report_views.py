"""The monthly report on the figures page (issue #16 §2): download it, subscribe to it by e-mail.

`/insights/figures/report/?level=…&key=…&month=YYYY-MM` returns the PDF of a month (default last
month); `…/report/subscribe/` and `…/report/unsubscribe/` (POST, the level and key in the query
string) start and stop the e-mail on the 1st. All three use the figures page's access rule
(`figure_views._scope`), so a manager gets only what that page would show them.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from digifys.core.time import STOCKHOLM

from . import report_services
from .figure_views import _scope
from .report import monthly_report, previous_month

MONTHS_OFFERED = 24


def months_offered(today: datetime.date) -> list[datetime.date]:
    """The complete months a report can be downloaded for, newest first."""
    months = [previous_month(today)]
    while len(months) < MONTHS_OFFERED:
        months.append(previous_month(months[-1]))
    return months


def _today() -> datetime.date:
    return timezone.now().astimezone(STOCKHOLM).date()


def _back(level: str, key: int) -> HttpResponse:
    return redirect(f"{reverse('insights:figures')}?{urlencode({'level': level, 'key': key})}")


@login_required
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    level, key, _title, purpose, _allowed = _scope(request)
    offered = months_offered(_today())
    text = request.GET.get("month", "")
    chosen = next((m for m in offered if m.strftime("%Y-%m") == text), None)
    if text and chosen is None:
        messages.error(
            request,
            _("Choose one of the last %(n)s complete months for the report.")
            % {"n": MONTHS_OFFERED},
        )
        return _back(level, key)
    month = chosen or offered[0]
    pdf = monthly_report(level, key, month, translation.get_language())
    report_services.record_report(
        actor=request.user,
        level=level,
        key=key,
        month=month,
        purpose=purpose,
        via="download",
        request=request,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{_('monthly-report')}-{level}-{key}-{month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    level, key, title, _purpose, _allowed = _scope(request)
    report_services.subscribe(
        actor=request.user, level=level, key=key, language=translation.get_language()
    )
    messages.success(
        request,
        _(
            "You will get the monthly report of %(name)s by e-mail on the 1st of every month, "
            "for the month before."
        )
        % {"name": title},
    )
    if not request.user.email:
        messages.warning(
            request,
            _("Your account has no e-mail address. Ask an administrator to add one."),
        )
    return _back(level, key)


@login_required
@require_POST
def unsubscribe(request: HttpRequest) -> HttpResponse:
    level, key, title, _purpose, _allowed = _scope(request)
    if report_services.unsubscribe(actor=request.user, level=level, key=key):
        messages.success(
            request,
            _("You will no longer get the monthly report of %(name)s by e-mail.") % {"name": title},
        )
    else:
        messages.info(
            request, _("You did not get the monthly report of %(name)s.") % {"name": title}
        )
    return _back(level, key)


def panel_context(user, level: str, key: int) -> dict:
    """What the figures page's report section shows for USER at LEVEL's KEY."""
    from .models import ReportSubscription

    offered = months_offered(_today())
    return {
        "report_level": level,
        "report_key": key,
        "report_query": urlencode({"level": level, "key": key}),
        "report_months": [
            (m.strftime("%Y-%m"), date_format(m, "YEAR_MONTH_FORMAT")) for m in offered
        ],
        "report_subscribed": ReportSubscription.objects.filter(
            user=user, level=level, key=key
        ).exists(),
    }
