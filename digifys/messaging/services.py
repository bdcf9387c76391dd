"""Writes for updates and relatives' messages: each checks who may, logs, notifies, goes live.

Rules (issue #13 §2, domain-spec §3.2):
- nurses, assistant nurses and physicians who see the resident write updates; only a licensed
  nurse or physician approves one (the writer too, when licensed); a published update is shown
  to relatives whose consent in force covers *updates*, and they are notified without any detail;
- a relative writes to the resident's unit while their consent in force covers *messages*; the
  unit's nurses are notified and the worklist's badge changes live;
- staff who see the resident read, answer and hand a message to one of the resident's
  physicians; the relative is notified of the answer; a message unanswered at its deadline is
  escalated to the unit's coordinators exactly once.
Notification texts name the nursing home, never the resident, and carry nothing clinical.
"""

import datetime
import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams.models import PhysicianAssignment
from digifys.core import live
from digifys.directory.models import Organisation, StaffProfile
from digifys.notifications.models import Notification
from digifys.notifications.services import notify
from digifys.relatives import policy
from digifys.relatives.models import Consent, Scope
from digifys.residents.models import Relative, Resident

from .calendar import answer_deadline
from .models import ANSWER_MAX_LENGTH, MESSAGE_MAX_LENGTH, UPDATE_MAX_LENGTH, Message, Update

log = logging.getLogger(__name__)

WRITING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)
APPROVING_ROLES = (Role.NURSE, Role.PHYSICIAN)  # licensed (legitimerade)
ANSWERING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN, Role.COORDINATOR)
HANDING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.COORDINATOR)


def may_write_update(user) -> bool:
    return getattr(user, "role", None) in WRITING_ROLES


def may_approve_update(user) -> bool:
    return getattr(user, "role", None) in APPROVING_ROLES


def may_answer(user) -> bool:
    return getattr(user, "role", None) in ANSWERING_ROLES


def may_hand_over(user) -> bool:
    return getattr(user, "role", None) in HANDING_ROLES


def _home_name(unit: Organisation) -> str:
    return unit.parent.name if unit.parent_id else unit.name


def _clean_text(text: str, limit: int, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("Write something first.")}, code="empty")
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("At most %(limit)d characters, please (this is %(count)d).")
                % {"limit": limit, "count": len(text)}
            },
            code="too_long",
        )
    return text


def _visible_resident(actor, resident_id: int) -> Resident:
    resident = (
        Resident.objects.visible_to(actor).select_related("unit__parent").filter(pk=resident_id)
    ).first()
    if resident is None:
        raise PermissionDenied
    return resident


def _unit_changed(unit_id: int, resident_id: int, event: str, **data) -> None:
    """A message's unread count changed: the unit's worklists and the resident page follow.

    The event carries the resident's new unread count, counted once after the commit (so it
    includes this change and any committed before it) with the time it was counted: an open
    worklist sets that row's badge in place instead of fetching its rows again
    (`messaging/static/messaging/unread_badges.js`). A count is a number, not clinical text, and
    goes only to sockets that may follow the unit or the resident (their consumers' rules).
    """
    groups = [live.unit_group(unit_id), live.resident_group(resident_id)]

    def send() -> None:
        counted = round(time.time() * 1000)
        try:
            unread = Message.objects.filter(resident_id=resident_id).unread().count()
        except DatabaseError:  # without the count the pages fetch their rows, as before
            log.exception("unread count for the live event failed")
            live.send_now(groups, event, resident=resident_id, **data)
            return
        live.send_now(groups, event, resident=resident_id, unread=unread, counted=counted, **data)

    transaction.on_commit(send)


def _message_changed(message: Message, *, unread_changed: bool) -> None:
    if unread_changed:
        _unit_changed(message.unit_id, message.resident_id, "relative_message", message=message.pk)
    else:
        _resident_changed(message.resident_id, "relative_message", message=message.pk)


