"""The care-relationship access policy: the one place that decides who sees which resident.

Patientdatalagen 4 kap. 1 §: staff may read a resident's data only when they take part in the
resident's care (domain-spec §3.1). Every `visible_to(user)` in the project is built on the
functions here:

- nurses and assistant nurses see the residents of the units they are assigned to;
- physicians see their panel (current named physician or deputy), residents of open consults
  assigned to them (routed as on-duty physician, escalated or handed over), residents they have
  a booking with (until a day after it), and residents on the agenda of a ward round they hold;
- clinical staff also see a resident they hold an active access grant for (emergency access);
- coordinators see organisation data of every resident, never clinical records;
- relatives see the residents they are linked to with a recorded consent (the portal will
  narrow what they see by the consent's scope);
- administrators see no resident data.

Blocks (spärr, PDL 4 kap. 4 §) hide the records a unit holds from staff of other units unless a
grant (consent or emergency, two explicit steps) opens them.
"""

import datetime

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from digifys.accounts.models import Role

NOTHING = Q(pk__in=[])
CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE)
OPEN_CONSULT_STATUSES = ("sent", "accepted", "answered")
OPEN_ROUND_STATUSES = ("planned", "in_progress")
BOOKING_ACCESS_AFTER = datetime.timedelta(days=1)


def _model(name: str):
    return apps.get_model("careteams", name)


def _active_grants(user):
    return _model("AccessGrant").objects.active().filter(user=user)


def resident_filter_for(user) -> Q:
    """Return a Q over Resident selecting the residents USER may see."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    role = user.role
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        relationship = Q(unit__in=user.staff_profile.units.values("pk"))
    elif role == Role.PHYSICIAN:
        panel = _model("PhysicianAssignment").objects.filter(
            physician__user=user, ended_at__isnull=True
        )
        # An open consult assigned to the physician (on-duty or escalated) is a care relationship.
        consults = apps.get_model("consults", "Consult").objects.filter(
            assigned_to__user=user, status__in=OPEN_CONSULT_STATUSES
        )
        # So is a booking with the resident (a visit the planner gave to a deputy or another
        # physician), from when it is booked until a day after it ends, ...
        bookings = apps.get_model("scheduling", "Booking").objects.filter(
            clinician__user=user,
            cancelled_at__isnull=True,
            ends_at__gt=timezone.now() - BOOKING_ACCESS_AFTER,
        )
        # ... and a place on the agenda of a ward round the physician holds.
        agenda = apps.get_model("rounds", "AgendaItem").objects.filter(
            removed_at__isnull=True,
            round__physician__user=user,
            round__status__in=OPEN_ROUND_STATUSES,
        )
        relationship = (
            Q(pk__in=panel.values("resident"))
            | Q(pk__in=consults.values("resident"))
            | Q(pk__in=bookings.values("resident"))
            | Q(pk__in=agenda.values("resident"))
        )
    elif role == Role.COORDINATOR:
        # Coordinators manage units and panels: organisation data, never clinical notes.
        return ~NOTHING
    elif role == Role.RELATIVE:
        consented = user.relative_links.exclude(consent="")
        return Q(pk__in=consented.values("resident"))
    else:
        # Administrators configure the system and see no resident data.
        return NOTHING
    return relationship | Q(pk__in=_active_grants(user).values("resident"))


def record_filter_for(user) -> Q:
    """Return a Q over a clinical record (fields `resident`, `unit`) that USER may read."""
    if not can_see_clinical_data(user):
        return NOTHING
    residents = apps.get_model("residents", "Resident").objects.filter(resident_filter_for(user))
    blocked = Exists(
        _model("Block")
        .objects.active()
        .filter(resident=OuterRef("resident"), unit=OuterRef("unit"))
    )
    opened = Exists(_active_grants(user).filter(resident=OuterRef("resident")))
    own_units = Q(unit__in=user.staff_profile.units.values("pk"))
    return Q(resident__in=residents) & (~blocked | own_units | opened)


def blocked_units_for(user, resident) -> list:
    """Return the units whose records about RESIDENT are hidden from USER by a block."""
    if _active_grants(user).filter(resident=resident).exists():
        return []
    blocks = (
        _model("Block").objects.active().filter(resident=resident).select_related("unit__parent")
    )
    own = set(_own_unit_ids(user))
    return [block.unit for block in blocks if block.unit_id not in own]


def has_care_relationship(user, resident) -> bool:
    """Return True when USER sees RESIDENT without an access grant."""
    grants = _active_grants(user).filter(resident=resident).exists()
    if grants:
        return False
    model = apps.get_model("residents", "Resident")
    return model.objects.filter(resident_filter_for(user), pk=resident.pk).exists()


def _own_unit_ids(user) -> list[int]:
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return []
    return list(profile.units.values_list("pk", flat=True))


def can_see_clinical_data(user) -> bool:
    """Return True when the user's role may read clinical records (diagnoses, medication)."""
    return getattr(user, "role", None) in CLINICAL_ROLES


def may_request_emergency_access(user) -> bool:
    return user.is_authenticated and can_see_clinical_data(user)
