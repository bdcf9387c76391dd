"""Writes for notifications: store them (the delivery log) and push them live."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override

from digifys.core import live

from .models import MESSAGES, Notification


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
    """Store one notification per recipient (users, deduplicated) and push it after commit.

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
    live.publish([live.user_group(pk) for pk in users], "notification", kind=kind, link=link)
    return rows


@transaction.atomic
def mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all, or the given ids); return how many changed."""
    rows = Notification.objects.unread().filter(recipient=actor)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=timezone.now())
