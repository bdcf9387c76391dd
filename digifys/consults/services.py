"""Writes for SBAR consults, their threads, escalation and journal notes.

Rules enforced here:
- only nurses and assistant nurses of the resident's unit (or a physician caring for the resident)
  send consults; all four SBAR sections are required (domain-spec §2);
- routing: named physician on duty → deputy on duty → on-duty physician of the virtual clinic
  (routing.py); a deadline by urgency (settings.CONSULT_DEADLINE_MINUTES);
- a slipping deadline escalates: the next in line gets the consult and is notified, the unit is
  notified; escalation repeats until someone answers. A consult ends answered, or closed with a
  reason — nothing is ever deleted or lost;
- a consult assigned to a physician gives them a care relationship (careteams.policy), so a
  physician who reaches the resident only through emergency access never becomes its assignee
  (by routing to themself, accepting or answering it): emergency access must not turn into
  "care" access (issue #20);
- a journal note is signed by the physician and is read-only afterwards; changes are new notes
  that amend it.
"""

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.accounts.models import Role
from digifys.audit import services as audit
from digifys.careteams import policy
from digifys.clinicians import drafts
from digifys.clinicians import rules as clinician_rules
from digifys.core import live
from digifys.directory import phone
from digifys.directory.models import StaffProfile
from digifys.notifications.models import Notification
from digifys.notifications.services import notify
from digifys.residents.models import Resident
from digifys.vitals import services as vitals
from digifys.vitals.models import Observation, Urgency

from . import routing
from .models import Consult, ConsultMessage, ConsultPhoto, JournalNote, JournalNoteRevision
from .thread import event

SENDING_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)
MAX_PHOTOS = 5
SBAR_FIELDS = ("situation", "background", "assessment", "recommendation")


def _groups(consult: Consult, *extra_physicians: int) -> list[str]:
    groups = [
        live.unit_group(consult.unit_id),
        live.consult_group(consult.pk),
        live.physician_group(consult.assigned_to_id),
    ]
    groups += [live.physician_group(pk) for pk in extra_physicians if pk]
    return groups


def _panel_physicians(consult: Consult) -> list[int]:
    # The whole panel team follows its residents' consults (the inbox's "panel team" section).
    from digifys.careteams.models import PhysicianAssignment

    return list(
        PhysicianAssignment.objects.current()
        .filter(resident_id=consult.resident_id)
        .values_list("physician_id", flat=True)
    )


def _changed(consult: Consult, *extra_physicians: int) -> None:
    live.publish(
        _groups(consult, *extra_physicians, *_panel_physicians(consult)),
        "consult",
        consult=consult.pk,
        resident=consult.resident_id,
    )


def _link(consult: Consult) -> str:
    return reverse("consults:detail", args=[consult.pk])


def _lock(consult: Consult) -> Consult:
    # Only the consult's row, and FOR NO KEY UPDATE: without of= PostgreSQL also locked the
    # joined resident and physician's user FOR UPDATE, and a read holding the access log's
    # chain head then waited (its entry's foreign-key check) for the resident while this
    # transaction waited for the chain head: a deadlock (fhir/tests/test_concurrency_pg.py).
    return (
        Consult.objects.select_for_update(of=("self",), no_key=True)
        .select_related("resident", "assigned_to__user")
        .get(pk=consult.pk)
    )


def _refuse_emergency_only(actor, resident: Resident) -> None:
    if not policy.has_care_relationship(actor, resident):
        raise ValidationError(
            _(
                "You see this resident through emergency access only, so the consult cannot be "
                "given to you. It stays with the physician it was sent to."
            ),
            code="emergency_only",
        )


def _require_physician(actor) -> StaffProfile:
    if getattr(actor, "role", None) != Role.PHYSICIAN:
        raise PermissionDenied(_("Only a physician can do this."))
    return actor.staff_profile


def _schedule_deadline_check(consult: Consult) -> None:
    from .tasks import check_consult_deadline

    consult_id, deadline = consult.pk, consult.deadline_at
    transaction.on_commit(
        lambda: check_consult_deadline.using(run_after=deadline).enqueue(consult_id=consult_id)
    )


