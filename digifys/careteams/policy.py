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
- relatives see the residents they are linked to with a consent in force
  (`relatives.models.Consent`); `relatives.policy` narrows what they see by its scopes;
- administrators see no resident data;
- a company's sandbox (testbed) is a tenant of its own: residents of a sandbox unit are seen
  only by staff of that sandbox unit (its synthetic staff and device user), and the sandbox's
  staff see no resident outside it, whatever their role, grants or consults (`_sandbox_fence`).

Blocks (spärr, PDL 4 kap. 4 §) hide the records a unit holds from staff of other units unless a
grant (consent or emergency, two explicit steps) opens them.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from digifys.accounts.models import Role
from digifys.careteams.models import AccessGrant, Block, PhysicianAssignment
from digifys.consults.models import Consult
from digifys.core import request_memo
from digifys.core.idsets import IdSet
from digifys.directory.models import Organisation
from digifys.relatives.models import Consent
from digifys.residents.models import Resident
from digifys.rounds.models import AgendaItem, Round
from digifys.scheduling.models import Booking
from digifys.testbed.models import Sandbox, sandbox_unit_ids
from digifys.visits.models import Participant

# The models above never import this module at import time (their `visible_to` imports it
# inside the method), so these top-level imports make no cycle.

NOTHING = Q(pk__in=[])
CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE)
# Who may use emergency access (nödåtkomst): the licensed professions that assess a patient's
# urgent need themselves. Assistant nurses call the unit's nurse (docs/security.md).
EMERGENCY_ACCESS_ROLES = (Role.PHYSICIAN, Role.NURSE)
NURSING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE)


def _booking_access_window() -> tuple[datetime.timedelta, datetime.timedelta]:
    return (
        datetime.timedelta(hours=settings.BOOKING_ACCESS_BEFORE_HOURS),
        datetime.timedelta(hours=settings.BOOKING_ACCESS_AFTER_HOURS),
    )


def _active_grants(user):
    return AccessGrant.objects.active().filter(user=user)


def _memoised(key: tuple, compute):
    """COMPUTE() once per read-only request (core/request_memo.py); outside one, None."""
    memo = request_memo.current()
    if memo is None:
        return None
    key = ("careteams.policy", *key)
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _units(user) -> tuple[IdSet, IdSet] | None:
    """Within a read-only request: the pks of USER's units and of those among them that are a
    testbed sandbox's, resolved once in one query; else None."""

    def compute():
        rows = (
            Organisation.objects.filter(pk__in=user.unit_ids())
            .annotate(sandbox=Exists(sandbox_unit_ids().filter(unit=OuterRef("pk"))))
            .values_list("pk", "sandbox")
        )
        rows = list(rows)
        return IdSet(pk for pk, _sandbox in rows), IdSet(pk for pk, sandbox in rows if sandbox)

    return _memoised(("units", user.pk), compute)


def _unit_ids(user) -> IdSet | None:
    """The pks of USER's units within a read-only request (resolved once), else None."""
    units = _units(user)
    return None if units is None else units[0]


def _granted_resident_ids(user) -> IdSet | None:
    """The residents USER holds an active grant for within a read-only request, else None."""
    return _memoised(
        ("grants", user.pk),
        lambda: IdSet(
            _active_grants(user)
            .filter(_sandbox_fence(user, "resident__"))
            .values_list("resident_id", flat=True)
        ),
    )


def _visible_resident_ids(user, grants: bool) -> IdSet | None:
    """Within a read-only request: the pks of the residents USER may see, resolved once.

    The care relationships are one query (a UNION of the relationship's sources, not a scan of
    every resident), the grants another; the set with grants is their union. Both queries apply
    the sandbox fence (`_sandbox_fence`), so the set holds only residents on USER's side of it
    and the page's queries need no fence of their own. Queries filter by the set as one
    parameter (`field__in_idset`, core/idsets.py), however many residents it holds.
    """
    related = _memoised(("related", user.pk), lambda: IdSet(_relationship_pks(user)))
    if related is None or not grants or user.role == Role.RELATIVE:
        return related
    granted = _granted_resident_ids(user)
    return _memoised(("visible", user.pk), lambda: related.union(granted))


