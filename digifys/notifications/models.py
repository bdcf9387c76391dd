"""Notifications to staff: stored (the delivery log) and pushed live to the recipient's browser.

Notifications carry no clinical detail beyond what the recipient may already see; the link leads
to the page, which checks access again.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        CONSULT_NEW = "consult_new", _("New consult")
        CONSULT_ESCALATED = "consult_escalated", _("Consult deadline missed")
        CONSULT_ANSWERED = "consult_answered", _("Consult answered")
        CONSULT_HANDED_OVER = "consult_handover", _("Consult handed over")
        TASK_NEW = "task_new", _("New task")
        TASK_OVERDUE = "task_overdue", _("Task overdue")
        TASK_DONE = "task_done", _("Task done")
        MESSAGE = "message", _("New message")
        PANEL_ASSIGNED = "panel_assigned", _("New panel assignment")
        LOGIN_LOCKED = "login_locked", _("Login locked")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=200, blank=True)
    # For kinds with a message in MESSAGES: the values it is filled with, so the text can be shown
    # in whatever language the reader uses (TEXT keeps it as first rendered, for the log).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.text

    @property
    def display_text(self) -> str:
        """The text in the active language when the kind has a message, else as stored."""
        message = MESSAGES.get(self.kind)
        if message is None or not self.params:
            return self.text
        try:
            return str(message) % self.params
        except (KeyError, TypeError, ValueError):
            return self.text


# Messages stored as a code (the kind) and parameters, translated when shown.
MESSAGES = {
    Notification.Kind.LOGIN_LOCKED: _(
        "Login locked for %(username)s after %(failures)s failed passwords from %(address)s, "
        "for %(minutes)s minutes. If it was not them, tell the administrator."
    ),
}