def _consult_for_key(*, actor, resident: Resident, key: uuid.UUID) -> Consult | None:
    """The consult already sent under KEY; refuse a key that belongs to another sender's entry."""
    consult = Consult.objects.filter(idempotency_key=key).select_related("assigned_to").first()
    if consult is None:
        return None
    if consult.created_by_id != actor.pk or consult.resident_id != resident.pk:
        # Never hand another user's consult to whoever sends its key.
        raise ValidationError(
            _("This form was already used for another consult. Open a new consult form.")
        )
    return consult


@transaction.atomic
def send_consult(
    *,
    actor,
    resident: Resident,
    urgency: str,
    situation: str,
    background: str,
    assessment: str,
    recommendation: str,
    observation: Observation | None = None,
    caller_phone: str = "",
    photos=(),
    urgency_reason: str = "",
    idempotency_key: uuid.UUID | None = None,
    request=None,
) -> Consult:
    """Send an SBAR consult about RESIDENT; route it and start its deadline.

    With IDEMPOTENCY_KEY (the SBAR form's), a second call with the same key — Send pressed twice,
    or the post repeated after its answer was lost — returns the consult the first one made and
    sends nothing more; the unique key decides a race.

    An urgency lower than the unit's escalation table suggests for the attached vital signs
    (e.g. NEWS2 ≥ 7 sent as "next ward round") needs URGENCY_REASON, which is stored and shown
    with the consult (issue #19 item 12).
    """
    if getattr(actor, "role", None) not in SENDING_ROLES:
        raise PermissionDenied(_("Only nurses and physicians send consults."))
    if idempotency_key is not None:
        existing = _consult_for_key(actor=actor, resident=resident, key=idempotency_key)
        if existing is not None:
            return existing
    # No eligibility check: the bedside and the region's on-call route keep working for a
    # resident registered elsewhere; routing.py leaves out the physicians abroad.
    texts = {
        "situation": situation.strip(),
        "background": background.strip(),
        "assessment": assessment.strip(),
        "recommendation": recommendation.strip(),
    }
    errors = {}
    messages = {
        "situation": _("Describe the situation: why you are calling, in one sentence or two."),
        "background": _("Give the background: diagnoses, medication, limitation decisions."),
        "assessment": _("Describe the current condition: vital signs and your assessment."),
        "recommendation": _("Say what you ask the physician for, and by when."),
    }
    for name, text in texts.items():
        if not text:
            errors[name] = messages[name]
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose how urgent the consult is.")
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("Send at most %(count)s photos with one consult.") % {
            "count": MAX_PHOTOS
        }
    if observation is not None and observation.resident_id != resident.pk:
        errors["observation"] = _("These vital signs belong to another resident.")
    urgency_reason = (urgency_reason or "").strip()
    suggested = vitals.suggested_urgency(observation) if "observation" not in errors else ""
    if vitals.is_lower_urgency(urgency, suggested):
        if not urgency_reason:
            errors["urgency_reason"] = _(
                "For these vital signs the unit's escalation table suggests “%(suggested)s”. "
                "Give the reason for sending with a lower urgency, or choose the suggested one."
            ) % {"suggested": Urgency(suggested).label}
    else:
        urgency_reason = ""
    if len(urgency_reason) > 2000:
        errors["urgency_reason"] = _("Keep the reason under 2000 characters.")
    # Only a real number, stored in E.164, may become a tel: link (issue 12 §4.7).
    callback = ""
    try:
        callback = phone.normalise(caller_phone)
    except ValidationError as exc:
        errors["caller_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    candidate = routing.route(resident, at=now)
    if candidate is None:
        raise ValidationError(
            _(
                "%(name)s has no named physician and no physician is on duty. Call the on-call "
                "physician per local routine, and ask the care coordinator to assign a physician."
            )
            % {"name": resident.full_name}
        )
    if candidate.physician.user_id == actor.pk:
        _refuse_emergency_only(actor, resident)
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the outer transaction usable
            consult = Consult.objects.create(
                resident=resident,
                unit=resident.unit,
                created_by=actor,
                created_at=now,
                urgency=urgency,
                urgency_reason=urgency_reason,
                observation=observation,
                caller_phone=callback,
                assigned_to=candidate.physician,
                routed_to=candidate.routed_to,
                deadline_at=routing.deadline_for(urgency, start=now),
                updated_at=now,
                idempotency_key=idempotency_key,
                **texts,
            )
    except IntegrityError:
        existing = None
        if idempotency_key is not None:
            existing = _consult_for_key(actor=actor, resident=resident, key=idempotency_key)
        if existing is None:
            raise
        return existing
    for photo in photos:
        ConsultPhoto.objects.create(consult=consult, image=photo, uploaded_by=actor)
    physician = candidate.physician
    event(
        consult.pk,
        "sent",
        {"name": physician.name, "route": candidate.routed_to},
        actor=actor,
    )
    if candidate.reason:
        event(consult.pk, candidate.reason, candidate.params, actor=actor)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=resident,
        object_type="consult",
        object_id=consult.pk,
        request=request,
    )
    notify(
        recipients=[physician.user],
        kind=Notification.Kind.CONSULT_NEW,
        code="consult_new",
        params={"urgency": urgency, "unit": resident.unit.name},
        link=_link(consult),
    )
    _changed(consult)
    _schedule_deadline_check(consult)
    return consult


