"""Notifications to staff: stored (the delivery log) and pushed live to the recipient's browser.

Notifications carry no clinical detail beyond what the recipient may already see; the link leads
to the page, which checks access again.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from digifys.core import codes
from digifys.core.codes import Phrase


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
        CARE_RESPONSIBILITY = "care_responsibility", _("Care responsibility to settle")
        LOGIN_LOCKED = "login_locked", _("Login locked")
        # Relatives and residents (issue #13).
        RELATIVE_UPDATE = "relative_update", _("New update")
        RELATIVE_MESSAGE = "relative_message", _("New message from a relative")
        MESSAGE_ANSWERED = "message_answered", _("Message answered")
        MESSAGE_ESCALATED = "message_escalated", _("Message not answered in time")
        MEETING_INVITATION = "meeting_invitation", _("Meeting invitation")
        CONDITION_NOTICE = "condition_notice", _("Condition notice")
        SURVEY = "survey", _("Survey")
        # The virtual clinic's clinicians (issue #15).
        LICENCE_ALERT = "licence_alert", _("Licence needs attention")
        DOCUMENT_EXPIRING = "document_expiring", _("Document expiring")
        COUNTERSIGNATURE = "countersignature", _("Awaiting countersignature")
        SHIFT_SWAP = "shift_swap", _("Shift swap")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=300)
    # A message from MESSAGES and its parameters: shown in the reader's current language. TEXT
    # keeps the rendering in the recipient's language at the time (the delivery log).
    code = models.CharField(_("message code"), max_length=40, blank=True, default="")
    params = models.JSONField(_("message parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
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
        """The text in the active language when stored as code + parameters, else as sent."""
        return codes.render(MESSAGES, self.code, self.params, self.text)


def _registration_moved_out(params: dict) -> str:
    from digifys.directory import geography

    code = params.get("municipality_code", "")
    return _(
        "A resident of %(unit)s is now registered in %(county)s (municipality code %(code)s). "
        "Settle who has the care responsibility: the virtual clinic's physicians abroad can no "
        "longer take this resident's consults."
    ) % {
        "unit": params.get("unit", ""),
        "county": geography.county_name(code) or code,
        "code": code,
    }


def _login_locked(params: dict) -> str:
    return _(
        "Login locked for %(username)s after %(failures)s failed passwords from %(address)s, "
        "for %(minutes)s minutes. If it was not them, tell the administrator."
    ) % {key: params.get(key, "") for key in ("username", "failures", "address", "minutes")}


def _urgency_choices():
    from digifys.vitals.models import Urgency

    return Urgency


# Messages stored as code + parameters (Notification.code): code -> renderer in the active
# language (issue 12 §4 item 5). Texts name units, never residents (see services.notify);
# parameters are values (a unit's or a physician's name, a choice code), never translated text.
MESSAGES = {
    "registration_moved_out": _registration_moved_out,
    "login_locked": _login_locked,
    "consult_new": Phrase(
        gettext_noop("New consult (%(urgency)s) from %(unit)s"),
        choices={"urgency": _urgency_choices},
    ),
    "consult_answered": Phrase(gettext_noop("%(name)s answered a consult from %(unit)s")),
    "consult_message": Phrase(gettext_noop("New message in a consult from %(unit)s")),
    "consult_handed_over": Phrase(gettext_noop("%(name)s handed a consult over to you")),
    "consult_escalated": Phrase(
        gettext_noop("A consult from %(unit)s missed its deadline and was escalated")
    ),
    "task_new": Phrase(gettext_noop("New task on %(unit)s")),
    "task_done": Phrase(gettext_noop("A task on %(unit)s is done")),
    "task_overdue": Phrase(gettext_noop("A task on %(unit)s is overdue")),
    "panel_named": Phrase(
        gettext_noop("You are now the named physician of a resident at %(unit)s.")
    ),
    "panel_deputy": Phrase(
        gettext_noop("You are now the deputy physician of a resident at %(unit)s.")
    ),
    # Shift swaps of the virtual clinic's on-duty rota (issue 15 §3, digifys.workforce).
    "swap_proposed": Phrase(gettext_noop("%(name)s proposes a swap of on-duty shifts")),
    "swap_declined": Phrase(gettext_noop("%(name)s declined your shift swap")),
    "swap_to_approve": Phrase(
        gettext_noop("%(proposer)s and %(counterpart)s ask you to approve a shift swap")
    ),
    "swap_approved": Phrase(
        gettext_noop("The shift swap of %(proposer)s and %(counterpart)s was approved")
    ),
    "swap_refused": Phrase(
        gettext_noop("Your shift swap with %(name)s was refused; the reason is on the page")
    ),
}
