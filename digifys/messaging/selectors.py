"""Reads for updates and relatives' messages.

Relative-facing reads go through the consent gate (`relatives.policy`) on every call: a relative
sees a resident's published updates only while their consent in force covers *updates*, and
their own messages only while it covers *messages*. A relative sees only the messages they wrote
themselves, never another relative's. Staff reads go through the models' `visible_to(user)`.
"""

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from digifys.accounts.models import Role
from digifys.relatives import policy
from digifys.relatives.models import Consent, Scope
from digifys.residents.models import Resident

from .models import Message, Update

PAGE_SIZE = 20


# --- Relatives --------------------------------------------------------------------------------


def resident_for_relative(user, resident_id: int, scope: str) -> Resident:
    """RESIDENT_ID with its unit if USER's consent in force covers SCOPE, else 404."""
    resident = (
        policy.residents_with_scope(user, scope)
        .select_related("unit__parent")
        .filter(pk=resident_id)
        .first()
    )
    if resident is None:
        raise Http404
    return resident


def published_updates(user, resident: Resident) -> QuerySet[Update]:
    """RESIDENT's published updates, if USER's consent in force covers updates (else none)."""
    scopes = policy.scopes_for(user, resident)
    if Scope.UPDATES not in scopes:
        return Update.objects.none()
    updates = Update.objects.published().filter(resident=resident)
    if Scope.CONDITION not in scopes:  # condition notices only with that scope
        updates = updates.filter(notice="")
    return updates.order_by("-published_at", "-pk")


def own_messages(user, resident: Resident) -> QuerySet[Message]:
    """USER's own messages about RESIDENT, if their consent in force covers messages."""
    if Scope.MESSAGES not in policy.scopes_for(user, resident):
        return Message.objects.none()
    return Message.objects.filter(resident=resident, relative__user=user).order_by(
        "-sent_at", "-pk"
    )


def portal_counts(user, resident_ids) -> dict[int, dict]:
    """{resident id: {"updates": n published, "answered": n answered}} for the portal home."""
    ids = list(resident_ids)
    counts = {pk: {"updates": 0, "answered": 0} for pk in ids}
    if not ids:
        return counts
    allowed_updates = set(
        policy.residents_with_scope(user, Scope.UPDATES)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    allowed_messages = set(
        policy.residents_with_scope(user, Scope.MESSAGES)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    for row in (
        Update.objects.published()
        .filter(resident__in=allowed_updates)
        .values("resident")
        .annotate(n=Count("pk"))
    ):
        counts[row["resident"]]["updates"] = row["n"]
    for row in (
        Message.objects.filter(
            resident__in=allowed_messages, relative__user=user, answered_at__isnull=False
        )
        .values("resident")
        .annotate(n=Count("pk"))
    ):
        counts[row["resident"]]["answered"] = row["n"]
    return counts


# --- Staff --------------------------------------------------------------------------------


def staff_resident(user, resident_id: int) -> Resident | None:
    return (
        Resident.objects.visible_to(user).select_related("unit__parent").filter(pk=resident_id)
    ).first()


def resident_messages(user, resident: Resident) -> QuerySet[Message]:
    return (
        Message.objects.visible_to(user)
        .filter(resident=resident)
        .select_related("relative", "answered_by", "read_by", "handed_to__user")
        .order_by("-sent_at", "-pk")
    )


def resident_updates(user, resident: Resident) -> QuerySet[Update]:
    return (
        Update.objects.visible_to(user)
        .filter(resident=resident)
        .select_related("written_by", "approved_by")
        .order_by("-written_at", "-pk")
    )


def staff_message(user, pk: int) -> Message | None:
    return (
        Message.objects.visible_to(user)
        .select_related(
            "resident__unit__parent", "relative", "answered_by", "read_by", "handed_to__user"
        )
        .filter(pk=pk)
        .first()
    )


def staff_update(user, pk: int) -> Update | None:
    return (
        Update.objects.visible_to(user)
        .select_related("resident__unit__parent", "written_by", "approved_by")
        .filter(pk=pk)
        .first()
    )


def unread_count_subquery(user):
    """A subquery for Resident rows: how many messages about the resident are unread."""
    unread = (
        Message.objects.visible_to(user)
        .unread()
        .filter(resident=OuterRef("pk"))
        .order_by()
        .values("resident")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread), 0)


def inbox(user) -> QuerySet[Message]:
    """The messages that need USER: for nurses and assistant nurses their units' unanswered
    messages; for physicians the ones handed to them; for coordinators the escalated ones."""
    role = getattr(user, "role", None)
    messages = (
        Message.objects.visible_to(user)
        .unanswered()
        .select_related("resident__unit__parent", "relative", "handed_to__user")
    )
    if role in (Role.NURSE, Role.ASSISTANT_NURSE):
        messages = messages.filter(unit__in=user.staff_profile.units.values("pk"))
    elif role == Role.PHYSICIAN:
        messages = messages.filter(handed_to__user=user)
    elif role == Role.COORDINATOR:
        messages = messages.filter(escalated_at__isnull=False)
    else:
        return Message.objects.none()
    return messages.order_by("deadline_at", "pk")


def pending_updates(user) -> QuerySet[Update]:
    """Updates waiting for approval that USER may approve (licensed staff who see them)."""
    if getattr(user, "role", None) not in (Role.NURSE, Role.PHYSICIAN):
        return Update.objects.none()
    return (
        Update.objects.visible_to(user)
        .pending()
        .select_related("resident__unit__parent", "written_by")
        .order_by("written_at", "pk")
    )


def condition_notice_recipients(resident: Resident) -> int:
    """How many relatives a condition notice about RESIDENT would reach (consent in force)."""
    return (
        Consent.objects.in_force()
        .filter(resident=resident, condition=True, relative__user__is_active=True)
        .count()
    )
