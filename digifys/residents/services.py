"""Writes for residents and their relatives.

Rules enforced here:
- identity numbers are validated and stored canonically as 12 digits (domain-spec §4);
- the virtual clinic serves only people registered (folkbokförda) in Västerbotten, county 24
  (domain-spec §5, §3.5): registering someone from elsewhere is refused, and moving a resident's
  registration out of the county ends eligibility without deleting history;
- birth date is stored separately from the number (the number's date is not always the true one).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.audit import services as audit
from digifys.directory import geography
from digifys.directory.models import Organisation

from .identity import InvalidIdentityNumber, parse_identity_number
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
    request=None,
) -> Resident:
    """Register a new resident in a unit after checking identity and eligibility."""
    try:
        identity = parse_identity_number(identity_number)
    except InvalidIdentityNumber as exc:
        raise ValidationError({"identity_number": str(exc)}) from exc
    check_municipality(home_municipality_code)
    if unit.kind != Organisation.Kind.UNIT:
        raise ValidationError({"unit": _("Choose a unit of a nursing home.")})
    if Resident.objects.filter(identity_number=identity.canonical).exists():
        raise ValidationError(
            {"identity_number": _("A resident with this identity number is already registered.")}
        )
    resident = Resident(
        identity_kind=identity.kind,
        identity_number=identity.canonical,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        birth_date=birth_date or identity.birth_date,
        home_municipality_code=home_municipality_code.strip(),
        unit=unit,
        room=room.strip(),
        preferred_languages=preferred_languages or ["sv"],
        needs_interpreter=needs_interpreter,
        interpreter_language=interpreter_language,
        moved_in_on=moved_in_on or timezone.localdate(),
        cognitive_baseline=cognitive_baseline,
    )
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


@transaction.atomic
def change_registration(
    *, actor, resident: Resident, municipality_code: str, request=None
) -> Resident:
    """Record a new home municipality; moving out of Västerbotten ends eligibility."""
    code = municipality_code.strip()
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
    return resident


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
    )
    return relative


@transaction.atomic
def set_drug_related_problems(
    *, actor, resident: Resident, value: bool, reason: str = "", request=None
) -> Resident:
    """Set or clear the suspicion of drug-related problems (makes a medication review due)."""
    from django.core.exceptions import PermissionDenied

    from digifys.accounts.models import Role

    role = getattr(actor, "role", None)
    if role == Role.PHYSICIAN:
        allowed = Resident.objects.visible_to(actor).filter(pk=resident.pk).exists()
    elif role in (Role.NURSE, Role.ASSISTANT_NURSE):
        # HSLF-FS 2017:37: the unit's staff report suspected drug-related problems.
        allowed = actor.staff_profile.units.filter(pk=resident.unit_id).exists()
    else:
        allowed = False
    if not allowed:
        raise PermissionDenied(
            _("Only the resident's physicians and the unit's nurses can change this.")
        )
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    changed = resident.drug_related_problems != bool(value)
    resident.drug_related_problems = bool(value)
    resident.save(update_fields=["drug_related_problems"])
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
    from django.core.exceptions import PermissionDenied

    from digifys.accounts.models import Role

    role = getattr(actor, "role", None)
    if role == Role.PHYSICIAN:
        allowed = Resident.objects.visible_to(actor).filter(pk=resident.pk).exists()
    elif role in (Role.NURSE, Role.ASSISTANT_NURSE):
        allowed = actor.staff_profile.units.filter(pk=resident.unit_id).exists()
    else:
        allowed = False
    if not allowed:
        raise PermissionDenied(
            _("Only the resident's physicians and the unit's nurses can change this.")
        )
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
