"""Reads of the logged-in user's own notifications (they carry no clinical detail)."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    """Return USER's notifications: unread first, then newest first."""
    return (
        Notification.objects.filter(recipient=user)
        .annotate(
            unread_first=Case(
                When(read_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("unread_first", "-created_at", "-id")
    )


def unread_count(user) -> int:
    return Notification.objects.unread().filter(recipient=user).count()