def _resident_changed(resident_id: int, event: str, **data) -> None:
    """Something only the resident page shows changed (an update, an answer, a hand-over).

    The unit's group is left out on purpose: its listeners (the worklist's rows, the task list)
    show the unread count only, and every event there makes every open worklist of the unit
    fetch its rows again (bench/relatives.py, docs/performance.md).
    """
    live.publish([live.resident_group(resident_id)], event, resident=resident_id, **data)


# --- Updates --------------------------------------------------------------------------------


@transaction.atomic
def write_update(*, actor, resident: Resident, text: str, publish: bool = False, request=None):
    """Write an update for RESIDENT's relatives; with PUBLISH a licensed writer approves it too."""
    require_role(actor, *WRITING_ROLES)
    resident = _visible_resident(actor, resident.pk)
    text = _clean_text(text, UPDATE_MAX_LENGTH, "text")
    if publish and not may_approve_update(actor):
        raise ValidationError(
            _("Only a nurse or a physician can publish an update. Send it for approval instead."),
            code="not_licensed",
        )
    update = Update.objects.create(
        resident=resident, unit=resident.unit, text=text, written_by=actor
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=resident,
        object_type="relative_update",
        object_id=update.pk,
        request=request,
    )
    if publish:
        _publish(actor, update, request)
    else:
        _resident_changed(resident.pk, "relative_update")
    return update


def _publish(actor, update: Update, request) -> None:
    now = timezone.now()
    update.approved_by = actor
    update.published_at = now
    update.save(update_fields=["approved_by", "published_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=update.resident,
        object_type="relative_update",
        object_id=update.pk,
        request=request,
        details={"change": "published"},
    )
    readers = (
        Consent.objects.in_force()
        .filter(resident=update.resident, updates=True, relative__user__is_active=True)
        .select_related("relative__user")
    )
    notify(
        recipients=[consent.relative.user for consent in readers],
        kind=Notification.Kind.RELATIVE_UPDATE,
        code="relative_update",
        params={"home": _home_name(update.unit)},
        link=reverse("messaging:relative_updates", kwargs={"resident_pk": update.resident_id}),
    )
    _resident_changed(update.resident_id, "relative_update")


@transaction.atomic
def approve_update(*, actor, update: Update, request=None) -> Update:
    """Approve and publish a pending update (licensed staff who see the resident)."""
    require_role(actor, *APPROVING_ROLES)
    _visible_resident(actor, update.resident_id)
    update = (
        Update.objects.select_for_update(of=("self",))
        .select_related("unit__parent")
        .get(pk=update.pk)
    )
    if update.is_published:
        raise ValidationError(_("This update has already been published."), code="published")
    _publish(actor, update, request)
    return update


# --- Messages -------------------------------------------------------------------------------


def _sender_link(actor, resident_id: int) -> Relative:
    """ACTOR's relative link to RESIDENT_ID, if their consent in force covers messages."""
    if Scope.MESSAGES not in policy.scopes_for(actor, resident_id):
        raise PermissionDenied
    consents = Consent.objects.in_force().of_user(actor).filter(resident_id=resident_id)
    relative = (
        Relative.objects.filter(pk__in=consents.filter(messages=True).values("relative"))
        .select_related("resident__unit__parent")
        .order_by("pk")
        .first()
    )
    if relative is None:
        raise PermissionDenied
    return relative


@transaction.atomic
def send_message(*, actor, resident_id: int, text: str, request=None) -> Message:
    """A relative writes to the resident's unit (their consent in force covers messages)."""
    require_role(actor, Role.RELATIVE)
    relative = _sender_link(actor, resident_id)
    text = _clean_text(text, MESSAGE_MAX_LENGTH, "text")
    resident = relative.resident
    unit = resident.unit
    now = timezone.now()
    message = Message.objects.create(
        resident=resident,
        unit=unit,
        relative=relative,
        text=text,
        sent_at=now,
        deadline_at=answer_deadline(unit, now),
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=resident,
        object_type="relative_message",
        object_id=message.pk,
        purpose=audit.Purpose.PATIENT_REQUEST,
        request=request,
    )
    notify(
        recipients=StaffProfile.objects.users_caring_on(unit.pk),
        kind=Notification.Kind.RELATIVE_MESSAGE,
        code="relative_message",
        params={"unit": unit.name},
        link=reverse("messaging:message", kwargs={"pk": message.pk}),
    )
    _unit_changed(unit.pk, resident.pk, "relative_message", message=message.pk)
    _schedule_deadline_check(message)
    return message


def _schedule_deadline_check(message: Message) -> None:
    from .tasks import check_message_deadline

    message_id, deadline = message.pk, message.deadline_at
    transaction.on_commit(
        lambda: check_message_deadline.using(run_after=deadline).enqueue(message_id=message_id)
    )


def _locked_message(actor, message: Message) -> Message:
    _visible_resident(actor, message.resident_id)
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("unit__parent", "relative__user")
        .get(pk=message.pk)
    )