def _check_may_take(physician: StaffProfile, consult: Consult) -> None:
    if reason := routing.refusal_reason(physician, consult.resident):
        raise PermissionDenied(reason)


def _check_open(consult: Consult) -> None:
    if consult.status == Consult.Status.CLOSED:
        raise ValidationError(_("This consult is closed. Send a new consult if needed."))


@transaction.atomic
def accept_consult(*, actor, consult: Consult, request=None) -> Consult:
    """The physician takes the consult; it moves to them if someone else had it."""
    physician = _require_physician(actor)
    consult = _lock(consult)
    _check_open(consult)
    _check_may_take(physician, consult)
    previous = consult.assigned_to_id
    if previous != physician.pk:
        _refuse_emergency_only(actor, consult.resident)
    now = timezone.now()
    if consult.status == Consult.Status.SENT:
        consult.status = Consult.Status.ACCEPTED
        consult.accepted_at = now
    if previous != physician.pk:
        consult.assigned_to = physician
    consult.updated_at = now
    consult.save()
    event(consult.pk, "accepted", {"name": physician.name}, actor=actor)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=consult.resident,
        object_type="consult",
        object_id=consult.pk,
        request=request,
        details={"change": "accepted"},
    )
    _changed(consult, previous)
    return consult


def mark_answered(consult: Consult, *, physician: StaffProfile, now=None) -> None:
    """Record that a physician answered (by message, vitals request or order). Locked by caller."""
    now = now or timezone.now()
    if consult.status in (Consult.Status.SENT, Consult.Status.ACCEPTED):
        consult.status = Consult.Status.ANSWERED
        consult.answered_at = now
        consult.accepted_at = consult.accepted_at or now
    consult.updated_at = now
    consult.save()
    if consult.created_by_id:
        notify(
            recipients=[consult.created_by],
            kind=Notification.Kind.CONSULT_ANSWERED,
            code="consult_answered",
            params={"name": physician.name, "unit": consult.unit.name},
            link=_link(consult),
        )


@transaction.atomic
def post_message(
    *, actor, consult: Consult, body: str, kind: str = ConsultMessage.Kind.MESSAGE, request=None
) -> ConsultMessage:
    """Add a message to the thread. A physician's message (or vitals request) answers it."""
    if getattr(actor, "role", None) not in SENDING_ROLES:
        raise PermissionDenied(_("Only the care team writes in a consult."))
    body = body.strip()
    if kind not in ConsultMessage.Kind.values or kind == ConsultMessage.Kind.EVENT:
        raise ValidationError({"kind": _("Choose a kind of message.")})
    # A request for vital signs without a text of its own is stored as a code: each reader sees
    # the standard request in their language.
    code = "vitals_request" if kind == ConsultMessage.Kind.VITALS_REQUEST and not body else ""
    if not body and not code:
        raise ValidationError({"body": _("Write a message before sending.")})
    if kind == ConsultMessage.Kind.VITALS_REQUEST and actor.role != Role.PHYSICIAN:
        raise PermissionDenied(_("Only a physician asks for new vital signs."))
    consult = _lock(consult)
    _check_open(consult)
    message = ConsultMessage.objects.create(
        consult=consult, author=actor, kind=kind, body=body, code=code
    )
    if actor.role == Role.PHYSICIAN:
        if (
            consult.assigned_to_id != actor.staff_profile.pk
            and consult.is_waiting
            and policy.has_care_relationship(actor, consult.resident)
        ):
            consult.assigned_to = actor.staff_profile
        mark_answered(consult, physician=actor.staff_profile)
    else:
        consult.updated_at = timezone.now()
        consult.save(update_fields=["updated_at"])
        notify(
            recipients=[consult.assigned_to.user],
            kind=Notification.Kind.MESSAGE,
            code="consult_message",
            params={"unit": consult.unit.name},
            link=_link(consult),
        )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        resident=consult.resident,
        object_type="consult_message",
        object_id=message.pk,
        request=request,
    )
    _changed(consult)
    return message


