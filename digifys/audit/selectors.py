"""Reads of the access log for pages: the resident's extract and the log reviews."""

import bisect
import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from .models import AuditEvent, LogReview, LogReviewItem, StaffSession
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


def session_origins(events: list[AuditEvent]) -> dict[int, StaffSession]:
    """Return, per entry seq, the actor's login (where they worked from) the entry was made in.

    That is the actor's last `StaffSession` started at or before the entry, looked for from a day
    before the earliest entry (a session ends after 30 minutes without activity).
    """
    by_actor = defaultdict(list)
    for event in events:
        if event.actor_id is not None:
            by_actor[event.actor_id].append(event)
    if not by_actor:
        return {}
    earliest = min(event.occurred_at for event in events) - datetime.timedelta(days=1)
    latest = max(event.occurred_at for event in events)
    sessions = defaultdict(list)
    for session in StaffSession.objects.filter(
        user_id__in=by_actor, started_at__gte=earliest, started_at__lte=latest
    ).order_by("started_at", "pk"):
        sessions[session.user_id].append(session)
    origins = {}
    for actor_id, actor_events in by_actor.items():
        own = sessions.get(actor_id, [])
        starts = [session.started_at for session in own]
        for event in actor_events:
            index = bisect.bisect_right(starts, event.occurred_at) - 1
            if index >= 0:
                origins[event.seq] = own[index]
    return origins


def sessions_abroad(review: LogReview) -> QuerySet[StaffSession]:
    """Return the logins from outside HOME_COUNTRY within the review's period, newest first."""
    start = datetime.datetime.combine(review.period_start, datetime.time.min, tzinfo=STOCKHOLM)
    end = datetime.datetime.combine(
        review.period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=STOCKHOLM
    )
    return (
        StaffSession.objects.filter(started_at__gte=start, started_at__lt=end)
        .exclude(country=settings.HOME_COUNTRY)
        .select_related("user")
        .order_by("-started_at", "-pk")
    )
