"""The accessibility statement (tillgänglighetsredogörelse, lag 2018:1937) and problem reports.

Public: reachable without logging in and before the second factor (a person who cannot get
through the login must still be able to read the statement and report the problem).
"""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import services
from .forms import ReportForm

# The last self-assessment of the service (see "How we tested" on the statement page).
ASSESSED_ON = datetime.date(2026, 12, 4)
UPDATED_ON = datetime.date(2026, 12, 4)
# DIGG's form for reporting a public body's digital service.
DIGG_REPORT_URL = "https://www.digg.se/tdosanmalan"


def _page(request: HttpRequest) -> str:
    return request.GET.get("page", "")[:500]


@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accessibility/statement.html",
        {
            "assessed_on": ASSESSED_ON,
            "updated_on": UPDATED_ON,
            "digg_report_url": DIGG_REPORT_URL,
            "page": _page(request),
        },
    )


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            if services.may_report(request):
                services.store_report(request, **form.cleaned_data)
                return redirect("accessibility:report_sent")
            form.add_error(
                None,
                _(
                    "Nothing was sent: many reports have come from your network in the last "
                    "hour. Try again later; what you wrote is still here."
                ),
            )
            status = 429
    else:
        form = ReportForm(initial={"page": _page(request)})
    return render(request, "accessibility/report.html", {"form": form}, status=status)


@require_GET
def report_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility/report_sent.html")
