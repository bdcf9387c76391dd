"""Work under supervision (issue #15 §2): countersigning or returning a supervised draft.

A supervised clinician's (rules.under_supervision) signed journal note, order and medication
review become a `SupervisedDraft` in their supervisor's queue (`drafts.submit`, called by the
domain services); the note stays unsigned, the order has no tasks, the review is not documented
until the supervisor countersigns here, which calls the same domain services again. The calls go
one way: this module imports the services, they import `drafts`, never this module.

Rules enforced here:
- only the named supervisor countersigns or returns, and only while holding a valid licence;
- a returned draft needs a comment; a returned order is cancelled, a returned note is an editable
  draft again, a returned review was never documented;
- a note changed after it was sent cannot be countersigned (the author sends it again);
- every countersignature and return writes the access log, notifies the author and, for a draft
  from a consult, writes a line in its thread.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.audit import services as audit
from digifys.consults.models import JournalNote
from digifys.consults.services import sign_note
from digifys.medicationreviews.services import record_review
from digifys.notifications.models import Notification
from digifys.notifications.services import notify
from digifys.orders.models import Order
from digifys.orders.services import put_order_into_effect

from . import rules
from .drafts import consult_event
from .models import SupervisedDraft

NOTE_FIELDS = ("aktuellt", "status", "bedomning", "atgard")
# The notification each decision sends its author (notifications.models.MESSAGES).
DECISION_MESSAGES = {"countersigned": "countersign_done", "returned": "countersign_returned"}
_ACTIONS = {
    SupervisedDraft.Kind.NOTE: rules.SIGN_NOTE,
    SupervisedDraft.Kind.ORDER: rules.PLACE_ORDERS,
    SupervisedDraft.Kind.REVIEW: rules.MEDICATION_REVIEW,
}


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
        note = JournalNote.objects.get(pk=draft.object_id)
        if any(getattr(note, name) != draft.payload.get(name, "") for name in NOTE_FIELDS):
            raise ValidationError(
                _("The note changed after it was sent. The author must send it again.")
            )
        sign_note(actor=author_user, note=note, countersigned_by=supervisor, request=request)
        return note.pk
    if draft.kind == SupervisedDraft.Kind.ORDER:
        order = Order.objects.get(pk=draft.object_id)
        put_order_into_effect(order=order, actor=author_user, request=request)
        return order.pk
    payload = dict(draft.payload)
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
    consult_event(draft, "countersigned")
    return draft


@transaction.atomic
def return_draft(*, actor, draft: SupervisedDraft, comment: str, request=None) -> SupervisedDraft:
    """The supervisor returns the draft to its author with a comment; nothing takes effect."""
    draft = _decide(actor, draft)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what the author should change.")})
    if draft.kind == SupervisedDraft.Kind.ORDER:
        Order.objects.filter(pk=draft.object_id, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now()
        )
    draft.status = SupervisedDraft.Status.RETURNED
    draft.comment = comment
    draft.decided_at = timezone.now()
    draft.save(update_fields=["status", "comment", "decided_at"])
    _log_decision(actor, draft, "returned", request)
    consult_event(draft, "countersign_returned", comment=comment)
    return draft
