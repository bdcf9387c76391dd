"""Writes for user accounts: preferences, enrolment codes for the second factor, reset links.

Rules enforced here (issue 20 items 3 and 4):
- a staff member's first authenticator app is set up only with a one-time enrolment code that a
  care coordinator or an administrator issued out of band (or after a login through the region's
  identity provider): the code is shown once, stored as a slow hash, expires after
  TOTP_ENROLMENT_CODE_HOURS, is used once, and issuing and using it are written to the access
  log; nobody issues a code for themself, and coordinators not for administrators;
- administrators never set passwords: they send the user a reset link, which is logged;
- two people take part in giving someone a way in: whoever sent a user's password link within
  TOTP_ENROLMENT_CODE_HOURS cannot issue their enrolment code, and the other way round.
"""

import datetime
import secrets

from allauth.account.internal.flows.password_reset import request_password_reset
from allauth.core import context
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.audit import services as audit

from . import authentication
from .models import EnrolmentCode, Role, User

# Unambiguous characters (no 0/O, 1/I/L): the code is read aloud or copied from a screen.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12
# The demo's public enrolment code, printed with the demo logins; accepted only in demo mode.
DEMO_ENROLMENT_CODE = "DEMO-ENROL-2026"


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


@transaction.atomic
def set_preferred_language(*, actor: User, language: str) -> User:
    """Save the language the user wants the UI in."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the offered languages.")})
    actor.language = language
    actor.save(update_fields=["language"])
    return actor


def can_issue_enrolment_codes(actor: User) -> bool:
    """Return True if ACTOR may issue enrolment codes (coordinators and administrators)."""
    return actor.is_authenticated and (
        actor.is_superuser or actor.role in (Role.COORDINATOR, Role.ADMINISTRATOR)
    )


@transaction.atomic
def issue_enrolment_code(*, actor: User, user: User, request=None) -> str:
    """Issue a one-time code for USER's first authenticator app; return it (shown once)."""
    if not can_issue_enrolment_codes(actor):
        raise PermissionDenied(
            _("Only care coordinators and administrators issue enrolment codes.")
        )
    if user.pk == actor.pk:
        raise PermissionDenied(_("Ask another coordinator or administrator for your own code."))
    admin_target = user.is_superuser or user.is_staff or user.role == Role.ADMINISTRATOR
    if admin_target and not (actor.is_superuser or actor.role == Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only an administrator issues codes for administrators."))
    if not user.is_active or not authentication.needs_second_factor(user):
        raise ValidationError(_("Only active staff members set up an authenticator app."))
    if _took_the_other_step(actor=actor, user=user, step="password_reset_link"):
        raise PermissionDenied(
            _(
                "You sent this person's password link, so another coordinator or administrator "
                "issues their enrolment code."
            )
        )
    now = timezone.now()
    # One valid code at a time: a new code replaces any unused one.
    EnrolmentCode.objects.filter(user=user).usable(now).update(expires_at=now)
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    expires_at = now + datetime.timedelta(hours=settings.TOTP_ENROLMENT_CODE_HOURS)
    code = EnrolmentCode.objects.create(
        user=user,
        code_hash=make_password(raw),
        issued_by=actor,
        issued_at=now,
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="create",
        object_type="enrolment_code",
        object_id=code.pk,
        purpose="administration",
        request=request,
        details={"user": user.pk, "expires_at": expires_at.isoformat()},
    )
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


@transaction.atomic
def redeem_enrolment_code(*, user: User, code: str, request=None) -> bool:
    """Use up a valid enrolment code of USER; return False (and change nothing) if none matches."""
    entered = _normalise(code)
    if settings.DEMO and entered == _normalise(DEMO_ENROLMENT_CODE):
        matched = None
    else:
        now = timezone.now()
        candidates = EnrolmentCode.objects.select_for_update().filter(user=user).usable(now)
        matched = next((c for c in candidates if check_password(entered, c.code_hash)), None)
        if matched is None:
            return False
        matched.used_at = now
        matched.save(update_fields=["used_at"])
    audit.record(
        actor=user,
        action="update",
        object_type="enrolment_code",
        object_id=matched.pk if matched else "demo",
        purpose="administration",
        request=request,
        details={"used": True},
    )
    return True


def _took_the_other_step(*, actor: User, user: User, step: str) -> bool:
    """Return True if ACTOR recently sent USER's password link or issued their enrolment code."""
    from digifys.audit.models import AuditEvent

    since = timezone.now() - datetime.timedelta(hours=settings.TOTP_ENROLMENT_CODE_HOURS)
    events = AuditEvent.objects.filter(actor=actor, object_type=step, occurred_at__gte=since)
    if step == "enrolment_code":
        return events.filter(action="create", details__user=user.pk).exists()
    return events.filter(object_id=str(user.pk)).exists()


def send_password_reset_link(*, actor: User, user: User, request) -> None:
    """E-mail USER a link to choose a new password, and log who sent it."""
    if not user.email:
        raise ValidationError(_("%(user)s has no e-mail address.") % {"user": user.get_username()})
    if _took_the_other_step(actor=actor, user=user, step="enrolment_code"):
        raise ValidationError(
            _(
                "You issued this person's enrolment code, so another administrator sends their "
                "password link."
            )
        )
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="update",
            object_type="password_reset_link",
            object_id=user.pk,
            purpose="administration",
            request=request,
        )
    with context.request_context(request):  # allauth builds the link from the request
        request_password_reset(request, user.email, [user], None)
