"""Reads of residents, always through the access policy."""

from django.db.models import Prefetch, QuerySet

from .models import Resident


def with_care_team(
    residents: QuerySet[Resident], *, with_profile: bool = False
) -> QuerySet[Resident]:
    """Attach unit, nursing home and the current named physician and deputy in constant queries."""
    return residents.select_related("unit__parent").prefetch_related(
        care_team_prefetch(with_profile=with_profile)
    )


def care_team_prefetch(*, with_profile: bool = False) -> Prefetch:
    """The current named physician and deputy as `current_assignments` (also for residents
    already read, with `prefetch_related_objects`); WITH_PROFILE adds each physician's
    employer and languages (the relatives' portal shows where they work from)."""
    from digifys.careteams.models import PhysicianAssignment

    current = PhysicianAssignment.objects.current().select_related("physician__user")
    if with_profile:
        current = current.select_related("physician__employer").prefetch_related(
            "physician__languages"
        )
    return Prefetch("physician_assignments", queryset=current, to_attr="current_assignments")


def residents_for(user, *, search: str = "", unit_id: int | None = None) -> QuerySet[Resident]:
    """Return the residents USER may see, in care, filtered by search text and unit."""
    residents = Resident.objects.visible_to(user).in_care().search(search)
    if unit_id is not None:
        residents = residents.filter(unit_id=unit_id)
    return with_care_team(residents)


def named_physician(resident: Resident):
    """Return the current named physician's assignment from a `with_care_team` resident."""
    return _current(resident, "named")


def deputy(resident: Resident):
    return _current(resident, "deputy")


def _current(resident: Resident, role: str):
    for assignment in getattr(resident, "current_assignments", []):
        if assignment.role == role:
            return assignment
    return None
