"""Work under supervision (issue #15 §2): drafts that take effect only when countersigned.

Rules enforced here:
- a supervised clinician's (rules.under_supervision) signed journal note, order and medication
  review become a `SupervisedDraft` in their supervisor's queue; the note stays unsigned, the
  order has no tasks, the review is not documented until the supervisor countersigns;
- only the named supervisor countersigns or returns, and only while holding a valid licence;
- a returned draft needs a comment; a returned order is cancelled, a returned note is an editable
  draft again, a returned review was never documented;
- a note changed after it was sent cannot be countersigned (the author sends it again);
- the consult's thread says "awaiting countersignature" (the nurse sees it); in an urgent or
  emergency consult the draft goes to the supervisor at once with a 30-minute deadline and the
  thread says so;
- every countersignature and return writes the access log and notifies the author.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.audit import services as audit
from digifys.notifications.models import Notification
from digifys.notifications.services import notify

from . import rules
from .models import ROUTINE_DEADLINE, URGENT_DEADLINE, SupervisedDraft

URGENT_LEVELS = ("emergency", "urgent")
NOTE_FIELDS = ("aktuellt", "status", "bedomning", "atgard")
# The notification each decision sends its author (notifications.models.MESSAGES).
DECISION_MESSAGES = {"countersigned": "countersign_done", "returned": "countersign_returned"}
_ACTIONS = {
    SupervisedDraft.Kind.NOTE: rules.SIGN_NOTE,
    SupervisedDraft.Kind.ORDER: rules.PLACE_ORDERS,
    SupervisedDraft.Kind.REVIEW: rules.MEDICATION_REVIEW,
}


def _consult_event(draft: SupervisedDraft, code: str, **params) -> None:
    if draft.consult_id is None:
        return
    from digifys.consults.services import event

    event(
        draft.consult_id,
        code,
        {
            "name": draft.author.name,
            "supervisor": draft.supervisor.name,
            "kind": draft.kind,
            **params,
        },
    )


@transaction.atomic
def submit(
    *,
    author,
    kind: str,
    resident,
    consult=None,
    object_id: int | None = None,
    payload: dict | None = None,
    request=None,
) -> SupervisedDraft:
    """Put a supervised clinician's note, order or review in the supervisor's queue."""
    clinician = rules.clinician_of(author)
    if not rules.under_supervision(author):
        raise ValidationError(_("Only a clinician under supervision sends work to countersign."))
    supervisor = clinician.supervisor
    urgent = consult is not None and consult.urgency in URGENT_LEVELS
    now = timezone.now()
    deadline = now + (URGENT_DEADLINE if urgent else ROUTINE_DEADLINE)
    draft = None
    if kind == SupervisedDraft.Kind.NOTE and object_id is not None:
        # Sending a note again replaces the waiting copy rather than queueing a second one.
        draft = (
            SupervisedDraft.objects.awaiting()
            .select_for_update()
            .filter(kind=kind, object_id=object_id)
            .first()
        )
    if draft is None:
        draft = SupervisedDraft(kind=kind, author=author, object_id=object_id)
    draft.supervisor = supervisor
    draft.resident = resident
    draft.consult = consult
    draft.payload = payload or {}
    draft.urgent = urgent
    draft.submitted_at = now
    draft.deadline = deadline
    draft.save()
    audit.record(
        actor=author.user,
        action=audit.Action.CREATE,
        resident=resident,
        object_type="supervised_draft",
        object_id=draft.pk,
        request=request,
        details={"kind": kind, "supervisor": supervisor.pk, "urgent": urgent},
    )
    _consult_event(draft, "countersign_awaiting")
    if urgent:
        _consult_event(draft, "countersign_escalated")
    unit = str(resident.unit) if resident.unit_id else ""
    notify(
        recipients=[supervisor.user],
        kind=Notification.Kind.COUNTERSIGNATURE,
        code="countersign_urgent" if urgent else "countersign_new",
        params={"name": author.name, "kind": kind, "unit": unit},
        link=reverse("clinicians:draft", args=[draft.pk]),
    )
    return draft


def _decide(actor, draft: SupervisedDraft) -> SupervisedDraft:
    draft = SupervisedDraft.objects.select_for_update().get(pk=draft.pk)
    supervisor = getattr(actor, "staff_profile", None)
    if supervisor is None or draft.supervisor_id != supervisor.pk:
        raise PermissionDenied(_("Only the named supervisor countersigns."))
    if draft.status != SupervisedDraft.Status.AWAITING:
        raise ValidationError(_("This draft has already been decided."))
    return draft


def _effect(draft: SupervisedDraft, supervisor, request) -> int | None:
    author_user = draft.author.user
    if draft.kind == SupervisedDraft.Kind.NOTE:
        from digifys.consults.models import JournalNote
        from digifys.consults.services import sign_note

        note = JournalNote.objects.get(pk=draft.object_id)
        if any(getattr(note, name) != draft.payload.get(name, "") for name in NOTE_FIELDS):
            raise ValidationError(
                _("The note changed after it was sent. The author must send it again.")
            )
        sign_note(actor=author_user, note=note, countersigned_by=supervisor, request=request)
        return note.pk
    if draft.kind == SupervisedDraft.Kind.ORDER:
        from digifys.orders.models import Order
        from digifys.orders.services import put_order_into_effect

        order = Order.objects.get(pk=draft.object_id)
        put_order_into_effect(order=order, actor=author_user, request=request)
        return order.pk
    from digifys.medicationreviews.services import record_review

    payload = dict(draft.payload)
    import datetime

    payload["performed_on"] = datetime.date.fromisoformat(payload["performed_on"])
    review = record_review(
        actor=author_user,
        resident=draft.resident,
        countersigned_by=supervisor,
        request=request,
        **payload,
    )
    return review.pk


def _log_decision(actor, draft: SupervisedDraft, decision: str, request) -> None:
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        resident=draft.resident,
        object_type="countersignature",
        object_id=draft.pk,
        request=request,
        details={"kind": draft.kind, "decision": decision, "author": draft.author_id},
    )
    notify(
        recipients=[draft.author.user],
        kind=Notification.Kind.COUNTERSIGNATURE,
        code=DECISION_MESSAGES[decision],
        params={
            "name": draft.supervisor.name,
            "kind": draft.kind,
            "unit": str(draft.resident.unit) if draft.resident.unit_id else "",
        },
        link=reverse("clinicians:draft", args=[draft.pk]),
    )


@transaction.atomic
def countersign(*, actor, draft: SupervisedDraft, request=None) -> SupervisedDraft:
    """The supervisor countersigns: the note is signed, the order's tasks made, the review kept."""
    draft = _decide(actor, draft)
    supervisor = actor.staff_profile
    rules.require(supervisor, _ACTIONS[draft.kind])
    if rules.under_supervision(supervisor):
        raise PermissionDenied(_("A supervisor must hold a valid Swedish licence."))
    draft.object_id = _effect(draft, supervisor, request)
    draft.status = SupervisedDraft.Status.COUNTERSIGNED
    draft.decided_at = timezone.now()
    draft.save(update_fields=["object_id", "status", "decided_at"])
    _log_decision(actor, draft, "countersigned", request)
    _consult_event(draft, "countersigned")
    return draft


@transaction.atomic
def return_draft(*, actor, draft: SupervisedDraft, comment: str, request=None) -> SupervisedDraft:
    """The supervisor returns the draft to its author with a comment; nothing takes effect."""
    draft = _decide(actor, draft)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what the author should change.")})
    if draft.kind == SupervisedDraft.Kind.ORDER:
        from digifys.orders.models import Order

        Order.objects.filter(pk=draft.object_id, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now()
        )
    draft.status = SupervisedDraft.Status.RETURNED
    draft.comment = comment
    draft.decided_at = timezone.now()
    draft.save(update_fields=["status", "comment", "decided_at"])
    _log_decision(actor, draft, "returned", request)
    _consult_event(draft, "countersign_returned", comment=comment)
    return draft
