"""Writes for residents and their relatives.

Rules enforced here:
- identity numbers are validated and stored canonically as 12 digits (domain-spec §4);
- the virtual clinic serves only people registered (folkbokförda) in Västerbotten, county 24
  (domain-spec §5, §3.5): registering someone from elsewhere is refused, and moving a resident's
  registration out of the county ends eligibility without deleting history. Eligibility limits
  the virtual clinic's physicians abroad, not the nurse at the bedside: the resident stays on the
  unit's lists, and the coordinators are told to settle the care responsibility;
- birth date is stored separately from the number (the number's date is not always the true one);
- eligibility is explicit: registered in Västerbotten (a personnummer with a municipality code in
  county 24), or entitled by another basis a coordinator documents (why, who, when). A
  samordningsnummer holder is not registered in Sweden by definition, and a reserve number hides
  the identity, so both need a documented basis to be registered (issue 19 items 9, 10);
- an unidentified resident is registered with Region Västerbotten's reserve number
  (YYYYMMDD-RXNN, domain-spec §4.4), stored as its 12 characters.
"""

import contextlib
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.audit import services as audit
from digifys.directory import geography
from digifys.directory.models import Organisation

from . import names
from .identity import (
    IdentityNumber,
    InvalidIdentityNumber,
    looks_like_reserve_number,
    parse_identity_number,
    parse_reserve_number,
)
from .models import Relative, Resident


class NotEligible(ValidationError):
    """The resident is not (or no longer) eligible for care from the virtual clinic."""


def check_municipality(code: str, *, field: str = "home_municipality_code") -> None:
    """Raise ValidationError unless CODE is a municipality in Västerbotten."""
    code = code.strip()
    if not geography.is_well_formed(code):
        raise ValidationError(
            {
                field: _(
                    "“%(code)s” is not a Swedish municipality code. Enter the four digits of the "
                    "municipality where the person is registered, e.g. 2418 for Malå."
                )
                % {"code": code}
            }
        )
    if not geography.is_in_vasterbotten(code):
        raise NotEligible(
            {
                field: _(
                    "The person is registered in %(county)s (municipality code %(code)s). The "
                    "virtual clinic serves only people registered in Västerbotten. Refer them to "
                    "health care in their home region."
                )
                % {"county": geography.county_name(code), "code": code}
            }
        )


def check_adult(identity: IdentityNumber, *, today: datetime.date) -> None:
    """Refuse a number that reads as someone under 18: SÄBO residents are adults.

    A ten-digit number written with '-' belongs to this century (domain-spec §4.1: the separator
    becomes '+' from the calendar year the person turns 100). A centenarian whose number is
    written with a stale '-' therefore reads as a small child; refusing here keeps them from
    being registered with the wrong birth date (and dropping out of age-based rules such as
    medication reviews, HSLF-FS 2017:37).
    """
    born = identity.birth_date
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age >= 18:
        return
    short = identity.canonical[2:8]
    tail = identity.canonical[8:]
    raise ValidationError(
        {
            "identity_number": _(
                "This number reads as born %(date)s (age %(age)s). Residents of a nursing home "
                "are adults. If the person is 100 years or older, write + before the last four "
                "digits (%(plus_form)s), or enter all 12 digits with the century "
                "(%(twelve)s)."
            )
            % {
                "date": born.isoformat(),
                "age": age,
                "plus_form": f"{short}+{tail}",
                "twelve": f"{born.year - 100}{identity.canonical[4:8]}-{tail}",
            }
        }
    )


def ensure_eligible(resident: Resident) -> None:
    """Raise NotEligible when a new care action for RESIDENT must be refused."""
    if not resident.is_eligible:
        raise NotEligible(
            _(
                "%(name)s is no longer registered in Västerbotten, so the virtual clinic cannot "
                "take new care actions. Their history is kept."
            )
            % {"name": resident.full_name}
        )


