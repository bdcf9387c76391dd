"""Writes for relatives' consent: register, change, revoke (each a new row, each logged).

Rules enforced here (domain-spec §3.2):
- consent is registered by the resident's unit's nurses, the resident's physicians and
  coordinators, for a resident they may see;
- the basis is the resident's own consent, or — for a resident who cannot consent — a harm
  assessment (men-prövning), which only a licensed clinician (physician or nurse) makes, with
  the grounds written down; the assessor is the clinician who records it;
- a consent shares at least one scope, has a review date, and does not run out before it starts
  or before today;
- nothing is overwritten: a change or revocation is a new row, and every row is in the access
  log with what it shares.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.residents.models import Relative, Resident

from .models import Consent, Scope, stockholm_today

RECORDING_ROLES = (Role.NURSE, Role.PHYSICIAN, Role.COORDINATOR)
ASSESSING_ROLES = (Role.NURSE, Role.PHYSICIAN)


def may_record_consent(user) -> bool:
    return getattr(user, "role", None) in RECORDING_ROLES


def may_assess_harm(user) -> bool:
    return getattr(user, "role", None) in ASSESSING_ROLES


def _locked_relative(actor, relative: Relative) -> Relative:
    """Check ACTOR may record consent for RELATIVE's resident and lock the relative's row."""
    require_role(actor, *RECORDING_ROLES)
    if not Resident.objects.visible_to(actor).filter(pk=relative.resident_id).exists():
        raise ValidationError(_("You cannot record consent for this resident."))
    return Relative.objects.select_for_update().get(pk=relative.pk)


def _log(actor, consent: Consent, action: str, request) -> None:
    audit.record(
        actor=actor,
        action=action,
        resident=consent.resident,
        object_type="relative_consent",
        object_id=consent.pk,
        purpose="administration",
        request=request,
        details={
            "relative": consent.relative_id,
            "event": consent.event,
            "basis": consent.basis,
            "scopes": sorted(consent.scopes),
            "valid_until": consent.valid_until.isoformat() if consent.valid_until else None,
            "review_on": consent.review_on.isoformat() if consent.review_on else None,
        },
    )


def current_consent(relative: Relative) -> Consent | None:
    return Consent.objects.filter(relative=relative).current().first()


@transaction.atomic
def record_consent(
    *,
    actor,
    relative: Relative,
    basis: str,
    scopes: list[str] | set[str] | frozenset[str],
    given_on: datetime.date,
    review_on: datetime.date,
    valid_until: datetime.date | None = None,
    reason: str = "",
    request=None,
) -> Consent:
    """Register a relative's consent, or change it (a new row that replaces the current one)."""
    relative = _locked_relative(actor, relative)
    today = stockholm_today()
    errors: dict[str, list[str]] = {}
    scopes = set(scopes)
    if not scopes:
        errors["scopes"] = [
            _("Choose at least one thing to share. To share nothing, revoke the consent instead.")
        ]
    elif not scopes <= set(Scope.values):
        errors["scopes"] = [_("Choose only from the listed kinds of information.")]
    if basis not in Consent.Basis.values:
        errors["basis"] = [_("Choose the basis for sharing.")]
    reason = (reason or "").strip()
    if basis == Consent.Basis.HARM_ASSESSMENT:
        if not may_assess_harm(actor):
            errors["basis"] = [
                _("Only a licensed clinician (physician or nurse) can make a harm assessment.")
            ]
        if not reason:
            errors["reason"] = [_("Write down the grounds of the harm assessment.")]
    if given_on > today:
        errors["given_on"] = [_("The date it was given cannot be in the future.")]
    if valid_until is not None and valid_until < max(given_on, today):
        errors["valid_until"] = [_("The consent cannot run out before today.")]
    if review_on < given_on:
        errors["review_on"] = [_("The review date cannot be before the consent was given.")]
    if errors:
        raise ValidationError(errors)
    previous = current_consent(relative)
    changed = previous is not None and previous.event != Consent.Event.REVOKED
    consent = Consent.objects.create(
        relative=relative,
        resident_id=relative.resident_id,
        event=Consent.Event.CHANGED if changed else Consent.Event.GIVEN,
        basis=basis,
        given_on=given_on,
        valid_until=valid_until,
        review_on=review_on,
        assessed_by=(actor.staff_profile if basis == Consent.Basis.HARM_ASSESSMENT else None),
        reason=reason,
        recorded_by=actor,
        recorded_at=timezone.now(),
        **{scope: scope in scopes for scope in Scope.values},
    )
    _log(actor, consent, "update" if changed else "create", request)
    return consent


@transaction.atomic
def revoke_consent(*, actor, relative: Relative, reason: str, request=None) -> Consent:
    """Revoke a relative's consent from now on (the relative sees nothing from their next page)."""
    relative = _locked_relative(actor, relative)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Say who asked for the revocation or why it is revoked.")]}
        )
    previous = current_consent(relative)
    if previous is None or previous.event == Consent.Event.REVOKED:
        raise ValidationError(_("There is no consent to revoke."))
    consent = Consent.objects.create(
        relative=relative,
        resident_id=relative.resident_id,
        event=Consent.Event.REVOKED,
        basis=previous.basis,
        given_on=previous.given_on,
        valid_until=previous.valid_until,
        review_on=None,
        assessed_by=previous.assessed_by,
        reason=reason,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    _log(actor, consent, "update", request)
    return consent
