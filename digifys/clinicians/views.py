"""Pages of the clinician register (coordinators) and of the countersignature queue (physicians)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digifys.accounts.decorators import role_required
from digifys.accounts.models import Role
from digifys.audit import abroad
from digifys.audit import services as audit
from digifys.core.forms import add_service_errors
from digifys.directory.models import StaffProfile

from . import rules, selectors, services, supervision
from .forms import (
    ClinicianForm,
    ConfirmForm,
    DocumentForm,
    LanguageForm,
    ReturnForm,
    TickForm,
    WorkPlaceForm,
)
from .models import ChecklistTick, Clinician, ClinicianDocument

ACTION_LABELS = {
    rules.NAMED: gettext_lazy("Be named physician or deputy"),
    rules.SIGN_NOTE: gettext_lazy("Sign journal notes"),
    rules.PLACE_ORDERS: gettext_lazy("Place orders"),
    rules.MEDICATION_REVIEW: gettext_lazy("Document medication reviews"),
}


def _clinician_for(user, pk: int) -> Clinician:
    """The register entry PK for a coordinator, or for the clinician themself; else 404/403."""
    clinician = get_object_or_404(
        Clinician.objects.select_related("staff__user", "supervisor__user", "employer"), pk=pk
    )
    if user.role != Role.COORDINATOR and clinician.staff.user_id != user.pk:
        raise PermissionDenied
    return clinician


@login_required
@role_required(Role.COORDINATOR)
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """The register: search and filter, who is blocked and why, physicians not yet entered."""
    q = request.GET.get("q", "").strip()[:100]
    recruitment = request.GET.get("recruitment", "")
    licence = request.GET.get("licence", "")
    rows = selectors.clinicians(q=q, recruitment=recruitment, licence=licence)
    page = Paginator(rows, settings.DIGIFYS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(
        {k: v for k, v in (("q", q), ("recruitment", recruitment), ("licence", licence)) if v}
    )
    context = {
        "page": page,
        "q": q,
        "recruitment": recruitment,
        "licence": licence,
        "recruitments": Clinician.Recruitment.choices,
        "licences": Clinician.Licence.choices,
        "query": query,
        "blocked": [
            (clinician, [(ACTION_LABELS[a], reason) for a, reason in reasons.items()])
            for clinician, reasons in selectors.blocked(
                selectors.clinicians().exclude(recruitment_status=Clinician.Recruitment.LEFT)
            )
        ],
        "not_entered": selectors.physicians_not_in_register(),
    }
    return render(request, "clinicians/register.html", context)


def _detail_context(request, clinician: Clinician, **forms) -> dict:
    ticks = {tick.step: tick for tick in clinician.ticks.select_related("ticked_by")}
    coordinator = request.user.role == Role.COORDINATOR
    return {
        "clinician": clinician,
        "staff": clinician.staff,
        "coordinator": coordinator,
        "blocked": [
            (ACTION_LABELS[a], reason)
            for a, reason in rules.blocked_actions(clinician.staff).items()
        ],
        "supervised": rules.under_supervision(clinician.staff),
        "licence_valid": rules.licence_valid(clinician.staff),
        "languages": clinician.languages.all(),
        "documents": clinician.documents.select_related("uploaded_by"),
        "steps": [(value, label, ticks.get(value)) for value, label in ChecklistTick.Step.choices],
        "checks": clinician.checks.all()[:10],
        "document_form": forms.get("document_form") or DocumentForm(),
        "language_form": forms.get("language_form") or LanguageForm(prefix="language"),
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One clinician: status, licence, languages, documents, checklist, licence checks."""
    clinician = _clinician_for(request.user, pk)
    return render(request, "clinicians/detail.html", _detail_context(request, clinician))