def _clean_name_and_room(given_name: str, family_name: str, room: str, unit) -> tuple:
    """Names of letters and a room the unit has (issue 12 §4.8); all errors at once."""
    cleaned, errors = {}, {}
    for field, value, check in (
        ("given_name", given_name, names.clean_name),
        ("family_name", family_name, names.clean_name),
        ("room", room, lambda text: names.clean_room(text, unit)),
    ):
        try:
            cleaned[field] = check(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned["given_name"], cleaned["family_name"], cleaned["room"]


@transaction.atomic
def register_resident(
    *,
    actor,
    identity_number: str,
    given_name: str,
    family_name: str,
    home_municipality_code: str,
    unit: Organisation,
    birth_date: datetime.date | None = None,
    room: str = "",
    preferred_languages: list[str] | None = None,
    needs_interpreter: bool = False,
    interpreter_language: str = "",
    moved_in_on: datetime.date | None = None,
    cognitive_baseline: str = "",
    entitlement_basis: str = "",
    request=None,
) -> Resident:
    """Register a new resident in a unit after checking identity and eligibility."""
    today = timezone.localdate()
    try:
        if looks_like_reserve_number(identity_number):
            identity = parse_reserve_number(identity_number)
        else:
            identity = parse_identity_number(identity_number, today=today)
            check_adult(identity, today=today)
    except InvalidIdentityNumber as exc:
        raise ValidationError({"identity_number": str(exc)}) from exc
    basis = _clean_basis(
        entitlement_basis, required=identity.kind != "personnummer", kind=identity.kind
    )
    if basis:
        # Entitled by the documented basis: the municipality code need only be a real one.
        with contextlib.suppress(NotEligible):
            check_municipality(home_municipality_code)
    else:
        check_municipality(home_municipality_code)
    if unit.kind != Organisation.Kind.UNIT:
        raise ValidationError({"unit": _("Choose a unit of a nursing home.")})
    given_name, family_name, room = _clean_name_and_room(given_name, family_name, room, unit)
    if Resident.objects.filter(identity_number=identity.canonical).exists():
        raise ValidationError(
            {"identity_number": _("A resident with this identity number is already registered.")}
        )
    resident = Resident(
        identity_kind=identity.kind,
        identity_number=identity.canonical,
        given_name=given_name,
        family_name=family_name,
        birth_date=birth_date or identity.birth_date,
        home_municipality_code=home_municipality_code.strip(),
        unit=unit,
        room=room,
        preferred_languages=preferred_languages or ["sv"],
        needs_interpreter=needs_interpreter,
        interpreter_language=interpreter_language,
        moved_in_on=moved_in_on or timezone.localdate(),
        cognitive_baseline=cognitive_baseline,
    )
    if basis:
        resident.entitlement_basis = basis
        resident.entitlement_decided_by = actor.staff_profile
        resident.entitlement_decided_at = timezone.now()
    resident.full_clean()
    resident.save()
    audit.record(
        actor=actor,
        action="create",
        resident=resident,
        object_type="resident",
        object_id=resident.pk,
        purpose="administration",
        request=request,
    )
    return resident


MAX_BASIS_LENGTH = 1000


def _clean_basis(text: str, *, required: bool, kind: str = "", field: str = "entitlement_basis"):
    basis = (text or "").strip()
    if len(basis) > MAX_BASIS_LENGTH:
        raise ValidationError(
            {field: _("Keep the basis under %(count)s characters.") % {"count": MAX_BASIS_LENGTH}}
        )
    if basis or not required:
        return basis
    if kind == "samordningsnummer":
        message = _(
            "A samordningsnummer is given to people who are not registered (folkbokförda) in "
            "Sweden, so this person is not “registered in Västerbotten”. To register them, give "
            "the documented basis for their entitlement to the region's care: the decision and "
            "why."
        )
    elif kind == "reservnummer":
        message = _(
            "A reserve number is used while the person's identity is unknown, so registration "
            "in Västerbotten cannot be shown. To register them, give the documented basis for "
            "their entitlement to the region's care: the decision and why."
        )
    else:
        message = _("Give the documented basis for the entitlement: the decision and why.")
    raise ValidationError({field: message})


@transaction.atomic
def document_entitlement(*, actor, resident: Resident, basis: str, request=None) -> Resident:
    """Record that RESIDENT is entitled to the virtual clinic's care on another documented
    basis than registration in Västerbotten (coordinators; who and when are kept)."""
    from django.core.exceptions import PermissionDenied

    from digifys.accounts.models import Role

    if getattr(actor, "role", None) != Role.COORDINATOR:
        raise PermissionDenied(_("Only a care coordinator can document an entitlement."))
    basis = _clean_basis(basis, required=True, field="basis")
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    resident.entitlement_basis = basis
    resident.entitlement_decided_by = actor.staff_profile
    resident.entitlement_decided_at = timezone.now()
    resident.save(
        update_fields=["entitlement_basis", "entitlement_decided_by", "entitlement_decided_at"]
    )
    audit.record(
        actor=actor,
        action="update",
        resident=resident,
        object_type="entitlement",
        object_id=resident.pk,
        purpose="administration",
        request=request,
        details={"basis": basis},
    )
    return resident


@transaction.atomic
def change_registration(
    *, actor, resident: Resident, municipality_code: str, request=None
) -> Resident:
    """Record a new home municipality; moving out of Västerbotten ends eligibility."""
    code = municipality_code.strip()
    was_eligible = resident.is_eligible
    try:
        check_municipality(code, field="municipality_code")
        eligible = True
    except NotEligible:
        eligible = False
    resident.home_municipality_code = code
    if eligible:
        resident.eligibility_ended_at = None
    elif resident.eligibility_ended_at is None:
        resident.eligibility_ended_at = timezone.now()
    resident.save(update_fields=["home_municipality_code", "eligibility_ended_at"])
    audit.record(
        actor=actor,
        action="update",
        resident=resident,
        object_type="registration",
        object_id=resident.pk,
        purpose="administration",
        request=request,
        details={"municipality_code": code, "eligible": eligible},
    )
    if was_eligible and not resident.is_eligible:
        _tell_coordinators_to_settle_care(resident)
    return resident


def _tell_coordinators_to_settle_care(resident: Resident) -> None:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from digifys.directory.models import StaffProfile
    from digifys.notifications.models import Notification
    from digifys.notifications.services import notify

    coordinators = get_user_model().objects.filter(
        is_active=True, staff_profile__profession=StaffProfile.Profession.COORDINATOR
    )
    notify(
        recipients=coordinators,
        kind=Notification.Kind.CARE_RESPONSIBILITY,
        code="registration_moved_out",
        params={"unit": resident.unit.name, "municipality_code": resident.home_municipality_code},
        link=reverse("residents:detail", args=[resident.pk]),
    )


@transaction.atomic
def add_relative(
    *,
    actor,
    resident: Resident,
    given_name: str,
    family_name: str,
    relationship: str,
    phone: str = "",
    email: str = "",
    legal_representative: str = "",
    user=None,
) -> Relative:
    """Add a relative or legal representative to a resident."""
    relative = Relative(
        resident=resident,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        relationship=relationship,
        phone=phone.strip(),
        email=email.strip(),
        legal_representative=legal_representative,
        user=user,
    )
    relative.full_clean()
    relative.save()
    audit.record(
        actor=actor,
        action="create",
        resident=resident,
        object_type="relative",
        object_id=relative.pk,
        purpose="administration",
        # What the relative may see is their consent (relatives.services, logged there).
        details={"user": relative.user_id},
    )
    return relative


def _require_physician_or_unit_nurse(actor, resident: Resident) -> None:
    """Let the resident's physicians and the unit's nurses through; refuse everyone else."""
    from django.core.exceptions import PermissionDenied

    from digifys.accounts.models import Role

    role = getattr(actor, "role", None)
    if role == Role.PHYSICIAN:
        allowed = Resident.objects.visible_to(actor).filter(pk=resident.pk).exists()
    elif role in (Role.NURSE, Role.ASSISTANT_NURSE):
        allowed = actor.works_on(resident.unit_id)
    else:
        allowed = False
    if not allowed:
        raise PermissionDenied(
            _("Only the resident's physicians and the unit's nurses can change this.")
        )


@transaction.atomic
def set_drug_related_problems(
    *, actor, resident: Resident, value: bool, reason: str = "", request=None
) -> Resident:
    """Set or clear the suspicion of drug-related problems (makes a medication review due)."""
    # HSLF-FS 2017:37: the unit's staff report suspected drug-related problems.
    _require_physician_or_unit_nurse(actor, resident)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    changed = resident.drug_related_problems != bool(value)
    resident.drug_related_problems = bool(value)
    if value and (changed or resident.drug_related_problems_since is None):
        resident.drug_related_problems_since = timezone.localdate()
    elif not value:
        resident.drug_related_problems_since = None
    resident.save(update_fields=["drug_related_problems", "drug_related_problems_since"])
    details = {"drug_related_problems": bool(value), "changed": changed}
    if reason:
        details["reason"] = reason
    audit.record(
        actor=actor,
        action="update",
        resident=resident,
        object_type="drug_related_problems",
        object_id=resident.pk,
        request=request,
        details=details,
    )
    return resident


COGNITIVE_BASELINE_MAX = 2000


@transaction.atomic
def set_cognitive_baseline(*, actor, resident: Resident, text: str, request=None) -> Resident:
    """Document the resident's usual cognitive state (issue #19 item 11).

    NEWS2 scores "C – new confusion" 3 only when confusion is new or worse than the resident's
    usual state (RCP NEWS2 Chart 1; domain-spec §1.3): the nurse at the bedside needs the
    baseline beside that choice, and it must be kept up to date after registration. The
    resident's physicians and the unit's nurses change it; every change is logged.
    """
    _require_physician_or_unit_nurse(actor, resident)
    text = (text or "").strip()
    if len(text) > COGNITIVE_BASELINE_MAX:
        raise ValidationError(
            {
                "cognitive_baseline": _("Keep it under %(count)s characters.")
                % {"count": COGNITIVE_BASELINE_MAX}
            }
        )
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    changed = resident.cognitive_baseline != text
    if changed:
        resident.cognitive_baseline = text
        resident.save(update_fields=["cognitive_baseline"])
    audit.record(
        actor=actor,
        action="update",
        resident=resident,
        object_type="cognitive_baseline",
        object_id=resident.pk,
        request=request,
        details={"changed": changed},
    )
    return resident
