"""Writes for notifications: store them (the delivery log) and push them live."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from digifys.core import live

from .models import Notification


@transaction.atomic
def notify(*, recipients: Iterable, kind: str, text: str, link: str = "") -> list[Notification]:
    """Store one notification per recipient (users, deduplicated) and push it after commit."""
    users = {user.pk: user for user in recipients if user is not None}
    rows = Notification.objects.bulk_create(
        [Notification(recipient_id=pk, kind=kind, text=text[:300], link=link) for pk in users]
    )
    live.publish([live.user_group(pk) for pk in users], "notification", kind=kind, link=link)
    return rows


@transaction.atomic
def mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all, or the given ids); return how many changed."""
    rows = Notification.objects.unread().filter(recipient=actor)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=timezone.now())
