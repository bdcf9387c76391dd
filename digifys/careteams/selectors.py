"""Reads for panels and the coordinator's overview."""

import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import Resident
from digifys.residents.selectors import with_care_team

from .models import CareContact, PhysicianAssignment


def panel_of(user) -> QuerySet[Resident]:
    """Return the residents for whom USER is the current named physician or deputy."""
    return (
        with_care_team(Resident.objects.visible_to(user).in_care())
        .annotate(last_contact=Max("contacts__occurred_at"))
        .order_by("unit__parent__name", "unit__name", "room")
    )


def panel_sizes() -> QuerySet[StaffProfile]:
    """Return physicians with their current number of named and deputy residents."""
    current = Q(assignments__ended_at__isnull=True, assignments__resident__status="active")
    return (
        StaffProfile.objects.physicians()
        .select_related("user", "employer")
        .annotate(
            named_count=Count("assignments", filter=current & Q(assignments__role="named")),
            deputy_count=Count("assignments", filter=current & Q(assignments__role="deputy")),
        )
        .order_by("-named_count", "user__last_name")
    )


def units_with_counts() -> QuerySet[Organisation]:
    return (
        Organisation.objects.units()
        .select_related("parent", "municipality")
        .annotate(resident_count=Count("residents", filter=Q(residents__status="active")))
        .order_by("municipality__name", "parent__name", "name")
    )


def residents_without_named_physician() -> int:
    named = PhysicianAssignment.objects.current().named().values("resident")
    return Resident.objects.in_care().exclude(pk__in=named).count()


def locum_share(*, days: int = 90, now: datetime.datetime | None = None) -> float | None:
    """Return the share of physician contacts made by locums over the last DAYS days."""
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    counts = CareContact.objects.filter(occurred_at__gte=since).aggregate(
        total=Count("id"), locum=Count("id", filter=Q(clinician__is_locum=True))
    )
    if not counts["total"]:
        return None
    return counts["locum"] / counts["total"]