@login_required
@role_required(Role.COORDINATOR)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a register entry (and the work place and time zone on the staff profile)."""
    clinician = _clinician_for(request.user, pk)
    staff = clinician.staff
    data = request.POST if request.method == "POST" else None
    form = ClinicianForm(data, instance=clinician)
    place = WorkPlaceForm(
        data, prefix="place", initial={"work_city": staff.work_city, "time_zone": staff.time_zone}
    )
    if request.method == "POST" and form.is_valid() and place.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            with transaction.atomic():
                services.update_clinician(
                    actor=request.user, clinician=clinician, changes=changes, request=request
                )
                staff.work_city = place.cleaned_data["work_city"]
                staff.time_zone = place.cleaned_data["time_zone"]
                staff.save(update_fields=["work_city", "time_zone"])
        except ValidationError as exc:
            clinician.refresh_from_db()
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The register entry was saved."))
            return redirect("clinicians:detail", pk=clinician.pk)
    status = 400 if request.method == "POST" else 200
    context = {"clinician": clinician, "form": form, "place": place}
    return render(request, "clinicians/edit.html", context, status=status)


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def enter(request: HttpRequest, staff_pk: int) -> HttpResponse:
    """Put a physician who is not yet in the register into it."""
    staff = get_object_or_404(StaffProfile, pk=staff_pk, profession=Role.PHYSICIAN)
    clinician = services.enter_clinician(actor=request.user, staff=staff, request=request)
    messages.success(request, _("%(name)s is now in the register.") % {"name": staff.name})
    return redirect("clinicians:edit", pk=clinician.pk)


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def language(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a language and its CEFR level."""
    clinician = _clinician_for(request.user, pk)
    form = LanguageForm(request.POST, prefix="language")
    if form.is_valid():
        try:
            services.set_language(
                actor=request.user, clinician=clinician, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The language level was saved."))
            return redirect("clinicians:detail", pk=clinician.pk)
    context = _detail_context(request, clinician, language_form=form)
    return render(request, "clinicians/detail.html", context, status=400)


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload one PDF document (type and size checked)."""
    clinician = _clinician_for(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(
                actor=request.user,
                clinician=clinician,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                expires_on=form.cleaned_data["expires_on"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The document was uploaded."))
            return redirect("clinicians:detail", pk=clinician.pk)
    context = _detail_context(request, clinician, document_form=form)
    return render(request, "clinicians/detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """Stream a document to a coordinator or its clinician (never via MEDIA_URL).

    Staff working abroad state a purpose first (a POST of the purpose form), or are refused when
    the region switched such downloads off for their role (audit.abroad).
    """
    doc = get_object_or_404(ClinicianDocument.objects.select_related("clinician__staff"), pk=pk)
    _clinician_for(request.user, doc.clinician_id)
    gate = abroad.check_download(
        request,
        document=_("Document %(name)s (PDF)") % {"name": doc.get_kind_display()},
        back_url=reverse("clinicians:detail", args=[doc.clinician_id]),
        object_type="clinician_document",
        object_id=doc.pk,
    )
    if gate.response is not None:
        return gate.response
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit.record(
        actor=request.user,
        action=audit.Action.READ,
        object_type="clinician_document",
        object_id=doc.pk,
        purpose=audit.Purpose.ADMINISTRATION,
        request=request,
        details=gate.details,
    )
    response = FileResponse(handle, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="document-{doc.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def tick(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick or untick one onboarding step."""
    clinician = _clinician_for(request.user, pk)
    form = TickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step of the checklist."))
        return redirect("clinicians:detail", pk=clinician.pk)
    try:
        services.tick_step(
            actor=request.user, clinician=clinician, request=request, **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        label = ChecklistTick.Step(form.cleaned_data["step"]).label
        if form.cleaned_data["done"]:
            messages.success(request, _("Ticked: %(step)s.") % {"step": label})
        else:
            messages.success(request, _("No longer ticked: %(step)s.") % {"step": label})
    return redirect("clinicians:detail", pk=clinician.pk)


# --- Countersignature --------------------------------------------------------------------------


@login_required
@role_required(Role.PHYSICIAN)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """A supervisor's drafts to countersign by deadline, and a supervised clinician's own drafts."""
    waiting = list(selectors.queue_for(request.user))
    sent = list(selectors.sent_by(request.user)[:50])
    residents = list({d.resident_id: d.resident for d in waiting + sent}.values())
    if residents:
        audit.record_read(
            actor=request.user,
            residents=residents,
            object_type="countersign_queue",
            request=request,
        )
    context = {"waiting": waiting, "sent": sent}
    return render(request, "clinicians/queue.html", context)


def _render_draft(request, draft, *, status: int = 200, **forms) -> HttpResponse:
    """The draft page; showing it is a read of the resident's data (logged)."""
    audit.record_read(
        actor=request.user,
        residents=[draft.resident],
        object_type="supervised_draft",
        object_id=draft.pk,
        request=request,
    )
    context = {
        "draft": draft,
        "content": selectors.draft_content(draft),
        "is_supervisor": draft.supervisor.user_id == request.user.pk,
        "confirm_form": forms.get("confirm_form") or ConfirmForm(prefix="sign"),
        "return_form": forms.get("return_form") or ReturnForm(prefix="return"),
    }
    return render(request, "clinicians/draft.html", context, status=status)


def _draft_or_404(request, pk: int):
    draft = selectors.draft_for(request.user, pk)
    if draft is None:
        raise Http404
    return draft


@login_required
@role_required(Role.PHYSICIAN)
@require_GET
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    """One draft: its content, and for the supervisor the countersign and return forms."""
    return _render_draft(request, _draft_or_404(request, pk))


@login_required
@role_required(Role.PHYSICIAN)
@require_POST
def countersign(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor countersigns a draft (after confirming): it takes effect."""
    found = _draft_or_404(request, pk)
    form = ConfirmForm(request.POST, prefix="sign")
    if form.is_valid():
        try:
            supervision.countersign(actor=request.user, draft=found, request=request)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Countersigned. It is now in effect."))
            return redirect("clinicians:queue")
    return _render_draft(request, found, status=400, confirm_form=form)


@login_required
@role_required(Role.PHYSICIAN)
@require_POST
def return_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor returns a draft to its author with a comment."""
    found = _draft_or_404(request, pk)
    form = ReturnForm(request.POST, prefix="return")
    if form.is_valid():
        try:
            supervision.return_draft(
                actor=request.user,
                draft=found,
                comment=form.cleaned_data["comment"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Returned to the author with your comment."))
            return redirect("clinicians:queue")
    return _render_draft(request, found, status=400, return_form=form)
