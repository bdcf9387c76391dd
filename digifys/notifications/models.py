"""Notifications: stored, pushed live to the recipient's browser and delivered by e-mail or SMS.

Notifications carry no clinical detail beyond what the recipient may already see; the link leads
to the page, which checks access again. What leaves the platform (e-mail, SMS) carries even less:
only that there is something new, from which home or unit, and the link (see `delivery.py`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
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


class Channel(models.TextChoices):
    """How a notification reaches a person outside the platform (or not at all)."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    NONE = "none", _("Only in digifys")


class NotificationPreference(models.Model):
    """A person's chosen channel for one kind of notification (absent: the topic's default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Notification.Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: {self.channel}"


class DeliverySettings(models.Model):
    """A person's mobile number for SMS and quiet hours (in their own time zone).

    Staff keep their time zone on their staff profile; TIME_ZONE here is for relatives and
    residents (blank: the staff profile's zone, else Europe/Stockholm).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delivery_settings",
        verbose_name=_("user"),
    )
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    quiet_from = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet hours until"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("delivery settings")
        verbose_name_plural = _("delivery settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_from__isnull=True, quiet_until__isnull=True)
                | models.Q(quiet_from__isnull=False, quiet_until__isnull=False),
                name="delivery_settings_quiet_hours_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        super().clean()
        if (self.quiet_from is None) != (self.quiet_until is None):
            raise ValidationError(_("Give both the start and the end of quiet hours, or neither."))
        if self.quiet_from is not None and self.quiet_from == self.quiet_until:
            raise ValidationError(_("Quiet hours must start and end at different times."))


class DeliveryQuerySet(models.QuerySet):
    def due(self, at) -> "DeliveryQuerySet":
        """Deliveries a worker should attempt at AT (including ones whose sender vanished)."""
        return self.filter(
            models.Q(status__in=Delivery.WAITING, next_attempt_at__lte=at)
            | models.Q(status=Delivery.Status.SENDING, claimed_until__lt=at)
        )

    def failed(self) -> "DeliveryQuerySet":
        return self.filter(status__in=[Delivery.Status.FAILED, Delivery.Status.GIVEN_UP])


class Delivery(models.Model):
    """One notification sent (or to be sent) over one channel: the delivery log.

    A row is sent at most once per successful attempt: a worker claims it with a conditional
    update (queued/retrying and due → sending) before sending, so a retried or doubled job finds
    nothing to do once the row is sent or claimed. A worker that dies mid-send leaves the claim
    to expire (`claimed_until`), after which the row is tried again: at least once.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Failed, will try again")
        FAILED = "failed", _("Failed")
        GIVEN_UP = "given_up", _("Given up after several attempts")

    class Problem(models.TextChoices):
        NONE = "", _("None")
        NO_ADDRESS = "no_address", _("No e-mail address")
        NO_MOBILE = "no_mobile", _("No mobile number")
        REFUSED = "refused", _("The address or number was refused")
        TEMPORARY = "temporary", _("The mail or SMS service did not accept it for now")
        TIMEOUT = "timeout", _("The mail or SMS service did not answer in time")
        CONNECTION = "connection", _("The mail or SMS service could not be reached")

    WAITING = ("queued", "retrying")

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=[c for c in Channel.choices if c[0] != "none"]
    )
    to = models.CharField(_("to"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    problem = models.CharField(
        _("problem"), max_length=12, choices=Problem.choices, blank=True, default=""
    )
    # The technical reason of the last failure (SMTP reply, HTTP status), for operators.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Why the first attempt waits: the recipient's quiet hours.
    held_for_quiet_hours = models.BooleanField(_("held for quiet hours"), default=False)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel}: {self.status}"


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


def _document_kinds():
    from digifys.clinicians.models import ClinicianDocument

    return ClinicianDocument.Kind


def _clinician_draft_kinds():
    from digifys.clinicians.models import SupervisedDraft

    return SupervisedDraft.Kind


def _iso_date(value) -> str:
    import datetime

    from django.utils.formats import date_format

    try:
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return str(value or "")


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
    # Trust survey (trust.services): the unit's name only, never anything about the resident.
    "trust_survey": Phrase(
        gettext_noop("A short question from %(unit)s: how do you find the care? (2 minutes)")
    ),
    "task_done": Phrase(gettext_noop("A task on %(unit)s is done")),
    "task_overdue": Phrase(gettext_noop("A task on %(unit)s is overdue")),
    "meeting_invitation": Phrase(
        gettext_noop("You are invited to a family meeting by video with %(unit)s")
    ),
    "panel_named": Phrase(
        gettext_noop("You are now the named physician of a resident at %(unit)s.")
    ),
    "panel_deputy": Phrase(
        gettext_noop("You are now the deputy physician of a resident at %(unit)s.")
    ),
    # The clinician register (issue #15): names are staff, never residents.
    "licence_withdrawn": Phrase(
        gettext_noop("The licence register says %(name)s's licence is withdrawn.")
    ),
    "licence_expired": Phrase(gettext_noop("%(name)s's Swedish licence has expired.")),
    "licence_unknown": Phrase(
        gettext_noop("%(name)s's licence number was not found in the licence register.")
    ),
    "licence_check_failed": Phrase(
        gettext_noop(
            "The licence register did not answer for %(name)s; the previous status is kept."
        )
    ),
    "document_expiring": Phrase(
        gettext_noop("%(name)s: the document %(what)s expires on %(date)s."),
        choices={"what": _document_kinds},
        formats={"date": _iso_date},
    ),
    "language_course_ending": Phrase(
        gettext_noop("%(name)s: the language course (%(what)s) ends on %(date)s."),
        formats={"date": _iso_date},
    ),
    "countersign_new": Phrase(
        gettext_noop("%(name)s sent a %(kind)s for your countersignature (%(unit)s)."),
        choices={"kind": _clinician_draft_kinds},
    ),
    "countersign_urgent": Phrase(
        gettext_noop("Urgent: %(name)s needs your countersignature now (%(unit)s)."),
    ),
    "countersign_done": Phrase(
        gettext_noop("%(name)s countersigned your %(kind)s (%(unit)s)."),
        choices={"kind": _clinician_draft_kinds},
    ),
    "countersign_returned": Phrase(
        gettext_noop("%(name)s returned your %(kind)s with a comment (%(unit)s)."),
        choices={"kind": _clinician_draft_kinds},
    ),
    # Relatives' updates and messages (messaging app): the home or unit only, never the resident.
    "relative_update": Phrase(gettext_noop("There is a new update from %(home)s")),
    "relative_message": Phrase(gettext_noop("New message from a relative at %(unit)s")),
    "relative_message_handed": Phrase(
        gettext_noop("A message from a relative at %(unit)s was handed to you")
    ),
    "message_answered": Phrase(gettext_noop("Your message to %(home)s has been answered")),
    "condition_notice": Phrase(
        gettext_noop("%(home)s has contacted the doctor about your relative")
    ),
    "relative_message_escalated": Phrase(
        gettext_noop("A message from a relative at %(unit)s was not answered in time")
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