@transaction.atomic
def hand_over(*, actor, consult: Consult, to: StaffProfile, reason: str, request=None) -> Consult:
    """Pass the consult to another physician, with a reason; the deadline keeps running."""
    _require_physician(actor)
    consult = _lock(consult)
    _check_open(consult)
    errors = {}
    if to.profession != StaffProfile.Profession.PHYSICIAN or not to.user.is_active:
        errors["to"] = _("Choose an active physician.")
    elif to.pk == consult.assigned_to_id:
        errors["to"] = _("The consult is already with %(name)s.") % {"name": to.name}
    elif reason_not := routing.refusal_reason(to, consult.resident):
        errors["to"] = reason_not
    if not reason.strip():
        errors["reason"] = _("Say why you hand the consult over.")
    if errors:
        raise ValidationError(errors)
    previous = consult.assigned_to_id
    consult.assigned_to = to
    consult.routed_to = Consult.RoutedTo.HANDOVER
    if consult.status == Consult.Status.ACCEPTED:
        consult.status = Consult.Status.SENT
        consult.accepted_at = None
    consult.updated_at = timezone.now()
    consult.save()
    event(
        consult.pk,
        "handed_over",
        {"from": actor.staff_profile.name, "to": to.name, "reason": reason.strip()},
        actor=actor,
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=consult.resident,
        object_type="consult",
        object_id=consult.pk,
        request=request,
        details={"change": "handover", "to": to.pk},
    )
    notify(
        recipients=[to.user],
        kind=Notification.Kind.CONSULT_HANDED_OVER,
        code="consult_handed_over",
        params={"name": actor.staff_profile.name},
        link=_link(consult),
    )
    _changed(consult, previous)
    return consult


