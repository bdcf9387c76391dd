"""The care-relationship access policy: the one place that decides who sees which resident.

Patientdatalagen 4 kap. 1 §: staff may read a resident's data only when they take part in the
resident's care (domain-spec §3.1). Every `visible_to(user)` in the project is built on the
functions here:

- nurses and assistant nurses see the residents of the units they are assigned to;
- physicians see their panel (current named physician or deputy), residents of consults
  assigned to them (routed as on-duty physician, escalated or handed over) while the consult is
  open and for CONSULT_FOLLOW_UP_DAYS after it is closed, residents they have a booking with from
  BOOKING_ACCESS_BEFORE_HOURS before its start until BOOKING_ACCESS_AFTER_HOURS after its end
  (never from when it was booked: a booking years ahead opens nothing now), and residents on the
  agenda of a ward round they hold;
- clinical staff also see a resident they hold an active access grant for (emergency access or
  a block opened with consent); a grant is not a care relationship (`has_care_relationship`);
- coordinators see organisation data of every resident, never clinical records;
- relatives see the residents they are linked to with a recorded consent (the portal will
  narrow what they see by the consent's scope);
- administrators see no resident data.

Blocks (spärr, PDL 4 kap. 4 §) hide the records a unit holds from staff of other units unless a
grant (consent or emergency, two explicit steps) opens them.
"""

import datetime

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from digifys.accounts.models import Role

NOTHING = Q(pk__in=[])
CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE)
OPEN_CONSULT_STATUSES = ("sent", "accepted", "answered")
OPEN_ROUND_STATUSES = ("planned", "in_progress")
# Who may use emergency access (nödåtkomst): the licensed professions that assess a patient's
# urgent need themselves. Assistant nurses call the unit's nurse (docs/security.md).
EMERGENCY_ACCESS_ROLES = (Role.PHYSICIAN, Role.NURSE)


def _booking_access_window() -> tuple[datetime.timedelta, datetime.timedelta]:
    return (
        datetime.timedelta(hours=settings.BOOKING_ACCESS_BEFORE_HOURS),
        datetime.timedelta(hours=settings.BOOKING_ACCESS_AFTER_HOURS),
    )


def _model(name: str):
    return apps.get_model("careteams", name)


def _active_grants(user):
    return _model("AccessGrant").objects.active().filter(user=user)


def resident_filter_for(user, *, grants: bool = True) -> Q:
    """Return a Q over Resident selecting the residents USER may see (without GRANTS: only the
    care relationship itself)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    role = user.role
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        relationship = Q(unit__in=user.staff_profile.units.values("pk"))
    elif role == Role.PHYSICIAN:
        panel = _model("PhysicianAssignment").objects.filter(
            physician__user=user, ended_at__isnull=True
        )
        now = timezone.now()
        # A consult assigned to the physician (on-duty or escalated) is a care relationship while
        # it is open and for a follow-up period after it is closed.
        follow_up = datetime.timedelta(days=settings.CONSULT_FOLLOW_UP_DAYS)
        consults = apps.get_model("consults", "Consult").objects.filter(
            Q(status__in=OPEN_CONSULT_STATUSES) | Q(closed_at__gt=now - follow_up),
            assigned_to__user=user,
        )
        # So is a booking with the resident (a visit the planner gave to a deputy or another
        # physician), only around the visit: from some hours before it starts until some hours
        # after it ends (issue #20: a booking in 2031 must not open the record today), ...
        before, after = _booking_access_window()
        bookings = apps.get_model("scheduling", "Booking").objects.filter(
            clinician__user=user,
            cancelled_at__isnull=True,
            starts_at__lt=now + before,
            ends_at__gt=now - after,
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
    if not grants:
        return relationship
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
    """Return True when USER sees RESIDENT through a care relationship, not only through a grant.

    A grant held besides the relationship (e.g. a unit's own nurse who opened another unit's
    blocked records with consent) does not make the ordinary reads "emergency" (issue #20).
    """
    model = apps.get_model("residents", "Resident")
    return model.objects.filter(resident_filter_for(user, grants=False), pk=resident.pk).exists()


def _own_unit_ids(user) -> list[int]:
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return []
    return list(profile.units.values_list("pk", flat=True))


def can_see_clinical_data(user) -> bool:
    """Return True when the user's role may read clinical records (diagnoses, medication)."""
    return getattr(user, "role", None) in CLINICAL_ROLES


def may_request_emergency_access(user) -> bool:
    """Physicians and nurses may use emergency access; assistant nurses may not (see
    EMERGENCY_ACCESS_ROLES)."""
    return user.is_authenticated and getattr(user, "role", None) in EMERGENCY_ACCESS_ROLES
