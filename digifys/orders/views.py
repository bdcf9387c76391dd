"""Pages for physician orders and the nurse tasks they become (the closed loop)."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.consults.models import Consult
from digifys.core.forms import add_service_errors
from digifys.core.time import clock_differs, zone_of

from . import selectors, services
from .forms import CancelOrderForm, CompleteTaskForm, OrderForm
from .models import NurseTask, Order

PREVIEW_SHOWN = 10
FILTER_LABELS = {
    "all": pgettext_lazy("tasks", "All"),
    "overdue": pgettext_lazy("tasks", "Overdue"),
    "today": pgettext_lazy("tasks", "Due today"),
}


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    # Only paths: redirect() would try any other text as a URL pattern name (NoReverseMatch).
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return None


# --- Placing an order --------------------------------------------------------------------------


def _preview(form: OrderForm, zone: ZoneInfo) -> dict | None:
    """How many tasks the order will make and when (None until the schedule makes sense)."""
    if form.is_bound:
        form.errors  # noqa: B018 - runs the cleaning
        arguments = form.schedule_arguments()
    else:
        arguments = (timezone.now(), None, None)
    if arguments is None:
        return None
    _first_due_at, every_hours, for_days = arguments
    if every_hours and (too_many := services.too_many_tasks_message(every_hours, for_days)):
        return {"count": services.task_count(every_hours, for_days), "too_many": too_many}
    times = services.due_times(*arguments)
    shown = times if len(times) <= PREVIEW_SHOWN else times[: PREVIEW_SHOWN - 1]
    return {
        "count": len(times),
        "times": [{"at": at, "differs": clock_differs(at, zone)} for at in shown],
        "last": (
            {"at": times[-1], "differs": clock_differs(times[-1], zone)}
            if len(times) > PREVIEW_SHOWN
            else None
        ),
    }


@login_required
def new_order(request: HttpRequest, consult_pk: int) -> HttpResponse:
    """A physician orders something from a consult; it becomes tasks on the resident's unit."""
    require_role(request.user, Role.PHYSICIAN)
    consult = get_object_or_404(
        Consult.objects.visible_to(request.user).select_related("resident__unit__parent"),
        pk=consult_pk,
    )
    zone = zone_of(request.user)
    if request.method == "GET" and "preview" in request.GET:
        # The live preview of due times: no resident data, nothing logged.
        form = OrderForm(request.GET)
        return render(
            request,
            "orders/new.html#preview",
            {"preview": _preview(form, zone), "own_zone": zone},
        )
    placing = request.method == "POST" and request.POST.get("action") != "preview"
    form = OrderForm(request.POST if request.method == "POST" else None)
    if placing and form.is_valid():
        try:
            order = services.place_order(
                actor=request.user,
                resident=consult.resident,
                consult=consult,
                request=request,
                **form.order_arguments(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            count = order.tasks.count()
            if count == 0:  # a supervised clinician's order waits for the countersignature
                messages.success(
                    request, _("The order was sent to your supervisor for countersignature.")
                )
            else:
                messages.success(
                    request,
                    ngettext(
                        "The order was placed: %(count)s task on the unit.",
                        "The order was placed: %(count)s tasks on the unit.",
                        count,
                    )
                    % {"count": count},
                )
            target = reverse("consults:detail", args=[consult.pk])
            if request.htmx:
                return HttpResponseClientRedirect(target)
            return redirect(target)
    audit.record_read(
        actor=request.user,
        residents=[consult.resident],
        object_type="consult",
        object_id=consult.pk,
        request=request,
    )
    now = timezone.now()
    context = {
        "consult": consult,
        "resident": consult.resident,
        "form": form,
        "preview": _preview(form, zone),
        "own_zone": zone,
        "now": now,
        "clock_differs": clock_differs(now, zone),
    }
    if request.htmx:
        # htmx swaps only successful responses: the refused form comes back as 200.
        return render(request, "orders/new.html#form", context)
    status = 400 if placing and form.errors else 200
    return render(request, "orders/new.html", context, status=status)


# --- The task list -----------------------------------------------------------------------------


def _live_socket(user) -> str:
    if user.role == Role.PHYSICIAN:
        return "/ws/inbox/"
    unit_id = user.staff_profile.units.order_by("name").values_list("pk", flat=True).first()
    return f"/ws/units/{unit_id}/" if unit_id else ""


def _task_context(request: HttpRequest) -> dict:
    user = request.user
    show = request.GET.get("show", "all")
    if show not in selectors.FILTERS:
        show = "all"
    now = timezone.now()
    page = Paginator(
        selectors.open_tasks(user, show=show, now=now), settings.DIGIFYS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    tasks = list(page.object_list)
    done = selectors.done_recently(user, now=now)
    shown = {task.resident_id: task.resident for task in [*tasks, *done]}
    audit.record_many(
        actor=user,
        action="read",
        residents=list(shown.values()),
        object_type="task_list",
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "physician": user.role == Role.PHYSICIAN,
        "show": show,
        "filters": list(FILTER_LABELS.items()),
        "page": page,
        "rows": [{"task": task, "overdue": task.is_overdue(now)} for task in tasks],
        "done": done,
        "now": now,
        "query": query.urlencode(),
        "full_query": request.GET.urlencode(),
        "here": reverse("orders:tasks") + (f"?{request.GET.urlencode()}" if request.GET else ""),
        "tasks_url": reverse("orders:tasks"),
    }


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Open tasks by due time (the nurse's unit, or the physician's own orders), live."""
    require_role(request.user, Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)
    context = _task_context(request)
    context["live_socket"] = _live_socket(request.user)
    return render(request, "orders/tasks.html", context)


@login_required
def task_rows(request: HttpRequest) -> HttpResponse:
    """The task list's rows, re-fetched on a live update."""
    require_role(request.user, Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)
    return render(request, "orders/tasks.html#rows", _task_context(request))


# --- Completing a task -------------------------------------------------------------------------


@login_required
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Document a task as done, with its result or the vital signs measured for it."""
    require_role(request.user, *services.COMPLETING_ROLES)
    task = selectors.task_for_completion(request.user, pk)
    if task is None:
        raise Http404
    is_open = task.status == NurseTask.Status.OPEN
    measuring = task.order.kind == Order.Kind.VITALS
    observations = (
        selectors.attachable_observations(request.user, task) if measuring and is_open else None
    )
    form = CompleteTaskForm(
        request.POST if request.method == "POST" else None, observations=observations
    )
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_task(
                actor=request.user,
                task=task,
                result=form.cleaned_data["result"],
                observation=form.cleaned_data.get("observation"),
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Done: %(title)s for %(name)s.")
                % {"title": task.title, "name": task.resident.full_name},
            )
            return redirect(next_url or "orders:tasks")
    audit.record_read(
        actor=request.user,
        residents=[task.resident],
        object_type="task",
        object_id=task.pk,
        request=request,
    )
    context = {
        "task": task,
        "resident": task.resident,
        "form": form,
        "is_open": is_open,
        "measuring": measuring,
        "next": next_url or "",
        "back": next_url or reverse("orders:tasks"),
        "overdue": task.is_overdue(timezone.now()),
    }
    status = 400 if form.errors else 200
    return render(request, "orders/complete.html", context, status=status)


# --- Cancelling an order -----------------------------------------------------------------------


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """A physician stops an order; its open tasks are cancelled, done ones are kept."""
    require_role(request.user, Role.PHYSICIAN)
    order = selectors.order_for_cancelling(request.user, pk)
    if order is None:
        raise Http404
    form = CancelOrderForm(request.POST if request.method == "POST" else None)
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_order(
                actor=request.user,
                order=order,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The order was cancelled."))
            if next_url:
                return redirect(next_url)
            if order.consult_id:
                return redirect("consults:detail", pk=order.consult_id)
            return redirect("orders:tasks")
    audit.record_read(
        actor=request.user,
        residents=[order.resident],
        object_type="order",
        object_id=order.pk,
        request=request,
    )
    counts = order.tasks.aggregate(
        open=Count("pk", filter=Q(status=NurseTask.Status.OPEN)),
        done=Count("pk", filter=Q(status=NurseTask.Status.DONE)),
    )
    context = {
        "order": order,
        "resident": order.resident,
        "form": form,
        "open_count": counts["open"],
        "done_count": counts["done"],
        "next": next_url or "",
        "back": next_url
        or (
            reverse("consults:detail", args=[order.consult_id])
            if order.consult_id
            else reverse("orders:tasks")
        ),
    }
    status = 400 if form.errors else 200
    return render(request, "orders/cancel.html", context, status=status)
