"""Reads for the clinician register and the supervisors' countersignature queues."""

from django.db.models import Q, QuerySet

from digifys.accounts.models import Role
from digifys.directory.models import StaffProfile

from . import rules
from .models import Clinician, SupervisedDraft

LICENCE_FILTERS = {
    "blocked": "blocked",
    "supervised": "supervised",
}


def clinicians(*, q: str = "", recruitment: str = "", licence: str = "") -> QuerySet:
    """Register entries matching a name/licence-number search and the status filters."""
    rows = Clinician.objects.select_related("staff__user", "supervisor__user", "employer")
    if q:
        rows = rows.filter(
            Q(staff__user__first_name__icontains=q)
            | Q(staff__user__last_name__icontains=q)
            | Q(licence_number__icontains=q)
        )
    if recruitment in Clinician.Recruitment.values:
        rows = rows.filter(recruitment_status=recruitment)
    if licence in Clinician.Licence.values:
        rows = rows.filter(licence_status=licence)
    return rows.order_by("staff__user__last_name", "staff__user__first_name", "pk")


def blocked(rows) -> list[tuple[Clinician, dict[str, str]]]:
    """The clinicians among ROWS who may not do something, with the reasons per action."""
    found = []
    for clinician in rows:
        reasons = rules.blocked_actions(clinician.staff)
        if reasons and clinician.recruitment_status != Clinician.Recruitment.LEFT:
            found.append((clinician, reasons))
    return found


def physicians_not_in_register() -> QuerySet:
    """Active physicians without a register entry (treated as licensed; to be completed)."""
    return (
        StaffProfile.objects.filter(
            profession=Role.PHYSICIAN, user__is_active=True, clinician__isnull=True
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def queue_for(user) -> QuerySet:
    """The drafts awaiting USER's countersignature, by deadline."""
    return (
        SupervisedDraft.objects.awaiting()
        .filter(supervisor__user=user)
        .select_related("author__user", "resident__unit__parent", "consult")
        .order_by("deadline", "pk")
    )


def sent_by(user) -> QuerySet:
    """USER's own drafts (as a supervised clinician), newest first."""
    return (
        SupervisedDraft.objects.filter(author__user=user)
        .select_related("supervisor__user", "resident__unit__parent")
        .order_by("-submitted_at", "-pk")
    )


def draft_for(user, pk: int) -> SupervisedDraft | None:
    """The draft PK when USER is its supervisor or its author, else None."""
    return (
        SupervisedDraft.objects.filter(pk=pk)
        .filter(Q(supervisor__user=user) | Q(author__user=user))
        .select_related("author__user", "supervisor__user", "resident__unit__parent", "consult")
        .first()
    )


def awaiting_for_consult(consult_id: int) -> QuerySet:
    return SupervisedDraft.objects.awaiting().filter(consult_id=consult_id)


def draft_content(draft: SupervisedDraft) -> dict:
    """What the draft says: the note's four keywords, the order, or the review (from payload).

    Reached only through a draft its reader supervises or wrote (draft_for).
    """
    from digifys.consults.models import JournalNote
    from digifys.orders.models import Order

    if draft.kind == SupervisedDraft.Kind.NOTE:
        note = JournalNote.objects.filter(pk=draft.object_id).first()
        return {"note": note}
    if draft.kind == SupervisedDraft.Kind.ORDER:
        return {"order": Order.objects.filter(pk=draft.object_id).first()}
    return {"review": draft.payload}