@transaction.atomic
def close_consult(*, actor, consult: Consult, reason: str, request=None) -> Consult:
    """End the consult with a reason (by the physician, or the nurse who no longer needs it)."""
    if getattr(actor, "role", None) not in SENDING_ROLES:
        raise PermissionDenied(_("Only the care team closes consults."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the consult is closed.")})
    consult = _lock(consult)
    _check_open(consult)
    now = timezone.now()
    consult.status = Consult.Status.CLOSED
    consult.closed_at = now
    consult.closed_by = actor
    consult.close_reason = reason
    consult.updated_at = now
    consult.save()
    event(consult.pk, "closed", {"reason": reason}, actor=actor)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=consult.resident,
        object_type="consult",
        object_id=consult.pk,
        request=request,
        details={"change": "closed"},
    )
    _changed(consult)
    return consult


@transaction.atomic
def escalate_if_overdue(*, consult_id: int, now: datetime.datetime | None = None) -> bool:
    """Escalate the consult when its deadline has passed unanswered; return True if it did.

    The next in line gets it (or it stays, when nobody else is on duty) with a new deadline;
    the new owner, the previous owner and the unit's nurses are notified. Idempotent.
    """
    now = now or timezone.now()
    consult = (
        Consult.objects.select_for_update()
        .select_related("resident__unit", "assigned_to__user")
        .filter(pk=consult_id)
        .first()
    )
    if consult is None or not consult.is_waiting or consult.deadline_at > now:
        return False
    previous = consult.assigned_to
    candidate = routing.next_in_line(consult, at=now)
    if candidate is not None:
        consult.assigned_to = candidate.physician
        consult.routed_to = candidate.routed_to
        consult.status = Consult.Status.SENT
        consult.accepted_at = None
    consult.escalation_count += 1
    consult.deadline_at = routing.deadline_for(consult.urgency, start=now)
    consult.updated_at = now
    consult.save()
    if candidate is not None:
        event(consult.pk, "escalated", {"from": previous.name, "to": candidate.physician.name})
        if candidate.reason:
            event(consult.pk, candidate.reason, candidate.params)
    else:
        event(consult.pk, "escalated_nobody")
    audit.record(
        actor=None,
        action=audit.Action.UPDATE,
        resident=consult.resident,
        object_type="consult",
        object_id=consult.pk,
        details={"change": "escalated", "to": consult.assigned_to_id},
    )
    notify(
        recipients=[
            consult.assigned_to.user,
            previous.user,
            *StaffProfile.objects.users_caring_on(consult.unit_id),
        ],
        kind=Notification.Kind.CONSULT_ESCALATED,
        code="consult_escalated",
        params={"unit": consult.unit.name},
        link=_link(consult),
    )
    _changed(consult, previous.pk)
    _schedule_deadline_check(consult)
    return True


def escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Sweep: escalate every waiting consult past its deadline; return how many escalated."""
    now = now or timezone.now()
    ids = list(Consult.objects.overdue(at=now).values_list("pk", flat=True))
    return sum(escalate_if_overdue(consult_id=pk, now=now) for pk in ids)


# --- Journal notes ---------------------------------------------------------------------------

NOTE_FIELDS = ("aktuellt", "status", "bedomning", "atgard")


@transaction.atomic
def save_note(
    *,
    actor,
    consult: Consult,
    aktuellt: str,
    status: str,
    bedomning: str,
    atgard: str,
    amends: JournalNote | None = None,
    request=None,
) -> JournalNote:
    """Create or update the physician's draft note for CONSULT (unsigned notes only).

    Each save is also kept as a revision of the draft; AMENDS is what this save amends (None
    clears an earlier save's).
    """
    physician = _require_physician(actor)
    texts = {
        "aktuellt": aktuellt.strip(),
        "status": status.strip(),
        "bedomning": bedomning.strip(),
        "atgard": atgard.strip(),
    }
    if not any(texts.values()):
        raise ValidationError(_("Write the note before saving."))
    if amends is not None:
        amends = JournalNote.objects.get(pk=amends.pk)  # its signature as stored, not as passed
    if amends is not None and (not amends.is_signed or amends.consult_id != consult.pk):
        raise ValidationError(_("Only a signed note of this consult can be amended."))
    note = (
        JournalNote.objects.select_for_update()
        .filter(consult=consult, author=physician, signed_at__isnull=True)
        .first()
    )
    now = timezone.now()
    created = note is None
    if created:
        note = JournalNote(
            resident=consult.resident,
            unit=consult.unit,
            consult=consult,
            author=physician,
            created_at=now,
        )
    for name, text in texts.items():
        setattr(note, name, text)
    # The latest save decides what the draft amends: a save that amends nothing clears it.
    note.amends = amends
    note.updated_at = now
    note.save()
    # Keep every version of the draft, not only the latest (issue #19 item 14).
    JournalNoteRevision.objects.create(
        note=note, amends=amends, saved_at=now, saved_by=physician, **texts
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE if created else audit.Action.UPDATE,
        resident=consult.resident,
        object_type="journal_note",
        object_id=note.pk,
        request=request,
    )
    _changed(consult)
    return note


@transaction.atomic
def sign_note(*, actor, note: JournalNote, request=None, countersigned_by=None) -> JournalNote:
    """Sign a draft note; it is read-only afterwards.

    A clinician without a valid licence may not sign (clinicians.rules); one under supervision
    sends the note to the supervisor instead, and it is signed when the supervisor countersigns
    (clinicians.supervision calls this again with COUNTERSIGNED_BY).
    """
    physician = _require_physician(actor)
    clinician_rules.require(physician, clinician_rules.SIGN_NOTE)
    note = JournalNote.objects.select_for_update().get(pk=note.pk)
    if note.author_id != physician.pk:
        raise PermissionDenied(_("Only the author signs a journal note."))
    if note.is_signed:
        raise ValidationError(_("The note is already signed. Write an amendment instead."))
    if not any(getattr(note, name).strip() for name in NOTE_FIELDS):
        raise ValidationError(_("An empty note cannot be signed."))
    if countersigned_by is None and clinician_rules.under_supervision(physician):
        drafts.submit(
            author=physician,
            kind="note",
            resident=note.resident,
            consult=note.consult,
            object_id=note.pk,
            payload={name: getattr(note, name) for name in NOTE_FIELDS},
            request=request,
        )
        return note
    note.signed_at = timezone.now()
    note.save(update_fields=["signed_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=note.resident,
        object_type="journal_note",
        object_id=note.pk,
        request=request,
        details={"change": "signed"}
        | ({"countersigned_by": countersigned_by.pk} if countersigned_by else {}),
    )
    if note.consult_id:
        consult = Consult.objects.get(pk=note.consult_id)
        _changed(consult)
    return note
