"""Writes for notifications: store them, push them live and plan their delivery.

Every notification stored here is also planned for delivery by e-mail or SMS according to the
recipient's preferences (`delivery.plan_deliveries`, in the same transaction; sent after commit).
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from digifys.core import live

from . import delivery, selectors, topics
from .models import (
    MESSAGES,
    Channel,
    DeliverySettings,
    Notification,
    NotificationPreference,
)


def _in_language_of(user, text: str | Callable[[], str]) -> str:
    if not callable(text):
        return text
    with override(user.language or settings.LANGUAGE_CODE):
        return str(text())


@transaction.atomic
def notify(
    *,
    recipients: Iterable,
    kind: str,
    text: str | Callable[[], str] | None = None,
    link: str = "",
    code: str = "",
    params: dict | None = None,
) -> list[Notification]:
    """Store one notification per recipient (users, deduplicated), push it and deliver it.

    Deliveries by e-mail or SMS follow each recipient's preferences and leave after commit.

    TEXT may be a callable returning a translated string: it is rendered in each recipient's
    language. Texts name units, never residents: the page behind the link checks access and
    writes the access log. With CODE (a key of models.MESSAGES) and PARAMS instead of TEXT the
    message is stored as code + parameters and shown in the reader's language.
    """
    params = params or {}
    if code:
        render = MESSAGES[code]
        text = lambda: render(params)  # noqa: E731
    elif text is None:
        raise ValueError("a notification needs a code (or a text)")
    users = {user.pk: user for user in recipients if user is not None}
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=kind,
                text=_in_language_of(user, text)[:300],
                link=link,
                code=code,
                params=params,
            )
            for pk, user in users.items()
        ]
    )
    delivery.plan_deliveries(notifications=rows, users=users)
    live.publish([live.user_group(pk) for pk in users], "notification", kind=kind, link=link)
    return rows


@transaction.atomic
def mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all, or the given ids); return how many changed."""
    rows = Notification.objects.unread().filter(recipient=actor)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=timezone.now())


@transaction.atomic
def save_delivery_preferences(
    *,
    actor,
    channels: dict[str, str],
    mobile: str,
    quiet_from,
    quiet_until,
    time_zone: str = "",
) -> DeliverySettings:
    """Save how each topic of the actor's audience reaches them, their mobile and quiet hours.

    CHANNELS maps topic keys to a channel; every kind of a topic gets the same channel. A topic
    marked required cannot be switched off, and SMS needs a mobile number.
    """
    audience = selectors.audience_of(actor)
    offered = {topic.key: topic for topic in topics.topics_for(audience)}
    if set(channels) - set(offered):
        raise ValidationError(_("Choose among the offered kinds of notification."))
    for key, channel in channels.items():
        if channel not in Channel.values or (channel == Channel.NONE and offered[key].required):
            raise ValidationError(_("Choose how you want to get these."))
    mobile = delivery.normalise_mobile(mobile)
    if Channel.SMS in channels.values() and not mobile:
        raise ValidationError(_("Enter your mobile number to get SMS."))
    own, _created = DeliverySettings.objects.get_or_create(user=actor)
    own.mobile = mobile
    own.quiet_from, own.quiet_until = quiet_from, quiet_until
    if audience == topics.CITIZEN:
        own.time_zone = time_zone
    own.full_clean(exclude=["user"])
    own.save()
    for key, channel in channels.items():
        for kind in offered[key].kinds:
            NotificationPreference.objects.update_or_create(
                user=actor, kind=kind, defaults={"channel": channel}
            )
    return own