def _may_see_some(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _sandbox_fence(user, prefix: str = "") -> Q:
    """A Q (over Resident, or over rows whose PREFIX leads to one) keeping sandboxes apart.

    Residents of a sandbox unit USER does not work on are never visible; a USER who works on a
    sandbox unit sees only residents of their own sandbox units. No extra query: within a
    read-only request from USER's units resolved once (`_units`), else subqueries.
    """
    field = f"{prefix}unit__in"
    units = _units(user) if _may_see_some(user) else None
    if units is not None:
        own_sandbox_units = units[1]
        if own_sandbox_units:
            return Q(**{f"{field}_idset": own_sandbox_units})
        return ~Q(**{field: sandbox_unit_ids()})
    units = user.unit_ids() if _may_see_some(user) else Resident.objects.none().values("pk")
    own = Sandbox.objects.filter(unit__in=units).values("unit")
    others = Sandbox.objects.filter(unit__isnull=False).exclude(unit__in=units).values("unit")
    return ~Q(**{field: others}) & (Q(**{field: own}) | ~Q(Exists(own)))


def _resolved_ids(user, grants: bool) -> IdSet | None:
    """Within a read-only request, the residents USER (a clinician or relative) may see, fence
    applied (`_visible_resident_ids`); else None."""
    if not _may_see_some(user) or user.role not in (*CLINICAL_ROLES, Role.RELATIVE):
        return None
    return _visible_resident_ids(user, grants)


def resident_filter_for(user, *, grants: bool = True) -> Q:
    """Return a Q over Resident selecting the residents USER may see (without GRANTS: only the
    care relationship itself); sandbox residents only for their sandbox's staff.

    Within a read-only request the answer is resolved once into a set of pks, the sandbox fence
    included (the same rules, asked of the database once instead of as subqueries in every
    query of the page).
    """
    ids = _resolved_ids(user, grants)
    if ids is not None:
        return Q(pk__in_idset=ids)
    return _resident_filter(user, grants=grants) & _sandbox_fence(user)


def resident_field_filter_for(user, field: str = "resident") -> Q:
    """Return a Q over rows with a foreign key FIELD to Resident that USER may see."""
    ids = _resolved_ids(user, True)
    if ids is not None:
        return Q(**{f"{field}__in_idset": ids})
    return Q(
        **{f"{field}__in": Resident.objects.filter(_resident_filter(user, grants=True))}
    ) & _sandbox_fence(user, f"{field}__")


def _physician_sources(user) -> list:
    """The physician's care relationships, each a queryset of rows with a `resident`."""
    panel = PhysicianAssignment.objects.filter(physician__user=user, ended_at__isnull=True)
    now = timezone.now()
    # A consult assigned to the physician (on-duty or escalated) is a care relationship while
    # it is open and for a follow-up period after it is closed.
    follow_up = datetime.timedelta(days=settings.CONSULT_FOLLOW_UP_DAYS)
    consults = Consult.objects.filter(
        Q(status__in=Consult.OPEN_STATUSES) | Q(closed_at__gt=now - follow_up),
        assigned_to__user=user,
    )
    # So is a booking with the resident (a visit the planner gave to a deputy or another
    # physician), only around the visit: from some hours before it starts until some hours
    # after it ends (issue #20: a booking in 2031 must not open the record today), ...
    before, after = _booking_access_window()
    bookings = Booking.objects.filter(
        clinician__user=user,
        cancelled_at__isnull=True,
        starts_at__lt=now + before,
        ends_at__gt=now - after,
    )
    # ... and a place on the agenda of a ward round the physician holds.
    agenda = AgendaItem.objects.filter(
        removed_at__isnull=True, round__in=Round.objects.open().filter(physician__user=user)
    )
    return [panel, consults, bookings, agenda]


def _relationship_pks(user):
    """The pks of the residents USER (a clinician or relative) has a care relationship with,
    on USER's side of the sandbox fence, as one query."""
    role = user.role
    if role in NURSING_ROLES:
        related = Q(unit__in=user.unit_ids())
    elif role == Role.PHYSICIAN:
        first, *others = (
            source.order_by().values_list("resident", flat=True)
            for source in _physician_sources(user)
        )
        related = Q(pk__in=first.union(*others))
    elif role == Role.RELATIVE:
        # Only through a consent in force, the same rule as `_resident_filter`.
        related = Q(pk__in=Consent.objects.in_force().of_user(user).values("resident"))
    else:
        raise ValueError(f"no care relationships for the role {role!r}")
    # The fence once, around the relationship's sources (not in each of them).
    return (
        Resident.objects.filter(related, _sandbox_fence(user))
        .order_by()
        .values_list("pk", flat=True)
    )


def _resident_filter(user, *, grants: bool) -> Q:
    """The policy's rules as one Q over Resident (subqueries, evaluated by the database)."""
    if not _may_see_some(user):
        return NOTHING
    role = user.role
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        relationship = Q(unit__in=user.unit_ids())
    elif role == Role.PHYSICIAN:
        relationship = Q()
        for source in _physician_sources(user):
            relationship |= Q(pk__in=source.values("resident"))
    elif role == Role.COORDINATOR:
        # Coordinators manage units and panels: organisation data, never clinical notes.
        return ~NOTHING
    elif role == Role.RELATIVE:
        # Only through a consent in force (relatives.policy narrows it further, scope by scope).
        consented = Consent.objects.in_force().of_user(user)
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
    hidden = _hidden_by_blocks(user)
    if hidden is not None:
        # Within a read-only request: the blocks that hide something from USER, resolved once
        # (usually none, so no condition at all).
        visible = resident_field_filter_for(user)
        for resident_id, unit_id in hidden:
            visible &= ~Q(resident=resident_id, unit=unit_id)
        return visible
    blocked = Exists(
        Block.objects.active().filter(resident=OuterRef("resident"), unit=OuterRef("unit"))
    )
    opened = Q(resident__in=_active_grants(user).values("resident"))
    own_units = Q(unit__in=user.unit_ids())
    return resident_field_filter_for(user) & (~blocked | own_units | opened)


def _hidden_by_blocks(user) -> list[tuple[int, int]] | None:
    """Within a read-only request: (resident, unit) of every active block that hides records of
    a resident USER sees (not USER's own unit, no grant held for the resident)."""

    def compute():
        return list(
            Block.objects.active()
            .filter(resident__in_idset=_visible_resident_ids(user, True))
            .exclude(unit__in_idset=_unit_ids(user))
            .exclude(resident__in_idset=_granted_resident_ids(user))
            .order_by("resident", "unit")
            .values_list("resident", "unit")
        )

    return _memoised(("blocks", user.pk), compute)


def blocked_units_for(user, resident) -> list:
    """Return the units whose records about RESIDENT are hidden from USER by a block."""
    granted = _granted_resident_ids(user)
    if (
        resident.pk in granted
        if granted is not None
        else _active_grants(user).filter(resident=resident).exists()
    ):
        return []
    # Within a read-only request the page's blocks are resolved already (those of the residents
    # USER sees, not USER's units, no grant held): usually none of RESIDENT's, so no query.
    hidden = _hidden_by_blocks(user) if can_see_clinical_data(user) else None
    if (
        hidden is not None
        and resident.pk in _visible_resident_ids(user, True)
        and not any(resident_id == resident.pk for resident_id, _unit_id in hidden)
    ):
        return []
    blocks = Block.objects.active().filter(resident=resident).select_related("unit__parent")
    units = _unit_ids(user)
    own = set(units if units is not None else user.unit_ids().values_list("pk", flat=True))
    return [block.unit for block in blocks if block.unit_id not in own]


def has_care_relationship(user, resident) -> bool:
    """Return True when USER sees RESIDENT through a care relationship, not only through a grant.

    A grant held besides the relationship (e.g. a unit's own nurse who opened another unit's
    blocked records with consent) does not make the ordinary reads "emergency" (issue #20).
    """
    if _may_see_some(user) and user.role in (*CLINICAL_ROLES, Role.RELATIVE):
        ids = _visible_resident_ids(user, False)
        if ids is not None:
            return resident.pk in ids
    return Resident.objects.filter(resident_filter_for(user, grants=False), pk=resident.pk).exists()


def read_purpose(user, resident) -> str:
    """Return the access-log purpose of USER reading RESIDENT's data.

    Coordinators read organisation data ("administration"); clinicians read in care when they
    have a care relationship and otherwise through an access grant ("emergency", which the log
    review picks up).
    """
    return read_purposes(user, [resident])[resident.pk]


def read_purposes(user, residents) -> dict[int, str]:
    """Return {resident pk: read_purpose} for RESIDENTS in at most one query (list pages)."""
    pks = [resident.pk for resident in residents]
    role = getattr(user, "role", None)
    if role == Role.COORDINATOR:
        return dict.fromkeys(pks, "administration")
    if role not in CLINICAL_ROLES:
        return dict.fromkeys(pks, "care")
    ids = _visible_resident_ids(user, False) if _may_see_some(user) else None
    if ids is not None:
        in_care = set(ids)
    else:
        in_care = set(
            Resident.objects.filter(
                resident_filter_for(user, grants=False), pk__in=pks
            ).values_list("pk", flat=True)
        )
    return {pk: "care" if pk in in_care else "emergency" for pk in pks}


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
    """Physicians and nurses may use emergency access; assistant nurses may not (see
    EMERGENCY_ACCESS_ROLES)."""
    return user.is_authenticated and getattr(user, "role", None) in EMERGENCY_ACCESS_ROLES
