"""Access-log pages for coordinators: log reviews and extracts are the care provider's
administrative work (domain-spec §3.1), so every view here is for coordinators only.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.core.forms import add_service_errors
from digifys.core.routers import replica_reads
from digifys.residents.models import Resident

from . import abroad, documents, selectors, services
from .forms import CloseReviewForm, ExtractFilterForm, OutcomeForm, StartReviewForm
from .models import AuditEvent, LogReview, LogReviewItem

Action = AuditEvent.Action
Purpose = AuditEvent.Purpose


def _require_post(request: HttpRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


# --- Log review ------------------------------------------------------------------------------


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    """List the log reviews and start a new one."""
    require_role(request.user, Role.COORDINATOR)
    if request.method == "POST":
        form = StartReviewForm(request.POST)
        if form.is_valid():
            try:
                review = services.start_review(
                    actor=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                count = review.items.count()
                messages.success(
                    request,
                    ngettext(
                        "The review was started with %(count)d entry to check.",
                        "The review was started with %(count)d entries to check.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect("audit:review", pk=review.pk)
    else:
        form = StartReviewForm.for_last_month()
    context = {"form": form, "reviews": selectors.reviews()}
    return render(request, "audit/reviews.html", context, status=400 if form.errors else 200)


def _render_review(
    request: HttpRequest, review: LogReview, *, bound: OutcomeForm | None = None, bound_pk=None
) -> HttpResponse:
    items = list(selectors.review_items(review))
    reasons = selectors.stated_reasons([item.event for item in items])
    origins = selectors.session_origins([item.event for item in items])
    rows = [
        {
            "item": item,
            "stated_reason": reasons.get(item.event_id, ""),
            "origin": origins.get(item.event_id),
            "form": bound
            if item.pk == bound_pk
            else OutcomeForm(
                prefix=f"item-{item.pk}",
                initial={"outcome": "" if item.is_pending else item.outcome, "note": item.note},
            ),
        }
        for item in items
    ]
    shown = list({item.event.resident_id: item.event.resident for item in items}.values())
    if shown:
        # The page shows who the entries are about: that is a read of resident data too.
        services.record_many(
            actor=request.user,
            action=Action.READ,
            residents=shown,
            object_type="log_review",
            purpose=Purpose.REVIEW,
            request=request,
            details={"review": review.pk},
        )
    abroad_page = Paginator(selectors.sessions_abroad(review), settings.DIGIFYS_PAGE_SIZE).get_page(
        request.GET.get("abroad_page")
    )
    context = {
        "review": review,
        "rows": rows,
        "abroad_page": abroad_page,
        "pending": sum(1 for item in items if item.is_pending),
        "error_item": bound_pk if bound else None,
    }
    return render(request, "audit/review.html", context, status=400 if bound else 200)


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a review's selected entries with an outcome form for each."""
    require_role(request.user, Role.COORDINATOR)
    return _render_review(request, get_object_or_404(LogReview, pk=pk))


@login_required
def review_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the outcome for one entry of a review."""
    require_role(request.user, Role.COORDINATOR)
    if refused := _require_post(request):
        return refused
    item = get_object_or_404(LogReviewItem.objects.select_related("review"), pk=pk)
    form = OutcomeForm(request.POST, prefix=f"item-{item.pk}")
    if form.is_valid():
        try:
            services.record_outcome(
                actor=request.user, item=item, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The outcome was saved."))
            return redirect(f"{reverse('audit:review', args=[item.review_id])}#item-{item.pk}")
    return _render_review(request, item.review, bound=form, bound_pk=item.pk)


@login_required
def review_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a summary and close the review (refused while entries are pending)."""
    require_role(request.user, Role.COORDINATOR)
    review = get_object_or_404(selectors.reviews(), pk=pk)
    form = CloseReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_review(
                actor=request.user, review=review, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The review was closed."))
            return redirect("audit:review", pk=review.pk)
    context = {"review": review, "form": form}
    return render(request, "audit/review_close.html", context, status=400 if form.errors else 200)


# --- Resident log extract (loggutdrag) -------------------------------------------------------


def _extract_request(request: HttpRequest, pk: int):
    """Return (resident, filter form, period text, entries) for a coordinator's extract request."""
    require_role(request.user, Role.COORDINATOR)
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=pk)
    form = ExtractFilterForm(request.GET or None)
    since = until = None
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    entries = selectors.extract_for(resident, since=since, until=until)
    return resident, form, _period_text(since, until), entries


def _period_text(since, until) -> str:
    if since and until:
        return f"{since:%Y-%m-%d} – {until:%Y-%m-%d}"
    if since:
        return _("From %(date)s") % {"date": f"{since:%Y-%m-%d}"}
    if until:
        return _("Until %(date)s") % {"date": f"{until:%Y-%m-%d}"}
    return _("All entries")


def _record_extract(
    request: HttpRequest,
    resident,
    *,
    action: str,
    fmt: str,
    period: str,
    abroad: dict | None = None,
) -> None:
    services.record(
        actor=request.user,
        action=action,
        resident=resident,
        object_type="log_extract",
        object_id=resident.pk,
        purpose=Purpose.PATIENT_REQUEST,
        request=request,
        details={"format": fmt, "period": period, **(abroad or {})},
    )


def _download_gate(request: HttpRequest, resident, *, document: str) -> abroad.Gate:
    """Ask staff working abroad for the download's purpose, or refuse it (audit.abroad)."""
    back = reverse("audit:extract", args=[resident.pk])
    if request.GET:
        back += "?" + request.GET.urlencode()
    return abroad.check_download(
        request,
        document=document,
        back_url=back,
        resident=resident,
        object_type="log_extract",
        object_id=resident.pk,
    )


@login_required
def extract(request: HttpRequest, pk: int) -> HttpResponse:
    """Show who accessed a resident's data (loggutdrag), newest first."""
    resident, form, period, entries = _extract_request(request, pk)
    # Logged first, so the extract shows its own reading too.
    _record_extract(request, resident, action=Action.READ, fmt="html", period=period)
    page = Paginator(entries, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "resident": resident,
        "form": form,
        "period": period,
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "audit/extract.html", context)


def _download(content, *, resident, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = f"access-log-{resident.pk}-{timezone.localdate():%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def extract_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the resident's log extract as CSV."""
    resident, _form, period, entries = _extract_request(request, pk)
    gate = _download_gate(request, resident, document=_("Access log extract (CSV)"))
    if gate.response is not None:
        return gate.response
    # The access check above ran on the primary; the entries may come from the replica.
    with replica_reads():
        content = documents.extract_csv(entries.iterator())
    _record_extract(
        request, resident, action=Action.EXPORT, fmt="csv", period=period, abroad=gate.details
    )
    return _download(
        content, resident=resident, content_type="text/csv; charset=utf-8", extension="csv"
    )


@login_required
def extract_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the resident's log extract as PDF."""
    resident, _form, period, entries = _extract_request(request, pk)
    gate = _download_gate(request, resident, document=_("Access log extract (PDF)"))
    if gate.response is not None:
        return gate.response
    with replica_reads():
        content = documents.extract_pdf(
            entries.iterator(),
            resident=resident,
            period=period,
            produced_by=request.user.get_full_name() or request.user.get_username(),
        )
    _record_extract(
        request, resident, action=Action.EXPORT, fmt="pdf", period=period, abroad=gate.details
    )
    return _download(content, resident=resident, content_type="application/pdf", extension="pdf")
