"""The care-relationship access policy: the one place that decides who sees which resident.

Patientdatalagen 4 kap. 1 §: staff may read a resident's data only when they take part in the
resident's care (domain-spec §3.1). Every `visible_to(user)` in the project is built on
`resident_filter_for`.
"""

from django.apps import apps
from django.db.models import Q

from digifys.accounts.models import Role

NOTHING = Q(pk__in=[])


def resident_filter_for(user) -> Q:
    """Return a Q over Resident selecting the residents USER may see."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    role = user.role
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        return Q(unit__in=user.staff_profile.units.values("pk"))
    if role == Role.PHYSICIAN:
        assignment = apps.get_model("careteams", "PhysicianAssignment")
        panel = assignment.objects.filter(physician__user=user, ended_at__isnull=True)
        return Q(pk__in=panel.values("resident"))
    if role == Role.COORDINATOR:
        # Coordinators manage units and panels: organisation data, never clinical notes.
        return ~NOTHING
    if role == Role.RELATIVE:
        return Q(pk__in=user.relative_links.values("resident"))
    # Administrators configure the system and see no resident data.
    return NOTHING


def can_see_clinical_data(user) -> bool:
    """Return True when the user's role may read clinical records (diagnoses, medication)."""
    return getattr(user, "role", None) in (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE)