@transaction.atomic
def mark_read(*, actor, message: Message) -> bool:
    """Staff opened the message: the relative sees "read" from now on. True if it changed."""
    if not may_answer(actor):
        return False
    message = _locked_message(actor, message)
    if message.read_at is not None:
        return False
    message.read_at = timezone.now()
    message.read_by = actor
    message.save(update_fields=["read_at", "read_by"])
    _unit_changed(message.unit_id, message.resident_id, "relative_message", message=message.pk)
    return True


def _save_change(actor, message: Message, now, details: dict, request) -> bool:
    """Save a staff member's change to MESSAGE (which also reads it) and log it; True if the
    message was unread until now."""
    was_unread = message.read_at is None
    if was_unread:
        message.read_at, message.read_by = now, actor
    message.save()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=message.resident,
        object_type="relative_message",
        object_id=message.pk,
        request=request,
        details=details,
    )
    return was_unread


@transaction.atomic
def answer_message(*, actor, message: Message, text: str, request=None) -> Message:
    """Answer a relative's message (once); the relative is notified."""
    require_role(actor, *ANSWERING_ROLES)
    message = _locked_message(actor, message)
    text = _clean_text(text, ANSWER_MAX_LENGTH, "answer")
    if message.is_answered:
        raise ValidationError(_("This message has already been answered."), code="answered")
    now = timezone.now()
    message.answer = text
    message.answered_at = now
    message.answered_by = actor
    was_unread = _save_change(actor, message, now, {"change": "answered"}, request)
    notify(
        recipients=[message.relative.user] if message.relative.user_id else [],
        kind=Notification.Kind.MESSAGE_ANSWERED,
        code="message_answered",
        params={"home": _home_name(message.unit)},
        link=reverse("messaging:relative_messages", kwargs={"resident_pk": message.resident_id}),
    )
    _message_changed(message, unread_changed=was_unread)
    if message.handed_to_id:
        live.publish([live.physician_group(message.handed_to_id)], "relative_message")
    return message


