"""Reads for the administrator's pages: users by role, the organisation tree, the task queue,
and what each role may do (from the role lists the code itself checks)."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from digifys.accounts.models import Role, User
from digifys.directory.models import Organisation

RECENT = datetime.timedelta(days=7)


def users_by_role() -> list[dict]:
    counts = dict(
        User.objects.filter(staff_profile__isnull=False)
        .values_list("staff_profile__profession")
        .annotate(n=Count("pk"))
        .values_list("staff_profile__profession", "n")
    )
    counts[Role.RELATIVE] = (
        User.objects.filter(staff_profile__isnull=True, relative_links__isnull=False)
        .distinct()
        .count()
    )
    return [{"role": role, "count": counts.get(role.value, 0)} for role in Role]


def user_summary(now=None) -> dict:
    now = now or timezone.now()
    return {
        "total": User.objects.count(),
        "inactive": User.objects.filter(is_active=False).count(),
        "recent_logins": User.objects.filter(last_login__gte=now - RECENT).count(),
        "recent": list(
            User.objects.filter(last_login__isnull=False)
            .select_related("staff_profile")
            .order_by("-last_login")[:5]
        ),
    }


def users(q: str = "", role: str = ""):
    found = User.objects.select_related("staff_profile__employer").order_by(
        "last_name", "first_name", "username"
    )
    q = q.strip()
    if q:
        found = found.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    if role == Role.RELATIVE:
        found = found.filter(staff_profile__isnull=True, relative_links__isnull=False).distinct()
    elif role in Role.values:
        found = found.filter(staff_profile__profession=role)
    return found


def organisation_tree() -> list[dict]:
    """The organisation tree (region → care areas → municipalities → SÄBO → units; the virtual
    clinic, health centres, agencies) as nested {org, children}, each with its staff count."""
    rows = list(
        Organisation.objects.annotate(
            staff=Count("employees", distinct=True), assigned=Count("assigned_staff", distinct=True)
        ).order_by("name")
    )
    children: dict = {}
    for org in rows:
        children.setdefault(org.parent_id, []).append(org)

    def nodes(parent_id) -> list[dict]:
        return [{"org": org, "children": nodes(org.pk)} for org in children.get(parent_id, [])]

    return nodes(None)


def task_counts() -> dict:
    counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk")))
    return {
        status: counts.get(status, 0) for status in ("READY", "RUNNING", "FAILED", "SUCCESSFUL")
    }


def recent_failures(limit: int = 20) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.failed().order_by("-finished_at")[:limit])


def _capabilities() -> list[tuple]:
    # Each line is a role list the code checks; imported here so the page cannot drift from it.
    from digifys.accounts.authentication import STAFF_ROLES
    from digifys.careteams.policy import CLINICAL_ROLES, EMERGENCY_ACCESS_ROLES
    from digifys.careteams.views import BLOCK_ROLES
    from digifys.consults.services import SENDING_ROLES
    from digifys.medicationreviews.views import HISTORY_ROLES
    from digifys.orders.services import COMPLETING_ROLES
    from digifys.rounds.access import ROUND_ROLES
    from digifys.scheduling.availability_views import AVAILABILITY_ROLES
    from digifys.scheduling.views import BOOKING_ROLES, CALENDAR_ROLES
    from digifys.visits.access import CALL_ROLES, RECORD_ROLES
    from digifys.vitals.services import RECORDING_ROLES

    return [
        (
            _("Logs in with password and authenticator app"),
            STAFF_ROLES,
            "accounts.authentication.STAFF_ROLES",
        ),
        (
            _("Reads clinical records (care relationship)"),
            CLINICAL_ROLES,
            "careteams.policy.CLINICAL_ROLES",
        ),
        (
            _("Emergency access to a resident's record"),
            EMERGENCY_ACCESS_ROLES,
            "careteams.policy.EMERGENCY_ACCESS_ROLES",
        ),
        (_("Records vital signs"), RECORDING_ROLES, "vitals.services.RECORDING_ROLES"),
        (_("Sends consults (SBAR)"), SENDING_ROLES, "consults.services.SENDING_ROLES"),
        (_("Completes nurse tasks"), COMPLETING_ROLES, "orders.services.COMPLETING_ROLES"),
        (_("Ward rounds"), ROUND_ROLES, "rounds.access.ROUND_ROLES"),
        (_("Video visits"), CALL_ROLES, "visits.access.CALL_ROLES"),
        (_("Reads call records"), RECORD_ROLES, "visits.access.RECORD_ROLES"),
        (_("Books visits"), BOOKING_ROLES, "scheduling.views.BOOKING_ROLES"),
        (_("Calendar"), CALENDAR_ROLES, "scheduling.views.CALENDAR_ROLES"),
        (
            _("Working hours and absences"),
            AVAILABILITY_ROLES,
            "scheduling.availability_views.AVAILABILITY_ROLES",
        ),
        (_("Blocks (spärr)"), BLOCK_ROLES, "careteams.views.BLOCK_ROLES"),
        (_("Medication review history"), HISTORY_ROLES, "medicationreviews.views.HISTORY_ROLES"),
    ]


def role_matrix() -> dict:
    roles = list(Role)
    rows = [
        {"label": label, "source": source, "cells": [role in allowed for role in roles]}
        for label, allowed, source in _capabilities()
    ]
    return {"roles": roles, "rows": rows}
