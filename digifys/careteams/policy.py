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

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from digifys.accounts.models import Role
from digifys.careteams.models import AccessGrant, Block, PhysicianAssignment
from digifys.consults.models import Consult
from digifys.residents.models import Resident
from digifys.rounds.models import AgendaItem, Round
from digifys.scheduling.models import Booking
from digifys.visits.models import Participant

# The models above never import this module at import time (their `visible_to` imports it
# inside the method), so these top-level imports make no cycle.

NOTHING = Q(pk__in=[])
CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE)
NURSING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE)
BOOKING_ACCESS_AFTER = datetime.timedelta(days=1)


def _active_grants(user):
    return AccessGrant.objects.active().filter(user=user)


def resident_filter_for(user) -> Q:
    """Return a Q over Resident selecting the residents USER may see."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    role = user.role
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        relationship = Q(unit__in=user.unit_ids())
    elif role == Role.PHYSICIAN:
        panel = PhysicianAssignment.objects.filter(physician__user=user, ended_at__isnull=True)
        # An open consult assigned to the physician (on-duty or escalated) is a care relationship.
        consults = Consult.objects.open().filter(assigned_to__user=user)
        # So is a booking with the resident (a visit the planner gave to a deputy or another
        # physician), from when it is booked until a day after it ends, ...
        bookings = Booking.objects.filter(
            clinician__user=user,
            cancelled_at__isnull=True,
            ends_at__gt=timezone.now() - BOOKING_ACCESS_AFTER,
        )
        # ... and a place on the agenda of a ward round the physician holds.
        agenda = AgendaItem.objects.filter(
            removed_at__isnull=True, round__in=Round.objects.open().filter(physician__user=user)
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
    residents = Resident.objects.filter(resident_filter_for(user))
    blocked = Exists(
        Block.objects.active().filter(resident=OuterRef("resident"), unit=OuterRef("unit"))
    )
    opened = Exists(_active_grants(user).filter(resident=OuterRef("resident")))
    own_units = Q(unit__in=user.unit_ids())
    return Q(resident__in=residents) & (~blocked | own_units | opened)


def blocked_units_for(user, resident) -> list:
    """Return the units whose records about RESIDENT are hidden from USER by a block."""
    if _active_grants(user).filter(resident=resident).exists():
        return []
    blocks = Block.objects.active().filter(resident=resident).select_related("unit__parent")
    own = set(user.unit_ids().values_list("pk", flat=True))
    return [block.unit for block in blocks if block.unit_id not in own]


def has_care_relationship(user, resident) -> bool:
    """Return True when USER sees RESIDENT without an access grant."""
    grants = _active_grants(user).filter(resident=resident).exists()
    if grants:
        return False
    return Resident.objects.filter(resident_filter_for(user), pk=resident.pk).exists()


def read_purpose(user, resident) -> str:
    """Return the access-log purpose of USER reading RESIDENT's data.

    Coordinators read organisation data ("administration"); clinicians read in care when they
    have a care relationship and otherwise through an access grant ("emergency", which the log
    review picks up).
    """
    role = getattr(user, "role", None)
    if role == Role.COORDINATOR:
        return "administration"
    if role in CLINICAL_ROLES and not has_care_relationship(user, resident):
        return "emergency"
    return "care"


def round_filter_for(user) -> Q:
    """Return a Q over Round selecting the ward rounds USER takes part in.

    Nurses and assistant nurses: the rounds of their units; physicians: the rounds they hold and
    those of units where they are the named physician of a resident; coordinators: every round
    (organisation data: the agenda's residents go through AgendaItem.visible_to). The residents
    on an agenda are records: a round being visible shows none of them.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    role = user.role
    if role in NURSING_ROLES:
        return Q(unit__in=user.unit_ids())
    if role == Role.PHYSICIAN:
        named_units = PhysicianAssignment.objects.filter(
            physician__user=user, role=PhysicianAssignment.Role.NAMED, ended_at__isnull=True
        ).values("resident__unit")
        return Q(physician__user=user) | Q(unit__in=named_units)
    if role == Role.COORDINATOR:
        return ~NOTHING
    return NOTHING


def room_filter_for(user) -> Q:
    """Return a Q over visits.Room selecting the video rooms USER may enter.

    Only clinicians enter: staff who have joined the room (the host among them, once in), and
    before that the host and the nurses of the room's unit while the room's subject is visible
    to them: its resident (resident_filter_for), or for a ward round's room the round
    (round_filter_for). What the room page shows about the resident is read through the
    records' own `visible_to`, so blocks (spärr) apply there.
    """
    if getattr(user, "role", None) not in CLINICAL_ROLES or not user.is_active:
        return NOTHING
    joined = Participant.objects.filter(user=user).exclude(status=Participant.Status.REMOVED)
    may_open = Q(host__user=user)
    if user.role in NURSING_ROLES:
        may_open |= Q(unit__in=user.unit_ids())
    subject = Q(resident__in=Resident.objects.filter(resident_filter_for(user))) | Q(
        resident__isnull=True, round__in=Round.objects.filter(round_filter_for(user))
    )
    return Q(pk__in=joined.values("room")) | (may_open & subject)


def can_see_clinical_data(user) -> bool:
    """Return True when the user's role may read clinical records (diagnoses, medication)."""
    return getattr(user, "role", None) in CLINICAL_ROLES


def may_request_emergency_access(user) -> bool:
    return user.is_authenticated and can_see_clinical_data(user)