def physicians_for(resident: Resident):
    """The resident's current named and deputy physicians (whom a message can be handed to)."""
    current = PhysicianAssignment.objects.filter(resident=resident, ended_at__isnull=True)
    return (
        StaffProfile.objects.filter(pk__in=current.values("physician"), user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )


@transaction.atomic
def hand_over(*, actor, message: Message, physician: StaffProfile, request=None) -> Message:
    """Hand a message to one of the resident's physicians, who then sees it in their list."""
    require_role(actor, *HANDING_ROLES)
    message = _locked_message(actor, message)
    if message.is_answered:
        raise ValidationError(_("This message has already been answered."), code="answered")
    if not physicians_for(message.resident).filter(pk=physician.pk).exists():
        raise ValidationError(
            {"physician": _("Choose one of the resident's physicians.")}, code="not_physician"
        )
    now = timezone.now()
    message.handed_to = physician
    message.handed_at = now
    message.handed_by = actor
    details = {"change": "handed_over", "to": physician.pk}
    was_unread = _save_change(actor, message, now, details, request)
    notify(
        recipients=[physician.user],
        kind=Notification.Kind.RELATIVE_MESSAGE,
        code="relative_message_handed",
        params={"unit": message.unit.name},
        link=reverse("messaging:message", kwargs={"pk": message.pk}),
    )
    _message_changed(message, unread_changed=was_unread)
    live.publish([live.physician_group(physician.pk)], "relative_message")
    return message


def coordinators_for(unit: Organisation) -> list:
    """Active coordinators employed by UNIT or any organisation above it (home, municipality,
    care area, region)."""
    chain, org = [], unit
    seen = set()
    while org is not None and org.pk not in seen:
        seen.add(org.pk)
        chain.append(org.pk)
        org = org.parent
    profiles = StaffProfile.objects.filter(
        Q(employer__in=chain) | Q(units=unit.pk),
        profession=Role.COORDINATOR,
        user__is_active=True,
    ).select_related("user")
    return list({profile.user_id: profile.user for profile in profiles}.values())


@transaction.atomic
def escalate_if_overdue(*, message_id: int, now: datetime.datetime | None = None) -> bool:
    """Escalate an unanswered message past its deadline to the unit's coordinators, once."""
    now = now or timezone.now()
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("unit__parent")
        .filter(pk=message_id)
        .first()
    )
    if (
        message is None
        or message.is_answered
        or message.escalated_at is not None
        or message.deadline_at > now
    ):
        return False
    message.escalated_at = now
    message.save(update_fields=["escalated_at"])
    audit.record(
        actor=None,
        action=audit.Action.UPDATE,
        resident=message.resident,
        object_type="relative_message",
        object_id=message.pk,
        details={"change": "escalated"},
    )
    notify(
        recipients=coordinators_for(message.unit),
        kind=Notification.Kind.MESSAGE_ESCALATED,
        code="relative_message_escalated",
        params={"unit": message.unit.name},
        link=reverse("messaging:message", kwargs={"pk": message.pk}),
    )
    _message_changed(message, unread_changed=False)
    return True


def escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Sweep: escalate every unanswered message past its deadline (e.g. after the worker was
    down); return how many."""
    now = now or timezone.now()
    ids = list(Message.objects.overdue(now).values_list("pk", flat=True))
    return sum(escalate_if_overdue(message_id=pk, now=now) for pk in ids)


# --- Condition notices ----------------------------------------------------------------------


@transaction.atomic
def send_condition_notice(*, actor, resident: Resident, request=None) -> Update:
    """Tell RESIDENT's relatives that the doctor has been contacted (no text, no clinical detail).

    Licensed staff (nurse or physician) who see the resident. Recorded as a published update
    with a fixed notice; notifies every relative whose consent in force covers condition notices.
    """
    require_role(actor, *APPROVING_ROLES)
    resident = _visible_resident(actor, resident.pk)
    now = timezone.now()
    update = Update.objects.create(
        resident=resident,
        unit=resident.unit,
        notice=Update.Notice.DOCTOR_CONTACTED,
        written_by=actor,
        written_at=now,
        approved_by=actor,
        published_at=now,
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=resident,
        object_type="condition_notice",
        object_id=update.pk,
        request=request,
    )
    readers = (
        Consent.objects.in_force()
        .filter(resident=resident, condition=True, relative__user__is_active=True)
        .select_related("relative__user")
    )
    notify(
        recipients=[consent.relative.user for consent in readers],
        kind=Notification.Kind.CONDITION_NOTICE,
        code="condition_notice",
        params={"home": _home_name(update.unit)},
        link=reverse("messaging:relative_updates", kwargs={"resident_pk": resident.pk}),
    )
    _resident_changed(resident.pk, "relative_update")
    return update
