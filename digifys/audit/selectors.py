"""Reads of the access log for pages: the resident's extract and the log reviews."""

import datetime

from django.db.models import Count, Q, QuerySet

from .models import AuditEvent, LogReview, LogReviewItem
from .services import STOCKHOLM


def extract_for(
    resident, *, since: datetime.date | None = None, until: datetime.date | None = None
) -> QuerySet[AuditEvent]:
    """Return the entries about RESIDENT, newest first, within whole Stockholm days SINCE..UNTIL."""
    entries = AuditEvent.objects.filter(resident=resident).order_by("-seq")
    if since:
        start = datetime.datetime.combine(since, datetime.time.min, tzinfo=STOCKHOLM)
        entries = entries.filter(occurred_at__gte=start)
    if until:
        end = datetime.datetime.combine(
            until + datetime.timedelta(days=1), datetime.time.min, tzinfo=STOCKHOLM
        )
        entries = entries.filter(occurred_at__lt=end)
    return entries


def reviews() -> QuerySet[LogReview]:
    """Return all log reviews, newest first, with their entry counts."""
    return LogReview.objects.select_related("created_by", "closed_by").annotate(
        item_count=Count("items"),
        pending_count=Count("items", filter=Q(items__outcome=LogReviewItem.Outcome.PENDING)),
    )


def review_items(review: LogReview) -> QuerySet[LogReviewItem]:
    """Return a review's entries in log order, with what the page shows about each."""
    return (
        review.items.select_related("event__resident__unit__parent", "reviewed_by")
        .order_by("event__seq")
        .all()
    )


def stated_reasons(events: list[AuditEvent]) -> dict[int, str]:
    """Return, per entry seq, the reason the user stated for it, for the log review (issue #20).

    An entry that carries a reason in its details (opening emergency access, booking another
    clinician, lifting a block) gives its own; a read under emergency access gives the reason of
    the emergency access the same user opened for the same resident before it.
    """
    reasons = {}
    emergency_reads = []
    for event in events:
        reason = (event.details or {}).get("reason") if isinstance(event.details, dict) else None
        if reason:
            reasons[event.seq] = str(reason)
        elif event.purpose == AuditEvent.Purpose.EMERGENCY and event.actor_id is not None:
            emergency_reads.append(event)
    for event in emergency_reads:
        opening = (
            AuditEvent.objects.filter(
                actor_id=event.actor_id,
                resident_id=event.resident_id,
                action=AuditEvent.Action.EMERGENCY,
                object_type="access_grant",
                seq__lt=event.seq,
            )
            .order_by("-seq")
            .values_list("details", flat=True)
            .first()
        )
        if isinstance(opening, dict) and opening.get("reason"):
            reasons[event.seq] = str(opening["reason"])
    return reasons
