"""Reads of the logged-in user's own notifications and deliveries (no clinical detail)."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from digifys.core.time import STOCKHOLM_NAME
from digifys.directory import phone

from . import topics
from .models import Delivery, DeliverySettings, Notification, NotificationPreference


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


def audience_of(user) -> str:
    """Staff (with a staff profile) or citizen (relatives, residents): whose topics they see."""
    from digifys.directory.models import StaffProfile

    return topics.audience_of(is_staff=StaffProfile.objects.filter(user=user).exists())


def delivery_preferences(user) -> dict:
    """Initial values of the preferences form: each topic's channel, mobile, quiet hours."""
    audience = audience_of(user)
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    initial = {
        f"topic_{topic.key}": chosen.get(topic.kinds[0], topic.default)
        for topic in topics.topics_for(audience)
    }
    own = DeliverySettings.objects.filter(user=user).first()
    if own is not None:
        initial.update(
            mobile=phone.display(own.mobile),
            quiet_from=own.quiet_from,
            quiet_until=own.quiet_until,
            time_zone=own.time_zone or STOCKHOLM_NAME,
        )
    else:
        initial["time_zone"] = STOCKHOLM_NAME
    return initial


def staff_time_zone(user) -> str:
    from digifys.directory.models import StaffProfile

    return (
        StaffProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
        or STOCKHOLM_NAME
    )


def deliveries_for(user) -> QuerySet[Delivery]:
    """USER's own delivery log, newest first."""
    return Delivery.objects.filter(notification__recipient=user).select_related("notification")


def can_review_deliveries(user) -> bool:
    """Coordinators and administrators see failed deliveries of everybody (no resident data)."""
    from digifys.accounts.models import Role

    return user.is_authenticated and (
        user.is_superuser or user.role in (Role.COORDINATOR, Role.ADMINISTRATOR)
    )


def failed_deliveries() -> QuerySet[Delivery]:
    """Deliveries that failed or were given up, newest first, with their recipients."""
    return Delivery.objects.failed().select_related("notification__recipient")
