"""Family meetings: registered relatives invited by name, who join with their own login.

A relative may be invited to (and may join) a family meeting only while their consent in force
covers family meetings (relatives.policy). Whoever cannot be invited is listed with the reason.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from digifys.relatives import policy
from digifys.relatives.models import Consent, Scope, stockholm_today
from digifys.residents.models import Relative
from digifys.visits.models import Participant, Room

from .common import Event, Status, closed_message
from .record import log_event


@dataclass(frozen=True)
class Candidate:
    relative: Relative
    reason: str  # "" when the relative can be invited
    invited: bool

    @property
    def name(self) -> str:
        return f"{self.relative.given_name} {self.relative.family_name}"

    @property
    def can_invite(self) -> bool:
        return not self.reason and not self.invited


def _reason(relative: Relative, consent: Consent | None, today) -> str:
    """Why RELATIVE cannot be invited ("" if they can), in the reader's language."""
    if consent is None:
        return _("No consent to share information with this relative is registered.")
    state = consent.state(today)
    if state == "revoked":
        return _("The consent was revoked.")
    if state == "expired":
        return _("The consent ran out on %(day)s.") % {"day": consent.valid_until.isoformat()}
    if state == "pending":
        return _("The consent starts on %(day)s.") % {"day": consent.given_on.isoformat()}
    if not consent.meetings:
        return _("The consent does not cover family meetings.")
    if relative.user_id is None or not relative.user.is_active:
        return _("The relative has no login to the relatives' portal yet.")
    return ""


def candidates(room: Room) -> list[Candidate]:
    """The resident's registered relatives, each with why they cannot be invited, if so."""
    if room.resident_id is None:
        return []
    relatives = list(
        Relative.objects.filter(resident_id=room.resident_id)
        .select_related("user")
        .order_by("family_name", "given_name", "pk")
    )
    current = {
        consent.relative_id: consent
        for consent in Consent.objects.filter(relative__in=relatives).current()
    }
    invited = set(
        Participant.objects.filter(room=room, relative__isnull=False)
        .exclude(status=Status.REMOVED)
        .values_list("relative_id", flat=True)
    )
    today = stockholm_today()
    return [
        Candidate(
            relative=relative,
            reason=_reason(relative, current.get(relative.pk), today),
            invited=relative.pk in invited,
        )
        for relative in relatives
    ]


@transaction.atomic
def invite_relative(*, actor, room: Room, relative_id, request=None) -> Participant:
    """The host invites a registered relative by name to the family meeting."""
    if room.host.user_id != actor.pk:
        raise PermissionDenied(_("Only the host can invite guests."))
    if not room.is_family_meeting:
        raise ValidationError(_("Relatives are invited by name only to family meetings."))
    if room.state() in ("ended", "closed"):
        raise ValidationError(closed_message(room))
    try:
        relative_id = int(relative_id)
    except (TypeError, ValueError):
        raise ValidationError({"relative": _("Choose a relative.")}) from None
    found = {c.relative.pk: c for c in candidates(room)}.get(relative_id)
    if found is None:
        raise ValidationError({"relative": _("Choose a relative.")})
    if found.reason:
        raise ValidationError({"relative": found.reason})
    participant = Participant.objects.filter(room=room, user=found.relative.user).first()
    if participant is not None and participant.status != Status.REMOVED:
        return participant
    if participant is None:
        participant = Participant.objects.create(
            room=room,
            user=found.relative.user,
            relative=found.relative,
            display_name=found.name[:200],
            role=Participant.Role.RELATIVE,
            kind="relative",
            status=Status.INVITED,
        )
    else:  # invited again after being removed
        participant.status = Status.INVITED
        participant.relative = found.relative
        participant.save(update_fields=["status", "relative"])
    log_event(
        room=room,
        kind=Event.INVITED,
        participant=participant,
        actor=actor,
        request=request,
        detail={"kind": "relative", "relative": found.relative.pk},
    )
    _send_invitation(room, participant)
    return participant


def _send_invitation(room: Room, participant: Participant) -> None:
    """Tell the invited relative, as a notification stored as a code and parameters."""
    from django.urls import reverse

    from digifys.notifications.models import Notification
    from digifys.notifications.services import notify

    notify(
        recipients=[participant.user],
        kind=Notification.Kind.MEETING_INVITATION,
        code="meeting_invitation",
        params={"unit": room.unit.name},
        link=reverse("relatives:home"),
    )


def invited_relative(user, room: Room) -> Participant | None:
    """USER's participant row in ROOM if they were invited as a relative and may still join.

    The consent is checked now, not at the invitation: a consent revoked or run out since,
    or no longer covering family meetings, lets nobody in.
    """
    if room.resident_id is None or not room.is_family_meeting:
        return None
    participant = (
        Participant.objects.filter(room=room, user=user, role=Participant.Role.RELATIVE)
        .select_related("relative")
        .first()
    )
    if participant is None or participant.relative is None:
        return None
    relative = participant.relative
    if relative.resident_id != room.resident_id or relative.user_id != user.pk:
        return None
    if Scope.MEETINGS not in policy.scopes_for(user, room.resident_id):
        return None
    return participant
