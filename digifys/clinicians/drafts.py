"""Sending a supervised clinician's work to the supervisor's queue (issue #15 §2).

The lower half of supervision: the domain services (consults.sign_note, orders.place_order,
medicationreviews.record_review) call `submit` when `rules.under_supervision` says the actor works
under supervision. This module imports none of them; the countersign flow (`supervision.py`),
which calls them back to put a draft into effect, imports this one (docs/architecture.md,
"Module layout and import circles").

Rules enforced here:
- only a clinician under supervision sends work to countersign; it goes to their named supervisor;
- a note sent again replaces its waiting copy rather than queueing a second one;
- the consult's thread says "awaiting countersignature" (the nurse sees it); in an urgent or
  emergency consult the draft goes to the supervisor at once with a 30-minute deadline and the
  thread says so;
- every draft writes the access log and notifies the supervisor.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.audit import services as audit
from digifys.consults.thread import event
from digifys.notifications.models import Notification
from digifys.notifications.services import notify

from . import rules
from .models import ROUTINE_DEADLINE, URGENT_DEADLINE, SupervisedDraft

URGENT_LEVELS = ("emergency", "urgent")


def consult_event(draft: SupervisedDraft, code: str, **params) -> None:
    """Write CODE into the draft's consult thread (if it has a consult), naming both people."""
    if draft.consult_id is None:
        return
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
    consult_event(draft, "countersign_awaiting")
    if urgent:
        consult_event(draft, "countersign_escalated")
    unit = str(resident.unit) if resident.unit_id else ""
    notify(
        recipients=[supervisor.user],
        kind=Notification.Kind.COUNTERSIGNATURE,
        code="countersign_urgent" if urgent else "countersign_new",
        params={"name": author.name, "kind": kind, "unit": unit},
        link=reverse("clinicians:draft", args=[draft.pk]),
    )
    return draft
