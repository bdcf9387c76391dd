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
